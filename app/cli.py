"""The ``parley`` command: the one entry point for operators.

``parley`` is a Flask CLI group around :func:`app.create_app`, so it also has
Flask's own commands (``parley db upgrade`` from Flask-Migrate, ``parley shell``).
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select
from werkzeug.serving import run_simple

from analysis.contract import EXPORT_FORMATS
from app.accounts.cli import members_group, user_group
from app.audit.cli import audit_command
from app.campaigns.cli import design_changes, design_options, fail, register_fielding_commands
from app.campaigns.library_cli import register_library_commands
from app.campaigns.operations import CampaignError, create_campaign, set_status
from app.cli_support import acting_user, campaign_or_fail
from app.exchange.cli import exchange_group
from app.export.one_shot import prepare_for_export
from app.export.writer import write_export
from app.extensions import db
from app.jobs.cli import jobs_group
from app.models import Campaign, Participant
from app.monitor.cli import monitor_command
from app.retention.cli import participant_group, purge_command, retention_command
from app.serve import command_path, serve
from app.setup import prepare_flagship
from surveys import FLAGSHIP, SurveyError, load_survey

__all__ = ["register_commands", "run_command"]




# --- survey ------------------------------------------------------------------


@click.group("survey")
def survey_group():
    """Check survey definitions."""


@survey_group.command("check")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
def survey_check(path: Path):
    """Validate the survey folder PATH and list every problem found."""
    try:
        survey = load_survey(path)
    except SurveyError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s) in {path}") from None
    click.echo(
        f"{survey.id}: OK ({len(survey.items)} items, {len(survey.pages)} pages, "
        f"{len(survey.modules)} modules, {len(survey.arms)} arms, "
        f"languages {', '.join(survey.languages)}; version {survey.version[:12]})"
    )


# --- campaign ----------------------------------------------------------------


@click.group("campaign")
def campaign_group():
    """Create, open, pause, close and list campaigns."""


@campaign_group.command("create")
@click.argument("slug")
@click.option("--survey", "survey_path", required=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Survey folder.")
@click.option("--title", help="Defaults to the survey's title.")
@click.option("--languages", help="Comma-separated subset of the survey's languages.")
@click.option("--block-size", type=int, help="Allocation block length (default: 2 x arms).")
@click.option("--rebalance-dropouts", is_flag=True,
              help="Give a dropout's arm to the next participant (see docs/randomisation.md).")
@click.option("--results-min", type=int, default=30, show_default=True,
              help="Completed participants before the thanks page shows results.")
@click.option("--primary", help="Pre-registered primary items, comma-separated.")
@design_options
@with_appcontext
def campaign_create(slug, survey_path, title, languages, block_size, rebalance_dropouts,
                    results_min, primary, **design):
    """Create a draft campaign SLUG pinned to the survey's current version.

    The design options (access, codes, screening, quotas, strata, schedule)
    can also be set later with 'parley campaign edit' while it is a draft.
    """
    prereg = {"primary_items": primary.split(","), "family": "primary"} if primary else None
    try:
        campaign = create_campaign(
            db.session, slug=slug, survey_folder=survey_path, actor=acting_user(), title=title,
            languages=languages.split(",") if languages else None, block_size=block_size,
            rebalance_dropouts=rebalance_dropouts, results_min_completed=results_min,
            preregistration=prereg, design=design_changes(design),
        )
    except (CampaignError, SurveyError) as exc:
        raise fail(exc) from None
    db.session.commit()
    click.echo(f"created campaign '{campaign.slug}' (draft); open it: "
               f"{command_path()} campaign open {slug}")


def _status_command(name: str, status: str):
    @campaign_group.command(name)
    @click.argument("slug")
    @with_appcontext
    def command(slug):
        campaign = campaign_or_fail(slug)
        try:
            set_status(db.session, campaign, status, acting_user())
        except CampaignError as exc:
            raise click.ClickException(str(exc)) from None
        db.session.commit()
        click.echo(f"campaign '{slug}' is now {status}")

    command.help = f"Make campaign SLUG {status}."
    return command


for _name, _status in (("open", "open"), ("pause", "paused"), ("close", "closed"),
                       ("archive", "archived")):
    _status_command(_name, _status)


@campaign_group.command("list")
@with_appcontext
def campaign_list():
    """List campaigns with their status and participant counts."""
    counts = dict(
        db.session.execute(
            select(Participant.campaign_id, func.count()).group_by(Participant.campaign_id)
        ).all()
    )
    done = dict(
        db.session.execute(
            select(Participant.campaign_id, func.count())
            .where(Participant.status == "completed")
            .group_by(Participant.campaign_id)
        ).all()
    )
    for c in db.session.scalars(select(Campaign).order_by(Campaign.id)):
        click.echo(f"{c.slug}\t{c.status}\t{c.survey_id}@{c.survey_version[:12]}\t"
                   f"started {counts.get(c.id, 0)}\tcompleted {done.get(c.id, 0)}")


# --- export ------------------------------------------------------------------


@click.command("export")
@click.argument("slug")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "fmt", default="csv", show_default=True,
              type=click.Choice(list(EXPORT_FORMATS)))
@click.option("--include-external-id", is_flag=True,
              help="Add the column external_id_hash: the keyed hash of each panel id "
                   "(the id itself is never stored).")
@click.option("--include-text/--no-include-text", "--free-text/--no-free-text", "free_text",
              default=False, show_default=True,
              help="Add free-text answers (may hold names or other personal data).")
@click.option("--include-profile/--no-include-profile", "--about-you/--no-about-you",
              "about_you", default=False, show_default=True,
              help="Add about-you (profile) answers, which may be sensitive.")
@click.option("--include-test", is_flag=True,
              help="Add test participants (previews), with a column is_test.")
@click.option("--include-authors", is_flag=True,
              help="Add the author's participant id to the exchange's statements.csv.")
@with_appcontext
def export_command(slug, out, fmt, include_external_id, free_text, about_you, include_test,
                   include_authors):
    """Export campaign SLUG into the folder OUT (see docs/export-format.md).

    Safe by default, as in the browser: test participants, free-text answers
    and about-you answers are left out unless asked for (--include-test,
    --include-text, --include-profile; the manifest's left_out names what is
    missing). The older --free-text / --about-you still work as aliases.
    """
    campaign = campaign_or_fail(slug)
    prepare_for_export(fmt)  # this process ends with the export (app/export/one_shot.py)
    try:
        result = write_export(db.session, campaign, out, fmt=fmt,
                              include_external_id=include_external_id, include_text=free_text,
                              include_profile=about_you, include_test=include_test,
                              include_authors=include_authors)
    except FileExistsError as exc:
        # The export command `parley run` prints is pasted again on a later day:
        # say what to do instead of a traceback (an export never overwrites one).
        raise click.ClickException(f"{exc}; choose a new folder or remove the old export") from None
    click.echo(f"exported {result.participants} participants and {result.answers} answers "
               f"to {Path(result.path).absolute()}")


# --- analysis ----------------------------------------------------------------


@click.command("analyse")
@click.argument("export", type=click.Path(exists=True, path_type=Path))
@click.option("--out", default="report.html", show_default=True, type=click.Path(path_type=Path))
@click.option("--margins", type=click.Path(exists=True, path_type=Path),
              help="CSV of population margins (variable,level,share) for raking weights.")
@click.option("--exclude", multiple=True, default=("speeder", "failed_attention"),
              show_default=True, help="Exclusion rule; repeat for several, 'none' for none.")
@click.option("--subgroup", help="Participant column or profile item for subgroup shifts.")
@click.option("--n-boot", default=2000, show_default=True, type=int)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--plan", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Analysis plan TOML (default: the plan frozen in the export).")
@click.option("--primary", help="Primary items, comma-separated: a minimal analysis plan.")
@click.option("--min-cell", default=10, show_default=True, type=int,
              help="Fewer participants than this in a cell: 'too few participants'.")
def analyse_command(export, out, margins, exclude, subgroup, n_boot, seed, plan, primary,
                    min_cell):
    """Turn the export EXPORT (folder or zip) into a self-contained HTML report."""
    # Imported here, not at the top: pandas, statsmodels and matplotlib take
    # seconds to import, and every web process would pay for it at start-up.
    from analysis.cli import analyse
    from analysis.load import ExportError
    from analysis.plan import PlanError

    exclusions = () if tuple(exclude) == ("none",) else tuple(exclude)
    try:
        path = analyse(export, out, margins=margins, exclusions=exclusions,
                       subgroup=subgroup, n_boot=n_boot, seed=seed, plan=plan,
                       primary=primary.split(",") if primary else None,
                       min_cell=min_cell)
    except (ExportError, PlanError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"report written to {Path(path).absolute()}")


@click.command("power")
@click.argument("plan", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--n-sims", default=2000, show_default=True, type=int)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--arms", help="Comma-separated treated arms (default: the arms other than control "
              "of the survey beside PLAN); a hypothesis with arm = \"*\" is one test per arm.")
def power_command(plan, n_sims, seed, arms):
    """How many participants per arm the analysis plan PLAN needs (closed form, simulated check)."""
    from analysis.cli import power  # heavy: see analyse_command
    from analysis.plan import PlanError

    survey = _survey_beside(plan)
    treated = (arms.split(",") if arms else
               [a.id for a in survey.arms if not a.control] if survey else None)
    crossed = sum(a.exchange == "exchange" for a in survey.arms) if survey else 0
    try:
        click.echo(power(plan, n_sims=n_sims, seed=seed, arms=treated,
                         exchange_arms=crossed or None))
    except (PlanError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None


def _survey_beside(plan: Path):
    """The survey in PLAN's folder (its arms: treated, crossed with the exchange), or None."""
    if not (plan.parent / "survey.toml").is_file():
        return None
    try:
        return load_survey(plan.parent)
    except SurveyError as exc:
        raise click.ClickException(f"the survey beside {plan} does not load: {exc}") from None


@click.command("demo-data")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--n-per-arm", default=200, show_default=True, type=int)
@click.option("--seed", default=0, show_default=True, type=int)
def demo_data_command(out, n_per_arm, seed):
    """Write a synthetic export with known true effects to OUT (for demos and tests)."""
    from analysis.cli import demo_data  # heavy: see analyse_command

    path = demo_data(out, n_per_arm=n_per_arm, seed=seed)
    click.echo(f"synthetic export written to {path}")


# --- run ---------------------------------------------------------------------


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int,
              help="Worker processes (above 1 needs a shared limiter store: see README).")
@click.option("--threads", default=8, show_default=True, type=int,
              help="Threads per worker.")
@click.option("--dev", is_flag=True,
              help="Werkzeug's development server instead of gunicorn (one process).")
@click.option("--setup/--no-setup", default=True, show_default=True,
              help="Create or upgrade the database and open the flagship campaign first.")
@with_appcontext
def run_command(host, port, workers, threads, dev, setup):
    """Start Parley (with the flagship campaign open) and print how to use it."""
    from app.web.security import ConfigurationError, check_rate_limit_storage

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if not dev:
        # The same rule as PARLEY_WORKERS: per-process limit counts need one process.
        app.config["PARLEY_WORKERS"] = max(workers, int(app.config.get("PARLEY_WORKERS") or 1))
        try:
            check_rate_limit_storage(app)
        except ConfigurationError as exc:
            raise click.ClickException(str(exc)) from None
    base = f"http://{host}:{port}"
    parley = command_path()
    if setup:
        report = prepare_flagship(FLAGSHIP)
        click.echo("")
        click.echo(f"  Participant link:  {base}/c/{report.slug}/")
        click.echo(f"  Admin sign-in:     {base}/admin/  as {report.admin_email}")
        if report.admin_password:
            click.echo(f"  Admin password:    {report.admin_password}   (shown once; reset "
                       f"with: {parley} user reset-password {report.admin_email})")
        else:
            click.echo(f"  Admin password:    set on first run; reset with: "
                       f"{parley} user reset-password {report.admin_email}")
        exports = (Path("exports") / report.slug).absolute()
        click.echo(f"  Export:            {parley} export {report.slug} {exports}")
        click.echo("")
    if dev:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    else:
        serve(app, host, port, workers=workers, threads=threads)


def register_commands(app: Flask) -> None:
    campaign_group.add_command(members_group)
    register_fielding_commands(app, campaign_group)
    app.cli.add_command(jobs_group)
    app.cli.add_command(exchange_group)
    app.cli.add_command(monitor_command)
    app.cli.add_command(audit_command)
    campaign_group.add_command(retention_command)
    app.cli.add_command(purge_command)
    app.cli.add_command(participant_group)
    for command in (survey_group, campaign_group, export_command, user_group,
                    analyse_command, power_command, demo_data_command):
        app.cli.add_command(command)
    register_library_commands(campaign_group, survey_group)


