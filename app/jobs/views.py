"""Export and report jobs in the browser: request, watch, download."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import func, select

from app.accounts.permissions import campaign_for_user
from app.audit import record_audit
from app.extensions import db
from app.jobs.forms import FORMAT_LABELS, ExportForm, ReportForm
from app.jobs.operations import (
    SUFFIX,
    available,
    clean_expired,
    fail_stale,
    job_file,
    request_export,
    request_report,
)
from app.jobs.runner import enqueue
from app.jobs.storage import chunks
from app.models import Job, JobFileChunk, Participant
from app.web.database import writing

MIMETYPES = {".zip": "application/zip", ".html": "text/html"}


@login_required
def jobs(slug: str):
    campaign = campaign_for_user(slug, "export")
    with writing(db.session):  # a GET reads without the write lock; these two write
        clean_expired(db.session)
        fail_stale(db.session)
    recent = db.session.scalars(
        select(Job).where(Job.campaign_id == campaign.id, Job.kind.in_(("export", "report")))
        .order_by(Job.id.desc()).limit(20)
    ).all()
    busy = any(j.status in ("queued", "running") for j in recent)
    form = ExportForm()
    return render_template("jobs/jobs.html", c=campaign, jobs=recent, busy=busy, form=form,
                           labels=FORMAT_LABELS, report_form=ReportForm(),
                           available=available(db.session, recent))


@login_required
def start_export(slug: str):
    campaign = campaign_for_user(slug, "export")
    form = ExportForm()
    if not form.validate_on_submit():
        flash("Choose one of the formats.", "error")
        return redirect(url_for(".jobs", slug=slug), code=303)
    options = {"include_test": form.include_test.data, "include_text": form.include_text.data,
               "include_profile": form.include_profile.data}
    job = request_export(db.session, campaign, form.fmt.data, options)
    db.session.commit()
    enqueue(job.id)
    flash(f"Export {job.id} is being made; this page shows when it is ready.", "info")
    return redirect(url_for(".jobs", slug=slug), code=303)


@login_required
def start_report(slug: str):
    campaign = campaign_for_user(slug, "export")
    if not ReportForm().validate_on_submit():
        return redirect(url_for(".jobs", slug=slug), code=303)
    finished = db.session.scalar(
        select(func.count()).select_from(Participant)
        .where(Participant.campaign_id == campaign.id, Participant.status == "completed")
    )
    if not finished:
        flash(_("No participant has finished yet: the report needs finished participants."),
              "error")
        return redirect(url_for(".jobs", slug=slug), code=303)
    job, reused = request_report(db.session, campaign)
    db.session.commit()
    if reused:
        flash(f"The data have not changed since report {job.id}: it is reused.", "info")
    else:
        enqueue(job.id)
        flash(f"Report {job.id} is being made; this page shows when it is ready.", "info")
    return redirect(url_for(".jobs", slug=slug), code=303)


@login_required
def download(slug: str, job_id: int):
    """Stream the finished file from disk, or piece by piece from the database (never the
    whole file in memory)."""
    campaign = campaign_for_user(slug, "export")
    job = db.session.get(Job, job_id)
    if job is None or job.campaign_id != campaign.id:
        abort(404)
    path = job_file(job)
    size = None
    if path is None and job.status == "done" and job.file_name:
        size = db.session.scalar(select(func.sum(func.length(JobFileChunk.data)))
                                 .where(JobFileChunk.job_id == job.id))
    if path is None and size is None:
        abort(404)
    with writing(db.session):
        record_audit(db.session, f"{job.kind}.download", campaign=campaign,
                     detail=f"job {job.id}: {job.fmt}")
    mimetype = MIMETYPES[SUFFIX[job.fmt]]
    if path is not None:
        return send_file(path, mimetype=mimetype, as_attachment=True,
                         download_name=path.name, max_age=0, conditional=True)
    response = Response(stream_with_context(chunks(db.session, job.id)), mimetype=mimetype)
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = f'attachment; filename="{job.file_name}"'
    response.headers["Cache-Control"] = "no-cache"
    return response
