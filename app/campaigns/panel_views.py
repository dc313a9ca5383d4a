"""The panel match on a campaign's page: upload the panel's CSV, download it joined.

The browser's ``parley panel match`` (issue 19): a manager uploads the
panel's submissions file and gets it back with Parley's columns
(app.campaigns.panel_match, the one writer of both). Nothing is stored: the
upload is read in memory (app.web.edge.in_memory_upload: never spooled to a
temporary file), joined in memory and sent back; only an audit entry with
the counts remains. A wrong
file (no id column, not a CSV, too large) changes nothing and is explained
on the campaign page.
"""

from __future__ import annotations

import io

from flask import current_app, flash, redirect, url_for
from flask_login import login_required
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge

from app.accounts.permissions import campaign_for_user
from app.campaigns.forms import PanelMatchForm
from app.campaigns.panel_match import MatchFileError, decode_submissions, write_match
from app.extensions import csrf, db
from app.web.edge import in_memory_upload

__all__ = ["panel_match_csv"]

_HINT = "name it in the field 'Column with the panel's participant id'"


def _limit() -> int:
    return current_app.config["PARLEY_PANEL_MATCH_BYTES"]


# Exempt from the app-wide CSRF check only because that check parses the body
# under the small global size limit before this view's own limit applies; the
# FlaskForm below still requires and checks the CSRF token.
@in_memory_upload(_limit)
@csrf.exempt
@login_required
def panel_match_csv(slug: str):
    """POST: the panel's rows joined with each participant's outcome, as a CSV download."""
    campaign = campaign_for_user(slug, "manage")
    limit = _limit()
    back = redirect(url_for(".campaign", slug=slug, _anchor="panel-match"), code=303)
    try:
        form = PanelMatchForm()
        valid = form.validate_on_submit()
    except RequestEntityTooLarge:
        flash(f"Nothing was matched: the file is larger than {limit // (1024 * 1024)} MB.",
              "error")
        return back
    if form.csrf_token.errors:
        raise CSRFError(form.csrf_token.errors[0])
    if not valid:
        problems = [e for field in (form.submissions, form.id_column) for e in field.errors]
        flash("Nothing was matched: " + " ".join(problems), "error")
        return back
    data = form.submissions.data.read(limit + 1)
    joined = io.StringIO(newline="")
    try:
        if len(data) > limit:
            raise MatchFileError(f"the file is larger than {limit // (1024 * 1024)} MB")
        source = io.StringIO(decode_submissions(data), newline="")
        found, total = write_match(db.session, campaign, source, joined,
                                   form.id_column.data or None, hint=_HINT)
    except MatchFileError as exc:
        db.session.rollback()
        flash(f"Nothing was matched: {exc}.", "error")
        return back
    db.session.commit()  # the audit entry: how many rows, no id
    response = current_app.response_class(joined.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}-panel-match.csv"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Parley-Matched"] = f"{found} of {total}"
    return response
