"""After a purge or a withdrawal nothing of the participant is left anywhere.

A participant takes part in a stratified invite campaign with a quota,
writes a free-text answer carrying a marker, and the campaign has a
finished export and the partial folder of an export killed with its server.
After the purge (or the participant's withdrawal) the test scans every row
of every table, the instance folder and, on SQLite, the database file and
its write-ahead log byte by byte: the marker, the stratum (made of about-you
answers) and every row that points at the participant are gone.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import select

from app.campaigns.invites import create_invites
from app.extensions import db
from app.jobs.operations import job_folder, request_export, run
from app.models import Campaign, Job, Participant, utcnow
from app.retention.erasure import flush_deleted
from app.retention.operations import purge
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)
MARKER = "Zyxqv-purge-marker-4711"
STRATUM = "age_band=under_30"
DESIGN = {"access": "invite", "strata": ["age_band"],
          "quotas": [{"name": "young", "cap": 50, "conditions": {"age_band": "under_30"}}]}


def _take_part(app, make_campaign) -> tuple[int, Bot]:
    make_campaign("town", block_size=4, design=DESIGN)
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        code = create_invites(db.session, campaign, 1, "test")[0]
        db.session.commit()
    bot = Bot(app.test_client(), "town", SURVEY, overrides={
        "about": {"q_age_band": "under_30"}, "after": {"q_reflection": MARKER}})
    assert "Thank you" in bot.walk(query=f"invite={code}")
    with app.app_context():
        person = db.session.scalar(select(Participant))
        assert person.stratum == STRATUM  # what the scan must not find afterwards
        return person.id, bot


def _exports(app) -> None:
    """A finished export with free text, and the partial folder of a killed one."""
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        done = request_export(db.session, campaign, "zip", {"include_text": True,
                                                             "include_profile": True}, actor="test")
        killed = request_export(db.session, campaign, "zip", {"include_text": True}, actor="test")
        db.session.commit()
        run(db.session, done.id)
        assert db.session.get(Job, done.id).status == "done"
        killed = db.session.get(Job, killed.id)
        killed.status = "running"
        partial = job_folder(killed) / "town-zip"
        partial.mkdir(parents=True)
        (partial / "answers.csv").write_text(f"p,reflection\nx,{MARKER}\n"[:40])
        db.session.commit()


def _rows_pointing_at(participant_id: int) -> dict[str, int]:
    """Rows of every table with a foreign key to participant.id naming this participant."""
    found = {}
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "participant" for fk in column.foreign_keys):
                n = db.session.scalar(select(sa.func.count()).select_from(table)
                                      .where(column == participant_id))
                if n:
                    found[f"{table.name}.{column.name}"] = n
    return found


def _text_of_every_row() -> str:
    parts = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            parts.append(repr(tuple(row)))
    return "\n".join(parts)


def _files_holding(root: Path, needles: list[bytes]) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits += [f"{path.relative_to(root)}: {n!r}" for n in needles if n in data]
    return hits


def _scan(app, participant_id: int, tmp_path: Path) -> None:
    with app.app_context():
        assert _rows_pointing_at(participant_id) == {}
        everything = _text_of_every_row()
        person = db.session.get(Participant, participant_id)
        assert person.stratum == "" and person.allocation_seq is None
        assert person.resume_token_hash is None and person.followup_token_hash is None
    assert MARKER not in everything
    assert not re.search(rf"'{STRATUM}'", everything)  # as a stored value, not in the design
    needles = [MARKER.encode(), MARKER.encode("utf-16-le")]
    assert _files_holding(Path(app.instance_path), needles) == []
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # The database file and its log, byte by byte (deleted rows are zeroed).
        assert _files_holding(tmp_path, needles) == []


def test_a_purge_leaves_nothing_of_the_participant(app, make_campaign, tmp_path):
    participant_id, _bot = _take_part(app, make_campaign)
    _exports(app)
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        campaign.status, campaign.retention_days = "closed", 1
        campaign.closed_at = utcnow() - timedelta(days=2)
        db.session.commit()
        assert [c.slug for c in purge(db.session)] == ["town"]
        assert not any(job_folder(j).exists() for j in db.session.scalars(select(Job)))
    _scan(app, participant_id, tmp_path)


def test_a_withdrawal_leaves_nothing_of_the_participant(app, make_campaign, tmp_path):
    participant_id, bot = _take_part(app, make_campaign)
    _exports(app)
    bot.get("withdraw")
    assert bot.post("/c/town/withdraw", {}).status_code in (200, 302, 303)
    with app.app_context():
        assert db.session.get(Participant, participant_id).status == "withdrawn"
        assert not any(job_folder(j).exists() for j in db.session.scalars(select(Job)))
        db.session.remove()
    with app.app_context():
        flush_deleted(db.session)  # what the next checkpoint does anyway
    _scan(app, participant_id, tmp_path)


def test_a_purge_clears_what_an_earlier_purge_left_behind(app, make_campaign, tmp_path):
    """An installation purged before this fix kept strata, claims, links and partial files:
    the next purge finds them (the campaign is not 'empty') and removes them."""
    participant_id, _bot = _take_part(app, make_campaign)
    _exports(app)
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        campaign.status, campaign.retention_days = "closed", 1
        campaign.closed_at = utcnow() - timedelta(days=2)
        # What the purge of old removed (answers, page times, hashes, finished files) ...
        ids = select(Participant.id)
        for table in ("answer", "page_visit"):
            db.session.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608 - fixed names
        db.session.execute(sa.update(Participant).where(Participant.id.in_(ids)).values(
            resume_token_hash=None, followup_token_hash=None, external_id_hash=None))
        db.session.execute(sa.update(Job).where(Job.file_name.is_not(None)).values(
            file_name=None))
        db.session.commit()
        # ... and what it left: the stratum, the quota claim, the invite link, a partial folder.
        counts = purge(db.session, dry_run=True)
        assert [c.slug for c in counts] == ["town"] and counts[0].links == 3
        assert counts[0].files >= 1
        assert [c.slug for c in purge(db.session)] == ["town"]
    _scan(app, participant_id, tmp_path)
