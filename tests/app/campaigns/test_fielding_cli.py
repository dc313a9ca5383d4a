"""The fielding commands: the fixed interface of issue 8 and the rest, through the CLI runner."""

from __future__ import annotations

import csv
import os
import stat
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Campaign, Invite, utcnow
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)


def run(runner, *args):
    result = runner.invoke(args=[str(a) for a in args])
    return result


def campaign(app) -> Campaign:
    with app.app_context():
        found = db.session.scalar(select(Campaign))
        db.session.expunge(found)
        return found


def test_the_fixed_interface_fields_a_prolific_study(app, runner):
    result = run(runner, "campaign", "create", "study", "--survey", EXAMPLE, "--access",
                 "prolific", "--completion-code", "completed=C0DE1",
                 "--completion-code", "screened_out=SCR2")
    assert result.exit_code == 0, result.output
    assert run(runner, "campaign", "open", "study").exit_code == 0
    found = campaign(app)
    assert found.status == "open" and found.access == "prolific"
    assert found.completion == {"completed": {"code": "C0DE1"}, "screened_out": {"code": "SCR2"}}
    html = Bot(app.test_client(), "study", SURVEY).walk(
        query="PROLIFIC_PID=abc123&STUDY_ID=s&SESSION_ID=x"
    )
    assert 'href="https://app.prolific.com/submissions/complete?cc=C0DE1"' in html


def test_invites_create_writes_a_private_csv_of_working_links(app, runner, tmp_path):
    assert run(runner, "campaign", "create", "inv", "--survey", EXAMPLE,
               "--access", "invite").exit_code == 0
    assert run(runner, "campaign", "open", "inv").exit_code == 0
    out = tmp_path / "codes.csv"
    result = run(runner, "invites", "create", "inv", "--n", 3, "--out", out,
                 "--base-url", "https://survey.example.org")
    assert result.exit_code == 0, result.output
    with out.open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3 and all(r["link"].startswith("https://survey.example.org/c/inv/?invite=")
                                  for r in rows)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    with app.app_context():
        hashes = set(db.session.scalars(select(Invite.code_hash)))
    assert len(hashes) == 3 and not any(r["code"] in h for r in rows for h in hashes)
    # The link works exactly once.
    query = rows[0]["link"].split("?", 1)[1]
    assert "Thank you" in Bot(app.test_client(), "inv", SURVEY).walk(query=query)
    assert app.test_client().get(f"/c/inv/?{query}").status_code == 409
    # Listing shows states, never codes; revoking stops the rest.
    listing = run(runner, "invites", "list", "inv").output
    assert listing.splitlines()[0] == "unused 2, used 1, revoked 0"
    assert not any(r["code"] in listing for r in rows)
    assert run(runner, "invites", "revoke", "inv", "--code", rows[1]["code"]).output == (
        "revoked 1 code(s)\n")
    assert run(runner, "invites", "revoke", "inv", "--all").output == "revoked 1 code(s)\n"
    assert run(runner, "invites", "list", "inv").output.splitlines()[0] == (
        "unused 0, used 1, revoked 2")
    second = rows[2]["link"].split("?", 1)[1]
    assert app.test_client().get(f"/c/inv/?{second}").status_code == 403
    # Refuses to overwrite a file of codes.
    assert run(runner, "invites", "create", "inv", "--n", 1, "--out", out).exit_code != 0


def test_campaign_edit_changes_a_draft_and_refuses_an_open_one(app, runner):
    assert run(runner, "campaign", "create", "e1", "--survey", EXAMPLE).exit_code == 0
    result = run(runner, "campaign", "edit", "e1", "--access", "panel", "--panel-param", "rid",
                 "--panel-redirect", "https://panel.example/end?c={code}&r={id}",
                 "--completion-code", "completed=OK1", "--deny", "age_band=no_say",
                 "--quota", "young:40:age_band=under_30", "--quota",
                 "young-trees:10:age_band=under_30,arm=trees", "--strata", "age_band",
                 "--end-on-failed-attention", "--target-n", 200,
                 "--closes-at", "2030-01-01T00:00+00:00")
    assert result.exit_code == 0, result.output
    found = campaign(app)
    assert found.panel == {"id_param": "rid",
                           "redirect": "https://panel.example/end?c={code}&r={id}"}
    assert found.screening == [{"item": "age_band", "deny": ["no_say"]}]
    assert found.quotas[1] == {"name": "young-trees", "cap": 10,
                               "conditions": {"age_band": "under_30", "arm": "trees"}}
    assert found.strata == ["age_band"] and found.end_on_failed_attention
    assert found.target_n == 200 and found.closes_at.year == 2030
    # Codes are added to, not replaced.
    run(runner, "campaign", "edit", "e1", "--completion-code", "over_quota=FULL")
    assert campaign(app).completion == {"completed": {"code": "OK1"},
                                        "over_quota": {"code": "FULL"}}
    bad = run(runner, "campaign", "edit", "e1", "--quota", "x:5:arm=mars", "--strata", "nope")
    assert bad.exit_code != 0
    assert "no arm 'mars'" in bad.output and "no item 'nope'" in bad.output
    assert run(runner, "campaign", "open", "e1").exit_code == 0
    pinned = run(runner, "campaign", "edit", "e1", "--seed", "other")  # target n may change now
    assert pinned.exit_code != 0 and "seed of this open campaign cannot change" in pinned.output
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.action).where(
            AuditEvent.action == "campaign.design")) == "campaign.design"


def test_a_prolific_campaign_without_a_completion_code_does_not_open(app, runner):
    run(runner, "campaign", "create", "p1", "--survey", EXAMPLE, "--access", "prolific")
    result = run(runner, "campaign", "open", "p1")
    assert result.exit_code != 0 and "needs a completion code" in result.output


def test_tick_closes_campaigns_past_their_closing_time(app, runner, make_campaign):
    make_campaign("late")
    with app.app_context():
        found = db.session.scalar(select(Campaign))
        found.closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    # Participants are turned away on time, before any tick.
    html = app.test_client().get("/c/late/").get_data(as_text=True)
    assert "not taking new participants" in html and 'name="agree"' not in html
    assert run(runner, "campaign", "tick").output == "campaign 'late' closed on schedule\n"
    assert campaign(app).status == "closed"


def test_the_help_lists_the_fielding_commands(runner):
    top = run(runner, "--help").output
    assert "  invites " in top
    campaign_help = run(runner, "campaign", "--help").output
    for command in ("create", "edit", "open", "tick"):
        assert f"  {command}" in campaign_help
    assert "--completion-code OUTCOME=CODE" in run(runner, "campaign", "create", "--help").output
    invites_help = run(runner, "invites", "--help").output
    assert all(f"  {c} " in invites_help for c in ("create", "list", "revoke"))


def test_export_gives_the_panel_id_only_as_its_keyed_hash_and_only_when_asked(
    app, runner, make_campaign, tmp_path
):
    make_campaign(design={"access": "prolific", "completion": {"completed": {"code": "C1"}}})
    Bot(app.test_client(), "town", SURVEY).walk(query="PROLIFIC_PID=pid-4711")
    plain, asked = tmp_path / "plain", tmp_path / "asked"
    assert run(runner, "export", "town", plain).exit_code == 0
    result = run(runner, "export", "town", asked, "--include-external-id")
    assert result.exit_code == 0, result.output
    with (plain / "participants.csv").open() as f:
        row = next(csv.DictReader(f))
    assert "external_id_hash" not in row and row["outcome"] == "completed"
    with (asked / "participants.csv").open() as f:
        row = next(csv.DictReader(f))
    with app.app_context():
        from app.models import Participant

        stored = db.session.scalar(select(Participant.external_id_hash))
    assert row["external_id_hash"] == stored and len(stored) == 64
    for folder in (plain, asked):
        assert "pid-4711" not in "".join(p.read_text() for p in folder.iterdir())


def test_the_readme_fielding_example_is_a_valid_design(app, runner):
    """The commands of README's 'Fielding a study' section run as printed."""
    import re
    import shlex
    from pathlib import Path

    readme = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Fielding a study", 1)[1].split("\n## ", 1)[0]
    text = section.replace("\\\n", " ")
    commands = [line.strip() for line in text.splitlines()
                if line.strip().startswith("parley campaign ") and "peace" in line]
    assert [c.split()[2] for c in commands] == ["create", "edit", "open"]
    for command in commands:
        args = shlex.split(re.sub(r"#.*", "", command))[1:]
        args = [a.replace("surveys/peace_in_europe", str(Path(__file__).parents[3]
                                                         / "surveys/peace_in_europe"))
                for a in args]
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (command, result.output)
