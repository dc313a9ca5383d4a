"""``parley`` commands for fielding a study: design, invites, schedule, follow-up.

Registered from app/cli.py with :func:`register_fielding_commands`. Every
command calls the same operations as the admin pages; the design options
below are shared by ``parley campaign create`` and ``parley campaign edit``.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.campaigns.design import ACCESS_MODES, COMPLETION_KEYS, CampaignError, DesignError
from app.campaigns.followup import write_links_csv
from app.campaigns.invites import (
    create_invites,
    find_invite,
    invite_link,
    list_invites,
    revoke_invites,
)
from app.campaigns.operations import apply_schedules, set_followup_status, update_design
from app.campaigns.panel_match import MatchFileError, decode_submissions, write_match
from app.cli_support import acting_user, campaign_or_fail
from app.extensions import db
from app.models import Campaign

__all__ = ["design_options", "design_changes", "register_fielding_commands", "fail"]

DEFAULT_BASE_URL = "http://127.0.0.1:5000"




def fail(exc: Exception):
    """A ClickException listing every problem of a refused design."""
    if isinstance(exc, DesignError):
        return click.ClickException("the design was refused:\n  " + "\n  ".join(exc.problems))
    return click.ClickException(str(exc))


def _pairs(values, option: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key or not rest:
            raise click.BadParameter(f"expected KEY=VALUE, got '{value}'", param_hint=option)
        pairs.append((key.strip(), rest.strip()))
    return pairs


def _quota(value: str) -> dict:
    """NAME:CAP:KEY=VALUE[,KEY=VALUE] -> a quota of the design."""
    parts = value.split(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        raise click.BadParameter(f"expected NAME:CAP:ITEM=OPTION[,ITEM=OPTION], got '{value}'",
                                 param_hint="--quota")
    conditions = dict(_pairs(parts[2].split(","), "--quota"))
    return {"name": parts[0], "cap": int(parts[1]), "conditions": conditions}


_OPTIONS = [
    click.option("--access", type=click.Choice(ACCESS_MODES),
                 help="How participants get in: an open link, single-use invite codes, or a "
                      "panel link (prolific, mturk, or a generic panel)."),
    click.option("--completion-code", "completion_codes", multiple=True, metavar="OUTCOME=CODE",
                 help=f"Code shown at an ending; OUTCOME is one of {', '.join(COMPLETION_KEYS)}. "
                      "Repeat for several."),
    click.option("--redirect", "redirects", multiple=True, metavar="OUTCOME=URL",
                 help="Link back to the panel at an ending; may use {code} and {id}."),
    click.option("--panel-param", help="Generic panel: the link parameter holding the id."),
    click.option("--panel-redirect", metavar="URL",
                 help="Panel: link back for every ending, with {code} and {id}."),
    click.option("--allow", "allows", multiple=True, metavar="ITEM=OPTION[,OPTION]",
                 help="Screening: only these answers of an about-you question take part."),
    click.option("--deny", "denies", multiple=True, metavar="ITEM=OPTION[,OPTION]",
                 help="Screening: these answers of an about-you question are screened out."),
    click.option("--quota", "quotas", multiple=True, metavar="NAME:CAP:KEY=VALUE[,KEY=VALUE]",
                 help="A quota of CAP completes for an answer (ITEM=OPTION), an arm "
                      "(arm=ARM) or a cell of two; 'none' removes all quotas."),
    click.option("--strata", metavar="ITEM[,ITEM]",
                 help="About-you questions to stratify the randomisation by; 'none' for none."),
    click.option("--end-on-failed-attention/--continue-on-failed-attention", default=None,
                 help="End the survey on a wrong attention-check answer."),
    click.option("--show-results/--no-show-results", default=None,
                 help="Show running results on the thanks page (off unless asked: they can "
                      "contaminate a follow-up wave or estimate items and reveal the design)."),
    click.option("--opens-at", metavar="ISO-TIME",
                 help="Take participants from this time (e.g. 2026-12-01T09:00+01:00)."),
    click.option("--closes-at", metavar="ISO-TIME", help="Stop taking participants at this time."),
    click.option("--target-n", type=int, help="Completed participants wanted; new starts stop."),
]


def design_options(command):
    """Add the design options to a click command (they arrive as keyword arguments)."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


def design_changes(opts: dict) -> dict:
    """The design keys set by the given design options (unset options change nothing)."""
    changes: dict = {}
    if opts.get("access"):
        changes["access"] = opts["access"]
    completion: dict = {}
    for outcome, code in _pairs(opts.get("completion_codes") or (), "--completion-code"):
        completion.setdefault(outcome, {})["code"] = code
    for outcome, url in _pairs(opts.get("redirects") or (), "--redirect"):
        completion.setdefault(outcome, {})["redirect"] = url
    if completion:
        changes["completion"] = completion
    panel = {}
    if opts.get("panel_param"):
        panel["id_param"] = opts["panel_param"]
    if opts.get("panel_redirect"):
        panel["redirect"] = opts["panel_redirect"]
    if panel:
        changes["panel"] = panel
    rules = [{"item": k, "allow": v.split(",")}
             for k, v in _pairs(opts.get("allows") or (), "--allow")]
    rules += [{"item": k, "deny": v.split(",")}
              for k, v in _pairs(opts.get("denies") or (), "--deny")]
    if rules:
        changes["screening"] = rules
    quotas = opts.get("quotas") or ()
    if quotas:
        changes["quotas"] = [] if tuple(quotas) == ("none",) else [_quota(q) for q in quotas]
    if opts.get("strata"):
        changes["strata"] = [] if opts["strata"] == "none" else opts["strata"].split(",")
    for flag in ("end_on_failed_attention", "show_results"):
        if opts.get(flag) is not None:
            changes[flag] = opts[flag]
    for field in ("opens_at", "closes_at", "target_n"):
        if opts.get(field) is not None:
            changes[field] = opts[field]
    return changes


def _merge_completion(campaign: Campaign, changes: dict) -> dict:
    """Edit adds to the campaign's codes and redirects instead of replacing them all."""
    if "completion" in changes:
        merged = {k: dict(v) for k, v in (campaign.completion or {}).items()}
        for outcome, spec in changes["completion"].items():
            merged.setdefault(outcome, {}).update(spec)
        changes["completion"] = merged
    if "panel" in changes and campaign.panel:
        changes["panel"] = {**campaign.panel, **changes["panel"]}
    return changes


def _base_url(value: str | None) -> str:
    return value or current_app.config.get("PARLEY_BASE_URL") or DEFAULT_BASE_URL


def _private_csv(path: Path):
    """A new file readable by its owner only: it holds personal links."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return os.fdopen(fd, "w", newline="", encoding="utf-8")


# --- campaign edit / tick ------------------------------------------------------------


@click.command("edit")
@click.argument("slug")
@click.option("--title")
@click.option("--languages", help="Comma-separated subset of the survey's languages.")
@click.option("--block-size", type=int, help="Allocation block length.")
@click.option("--seed", help="Allocation seed (exported in manifest.json).")
@click.option("--rebalance-dropouts/--no-rebalance-dropouts", default=None,
              help="Completers-balance rule (see docs/randomisation.md).")
@click.option("--abandon-after", type=int, metavar="MINUTES",
              help="Inactivity after which a participant counts as dropped out.")
@click.option("--results-min", type=int, help="Completed participants before results show.")
@design_options
@with_appcontext
def campaign_edit(slug, title, languages, block_size, seed, rebalance_dropouts, abandon_after,
                  results_min, **opts):
    """Change the design of campaign SLUG; once opened, only its operational settings.

    A draft may change anything. An open, paused or closed campaign may change
    its title, completion codes and redirects, schedule, target n, quota caps
    and results settings, each change audited with its old and new value;
    the rest was pinned when it opened. Only the options given change.
    --completion-code and --redirect add to the codes already set;
    --allow/--deny, --quota and --strata replace the lists.
    """
    campaign = campaign_or_fail(slug)
    changes = design_changes(opts)
    plain = {"title": title, "block_size": block_size, "seed": seed,
             "rebalance_dropouts": rebalance_dropouts, "abandon_after_minutes": abandon_after,
             "results_min_completed": results_min,
             "languages": languages.split(",") if languages else None}
    changes.update({k: v for k, v in plain.items() if v is not None})
    if not changes:
        raise click.UsageError("nothing to change: give at least one option (see --help)")
    try:
        update_design(db.session, campaign, _merge_completion(campaign, changes), acting_user())
    except CampaignError as exc:
        raise fail(exc) from None
    db.session.commit()
    click.echo(f"campaign '{slug}': changed {', '.join(sorted(changes))}")


@click.command("tick")
@with_appcontext
def campaign_tick():
    """Record schedule transitions: close open campaigns whose closes_at has passed.

    Participants are turned away on time without it (the schedule is read on
    every request); run it from cron to have the closing in the audit log.
    """
    closed = apply_schedules(db.session, acting_user())
    db.session.commit()
    for slug in closed:
        click.echo(f"campaign '{slug}' closed on schedule")


# --- invites -------------------------------------------------------------------------


@click.group("invites")
def invites_group():
    """Single-use invitation codes of an invite campaign."""


@invites_group.command("create")
@click.argument("slug")
@click.option("--n", "n", type=int, required=True, help="How many codes to make.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="CSV file to write (columns: code, link); the codes exist only there.")
@click.option("--base-url", help=f"Site address for the links (default: PARLEY_BASE_URL "
                                 f"or {DEFAULT_BASE_URL}).")
@with_appcontext
def invites_create(slug, n, out, base_url):
    """Make N single-use codes for campaign SLUG and write their personal links to --out."""
    campaign = campaign_or_fail(slug)
    if out.exists():
        raise click.ClickException(f"{out} exists; choose a new file (codes are shown once)")
    try:
        codes = create_invites(db.session, campaign, n, acting_user())
    except CampaignError as exc:
        raise fail(exc) from None
    base = _base_url(base_url)
    with _private_csv(out) as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["code", "link"])
        writer.writerows([code, invite_link(base, campaign, code)] for code in codes)
    db.session.commit()
    click.echo(f"{n} invite codes for '{slug}' written to {out}")


@invites_group.command("list")
@click.argument("slug")
@with_appcontext
def invites_list(slug):
    """Count and list the codes of SLUG (unused, used, revoked; never the codes themselves)."""
    rows = list_invites(db.session, campaign_or_fail(slug))
    states = {s: sum(r.state == s for r in rows) for s in ("unused", "used", "revoked")}
    click.echo(", ".join(f"{k} {v}" for k, v in states.items()))
    for r in rows:
        when = r.used_at or r.revoked_at
        click.echo(f"{r.id}\t{r.state}\t{r.created_at:%Y-%m-%d %H:%M}"
                   + (f"\t{when:%Y-%m-%d %H:%M}" if when else ""))


@invites_group.command("revoke")
@click.argument("slug")
@click.option("--code", "codes", multiple=True, help="A code to revoke; repeat for several.")
@click.option("--all", "everything", is_flag=True, help="Revoke every unused code.")
@with_appcontext
def invites_revoke(slug, codes, everything):
    """Revoke codes of SLUG so they can no longer start anyone (used codes stay used)."""
    if bool(codes) == everything:
        raise click.UsageError("give --code CODE (repeatable) or --all")
    chosen = None if everything else list(codes)
    count = revoke_invites(db.session, campaign_or_fail(slug), acting_user(), chosen)
    db.session.commit()
    click.echo(f"revoked {count} code(s)")


# --- follow-up wave ------------------------------------------------------------------


@click.group("followup")
def followup_group():
    """The follow-up wave: completers answer the "after" questions again."""


def _followup_status_command(name: str):
    @followup_group.command(name)
    @click.argument("slug")
    @with_appcontext
    def command(slug):
        try:
            status = name + ("" if name == "open" else "d")
            set_followup_status(db.session, campaign_or_fail(slug), status, acting_user())
        except CampaignError as exc:
            raise fail(exc) from None
        db.session.commit()
        click.echo(f"follow-up of '{slug}' is now {name}{'' if name == 'open' else 'd'}")

    command.help = f"{name.capitalize()} the follow-up wave of campaign SLUG."
    return command


_followup_status_command("open")
_followup_status_command("close")


@followup_group.command("links")
@click.argument("slug")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="CSV file to write (columns: participant_id, invite_code, followup_code, "
                   "link); the codes exist only there.")
@click.option("--invites", "invites_csv",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The CSV of 'parley invites create': its codes are matched to their "
                   "participants, so you know whom to send each follow-up link.")
@click.option("--renew", is_flag=True,
              help="New codes for every completer (earlier follow-up links stop working); "
                   "without it only completers who have none get one.")
@click.option("--base-url", help="Site address for the links (default: PARLEY_BASE_URL).")
@with_appcontext
def followup_links(slug, out, invites_csv, renew, base_url):
    """Write a personal follow-up link for each completer of SLUG to --out."""
    campaign = campaign_or_fail(slug)
    if out.exists():
        raise click.ClickException(f"{out} exists; choose a new file (codes are shown once)")
    by_participant = _invites_by_participant(campaign, invites_csv) if invites_csv else {}
    with _private_csv(out) as f:
        n = write_links_csv(db.session, campaign, f, _base_url(base_url), acting_user(),
                            renew=renew, invite_codes=by_participant)
    db.session.commit()
    click.echo(f"{n} follow-up links for '{slug}' written to {out}")
    if campaign.followup_status != "open":
        click.echo(f"the links work once the wave is open: parley followup open {slug}")


def _invites_by_participant(campaign: Campaign, path: Path) -> dict[int, str]:
    with path.open(newline="", encoding="utf-8") as f:
        codes = [row["code"] for row in csv.DictReader(f) if row.get("code")]
    found = {}
    for code in codes:
        invite = find_invite(db.session, campaign, code)
        if invite is not None and invite.participant_id is not None:
            found[invite.participant_id] = code
    return found


# --- panel match --------------------------------------------------------------------


@click.group("panel")
def panel_group():
    """Work with a panel's own files (Prolific, MTurk, ...)."""


@panel_group.command("match")
@click.argument("slug")
@click.argument("submissions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="CSV to write (readable by you only: it holds the panel's ids).")
@click.option("--id-column", help="Column of the panel's participant id (default: found).")
@with_appcontext
def panel_match(slug, submissions, out, id_column):
    """Join the panel's SUBMISSIONS.csv with each participant's outcome and code.

    Each id is hashed with the campaign's key and looked up; the file's rows
    are written to --out with parley_found, parley_status, parley_outcome,
    parley_completion_code, parley_followup and parley_bonus added. Nothing
    is stored but an audit entry with the counts (never an id).
    """
    campaign = campaign_or_fail(slug)
    joined = io.StringIO(newline="")
    try:  # read and joined whole before --out is touched: a refused file changes nothing
        source = io.StringIO(decode_submissions(submissions.read_bytes()), newline="")
        found, total = write_match(db.session, campaign, source, joined, id_column,
                                   actor=acting_user())
    except MatchFileError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    with _private_csv(out) as target:
        target.write(joined.getvalue())
    db.session.commit()  # the audit entry: how many rows, no id
    click.echo(f"{found} of {total} rows matched a participant of '{slug}'; "
               f"written to {out.absolute()}")


def register_fielding_commands(app, campaign_group: click.Group) -> None:
    """Add the fielding commands: ``campaign edit|tick``, ``invites``, ``followup``, ``panel``."""
    campaign_group.add_command(campaign_edit)
    campaign_group.add_command(campaign_tick)
    app.cli.add_command(invites_group)
    app.cli.add_command(followup_group)
    app.cli.add_command(panel_group)

