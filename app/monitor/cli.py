"""``parley monitor SLUG``: the monitor's figures in a terminal."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.campaigns.surveys import SurveyChangedError, survey_for
from app.cli_support import campaign_or_fail
from app.extensions import db
from app.monitor import figures as fig

__all__ = ["monitor_command"]


@click.command("monitor")
@click.argument("slug")
@with_appcontext
def monitor_command(slug):
    """Print campaign SLUG's live figures: funnel, pages, time, arms, quotas, quality."""
    campaign = campaign_or_fail(slug)
    try:
        survey = survey_for(campaign)
    except (SurveyChangedError, FileNotFoundError):
        survey = None
    f = fig.funnel(db.session, campaign)
    click.echo(f"funnel\tarrived {f.arrived}\tconsented {f.consented}\tstarted {f.started}\t"
               f"in progress {f.in_progress}\tcompleted {f.completed}\t"
               f"screened out {f.screened_out_total}\twithdrawn {f.withdrawn}\ttest {f.test}")
    for reason, n in f.screened_out.items():
        click.echo(f"screened out\t{reason}\t{n}")
    for row in fig.page_dropoff(db.session, campaign, survey) if survey else []:
        click.echo(f"step\t{row.step}\treached {row.reached}\there now {row.here_now}\t"
                   f"stopped here {row.stopped_here}")
    d = fig.durations(db.session, campaign)
    if d.n:
        click.echo(f"minutes\tmedian {d.median_minutes:.1f}\tp90 {d.p90_minutes:.1f}\t(n {d.n})")
    for lang, n, done in fig.languages(db.session, campaign):
        click.echo(f"language\t{lang}\tconsented {n}\tcompleted {done}")
    for a in fig.arm_balance(db.session, campaign):
        click.echo(f"arm\t{a.arm}\tstarters {a.starters} (expected {a.expected_starters:.1f})\t"
                   f"completers {a.completers} (expected {a.expected_completers:.1f})")
    for q in fig.quotas(db.session, campaign):
        click.echo(f"quota\t{q.name}\t{q.used}/{q.cap}\tcompleted {q.completed}\theld {q.held}\t"
                   f"free {q.free}")
        if q.free_again:
            click.echo(f"quota\t{q.name}\t{q.free_again} places are free again: add places on "
                       "the panel")
    for stratum, arms in fig.strata(db.session, campaign).items():
        click.echo(f"stratum\t{stratum}\t" + ", ".join(f"{a} {n}" for a, n in arms.items()))
    for q in fig.quality(db.session, campaign, survey):
        click.echo(f"quality\t{q.arm}\tparticipants {q.participants}\tpage speeders "
                   f"{q.page_speeders}\tfast readers {q.fast_readers}\tstraight-liners "
                   f"{q.straightliners}\tfailed attention {q.failed_attention}")
