"""The audit trail for owners: a filtered page and the same rows as CSV."""

from __future__ import annotations

from flask import Response, render_template, request, stream_with_context
from sqlalchemy import select

from app.accounts.permissions import role_required
from app.audit.operations import record_audit
from app.audit.queries import AuditFilter, audit_query, csv_lines
from app.extensions import db
from app.models import Campaign
from app.web.database import writing

#: Rows per page on screen (the CSV has all).
PAGE = 100
#: The highest page number asked of the database (100 million rows).
MAX_PAGE = 1_000_000


@role_required("owner")
def trail():
    f = AuditFilter(request.args)
    # Clamped: a page number past any real trail (or past what an OFFSET can
    # hold) shows an empty last page instead of a database error.
    page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    events = db.session.scalars(audit_query(f).limit(PAGE + 1).offset((page - 1) * PAGE)).all()
    slugs = db.session.scalars(select(Campaign.slug).order_by(Campaign.slug)).all()
    return render_template("audit/trail.html", events=events[:PAGE], more=len(events) > PAGE,
                           page=page, f=f, slugs=slugs)


@role_required("owner")
def trail_csv():
    f = AuditFilter(request.args)
    with writing(db.session):
        record_audit(db.session, "audit.export", detail=str(f.as_args()) or None)
    rows = csv_lines(db.session, audit_query(f))
    return Response(stream_with_context(rows), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=parley-audit.csv"})
