"""Retention: purge keeps nothing it should not and a dry run changes nothing; an owner
deletes one participant's data found by resume code or panel id."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import func, select

from app.extensions import db
from app.models import Answer, AuditEvent, Campaign, Job, PageVisit, Participant, utcnow
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def snapshot(app) -> dict:
    """Everything a purge may touch, per campaign."""
    with app.app_context():
        out = {}
        for c in db.session.scalars(select(Campaign)):
            ids = select(Participant.id).where(Participant.campaign_id == c.id)
            out[c.slug] = {
                "answers": db.session.scalar(select(func.count()).where(
                    Answer.participant_id.in_(ids))),
                "pages": db.session.scalar(select(func.count()).where(
                    PageVisit.participant_id.in_(ids))),
                "participants": db.session.scalar(select(func.count()).where(
                    Participant.campaign_id == c.id)),
                "hashes": db.session.scalar(select(func.count()).where(
                    Participant.campaign_id == c.id,
                    sa.or_(Participant.resume_token_hash.is_not(None),
                           Participant.external_id_hash.is_not(None)))),
                "purged": c.purged_at is not None,
            }
        out["audit"] = db.session.scalar(select(func.count()).select_from(AuditEvent))
        return out


def build(app, make_campaign, tmp_path):
    slugs = {"old": make_campaign("old"), "recent": make_campaign("recent"),
             "kept": make_campaign("kept")}
    for slug in slugs.values():
        for _ in range(2):
            Bot(app.test_client(), slug, SURVEY).walk()
    with app.app_context():
        from app.campaigns.panel import hash_external_id

        campaigns = {c.slug: c for c in db.session.scalars(select(Campaign))}
        for slug, days, closed_days_ago in (("old", 30, 31), ("recent", 30, 5), ("kept", None, 400)):
            c = campaigns[slug]
            c.status, c.retention_days = "closed", days
            c.closed_at = utcnow() - timedelta(days=closed_days_ago)
            first = db.session.scalar(select(Participant).where(Participant.campaign_id == c.id))
            first.external_id_hash = hash_external_id(c, f"PANEL-{slug}")
        job = Job(campaign_id=campaigns["old"].id, kind="export", fmt="zip", options={},
                  status="done", progress=100, file_name="old.zip", requested_by="t")
        db.session.add(job)
        db.session.commit()
        folder = tmp_path / "instance" / "jobs" / str(job.id)
        folder.mkdir(parents=True)
        (folder / "old.zip").write_bytes(b"PK answers")
    app.instance_path = str(tmp_path / "instance")
    return folder / "old.zip"


def test_a_dry_run_lists_what_would_go_and_changes_nothing(app, runner, make_campaign, tmp_path):
    file = build(app, make_campaign, tmp_path)
    before = snapshot(app)
    result = runner.invoke(args=["purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("old: would delete ")
    assert "recent" not in result.output and "kept" not in result.output
    assert snapshot(app) == before and file.exists()


def test_purge_keeps_nothing_it_should_not(app, runner, make_campaign, tmp_path):
    file = build(app, make_campaign, tmp_path)
    before = snapshot(app)
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    # Two participants: 2 free-text and 4 about-you answers (two profile items each), the
    # page times, one external-id hash, two resume codes and the one export file.
    assert re.fullmatch(r"old: deleted \d+ answers \(2 free text, 4 about-you\), \d+ page times, "
                        r"1 external-id hashes, 2 resume/follow-up code hashes, "
                        r"1 export/report files\n", result.output), result.output
    after = snapshot(app)
    assert after["old"] == {"answers": 0, "pages": 0, "participants": 2, "hashes": 0,
                            "purged": True}
    assert after["recent"] == before["recent"] and after["kept"] == before["kept"]
    assert not file.exists()
    with app.app_context():
        row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retention.purge"))
        assert row.campaign_slug == "old" and "answers" in row.detail
        assert db.session.scalar(select(Job.file_name)) is None
    # Nothing left to do the second time.
    assert runner.invoke(args=["purge"]).output == "no campaign is past its retention period\n"


def test_an_owner_deletes_a_participants_data_found_by_resume_code(app, client, make_campaign, make_user, login):
    slug = make_campaign()
    keep = Bot(app.test_client(), slug, SURVEY)
    keep.walk()
    gone = Bot(app.test_client(), slug, SURVEY)
    gone.walk()
    code = re.search(r"Your resume code is ([A-Z0-9-]+)\.", gone.html).group(1)
    make_user()
    login(client)
    page = client.get(f"/admin/campaign/{slug}/retention").get_data(as_text=True)
    token = CSRF.search(page).group(1)
    found = client.post(f"/admin/campaign/{slug}/participant",
                        data={"csrf_token": token, "by": "resume code", "value": code})
    html = found.get_data(as_text=True)
    assert found.status_code == 200 and "Delete this participant" in html
    token = CSRF.search(html).group(1)
    done = client.post(f"/admin/campaign/{slug}/participant/delete",
                       data={"csrf_token": token, "by": "resume code", "value": code})
    assert done.status_code == 303
    with app.app_context():
        rows = db.session.execute(select(Participant.id, Participant.status)
                                  .order_by(Participant.id)).all()
        counts = [db.session.scalar(select(func.count()).where(Answer.participant_id == pid))
                  for pid, _ in rows]
        audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action ==
                                                           "participant.delete"))
    assert counts[0] > 0 and counts[1] == 0
    assert [s for _, s in rows] == ["completed", "withdrawn"]
    assert audit.actor == "admin@example.org" and "resume code" in audit.detail
    assert code not in audit.detail  # the code itself is never recorded


def test_the_cli_deletes_a_participant_found_by_panel_id(app, runner, make_campaign):
    slug = make_campaign()
    Bot(app.test_client(), slug, SURVEY).walk()
    with app.app_context():
        from app.campaigns.panel import hash_external_id

        c = db.session.scalar(select(Campaign))
        p = db.session.scalar(select(Participant))
        p.external_id_hash = hash_external_id(c, "PANEL-7")
        db.session.commit()
    result = runner.invoke(args=["participant", "delete", slug, "--external-id", "PANEL-7"])
    assert result.exit_code == 0, result.output
    assert "1 external-id hashes" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 0
        assert db.session.scalar(select(Participant.external_id_hash)) is None
    again = runner.invoke(args=["participant", "delete", slug, "--external-id", "PANEL-7"])
    assert again.exit_code == 1 and "no participant" in again.output


def test_retention_is_set_from_the_cli_and_audited(app, runner, make_campaign):
    slug = make_campaign()
    assert runner.invoke(args=["campaign", "retention", slug, "90"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(Campaign.retention_days)) == 90
        assert db.session.scalar(select(AuditEvent.detail).where(
            AuditEvent.action == "campaign.retention")) == "no period -> 90 days"
    assert runner.invoke(args=["campaign", "retention", slug, "--", "-3"]).exit_code == 1


def test_the_monitor_and_the_audit_trail_have_commands(app, runner, make_campaign, tmp_path):
    slug = make_campaign()
    Bot(app.test_client(), slug, SURVEY).walk()
    monitor = runner.invoke(args=["monitor", slug])
    assert monitor.exit_code == 0, monitor.output
    assert monitor.output.startswith("funnel\tarrived 1\tconsented 1\tstarted 1\tin progress 0\t"
                                     "completed 1\t")
    assert "\nquality\t" in monitor.output and "\narm\t" in monitor.output
    listing = runner.invoke(args=["audit", "--action", "campaign."])
    assert listing.exit_code == 0 and "\tcampaign.open\ttown\t" in listing.output
    out = tmp_path / "audit.csv"
    assert runner.invoke(args=["audit", "--campaign", slug, "--csv", str(out)]).exit_code == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "id,at,actor,action,campaign,remote_addr,detail" and len(lines) == 3
