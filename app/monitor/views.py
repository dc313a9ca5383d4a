"""The live monitor page: figures from app.monitor.figures, refreshed by the browser itself."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_login import login_required

from app.accounts.permissions import campaign_for_user
from app.campaigns.surveys import SurveyChangedError, survey_for
from app.exchange.figures import exchange_figures
from app.extensions import db
from app.monitor import charts
from app.monitor import figures as fig


@login_required
def monitor(slug: str):
    campaign = campaign_for_user(slug, "view")
    try:
        survey = survey_for(campaign)
    except (SurveyChangedError, FileNotFoundError):
        survey = None
    refresh = request.args.get("refresh") != "off"
    f = fig.funnel(db.session, campaign)
    pages = fig.page_dropoff(db.session, campaign, survey) if survey else []
    per_hour = fig.completions_per_hour(db.session, campaign)
    arms = fig.arm_balance(db.session, campaign)
    funnel_rows = [("arrived", f.arrived), ("consented", f.consented), ("started", f.started),
                   ("in progress", f.in_progress), ("completed", f.completed),
                   ("screened out", f.screened_out_total), ("withdrawn", f.withdrawn)]
    return render_template(
        "monitor/monitor.html",
        c=campaign, f=f, pages=pages, survey_missing=survey is None,
        durations=fig.durations(db.session, campaign), per_hour=per_hour,
        languages=fig.languages(db.session, campaign), arms=arms,
        quotas=fig.quotas(db.session, campaign), strata=fig.strata(db.session, campaign),
        quality=fig.quality(db.session, campaign, survey),
        exchange=exchange_figures(db.session, campaign, survey)
        if survey is not None and survey.exchange is not None else None,
        refresh_seconds=current_app.config["PARLEY_MONITOR_REFRESH_SECONDS"] if refresh else None,
        funnel_chart=charts.bars("funnel", "Funnel", funnel_rows),
        hour_chart=charts.columns("hours", "Completions per hour, last 24 hours (UTC)",
                                  [(h.strftime("%H:00"), n) for h, n in per_hour]),
        arm_chart=charts.bars("arms", "Starters per arm (red: expected by the ratio)",
                              [(a.arm, a.starters) for a in arms],
                              [a.expected_starters for a in arms]),
        thresholds={"seconds_per_item": fig.SECONDS_PER_ITEM_MIN, "wpm": fig.READING_WPM_MAX,
                    "straightline": fig.STRAIGHTLINE_MIN_ITEMS},
    )
