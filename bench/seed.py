"""Fill a campaign with synthetic participants and answers quickly, for the export benchmarks.

Rows go in through SQLAlchemy Core in batches (no web requests), shaped as
the app stores them: every page of the participant's journey answered
(valid answers drawn at random per item type), page visits with times.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, text

from app.campaigns.allocation import arm_for_slot, module_order_for
from app.campaigns.operations import create_campaign, set_status
from app.extensions import db
from app.models import Answer, Campaign, PageVisit, Participant
from app.participant.steps import journey
from surveys import Survey, load_survey
from tests.bots import auto_answer

__all__ = ["seed_campaign", "answers_per_participant"]


def _answer(item, rng: random.Random):
    raw = auto_answer(item)
    if item.type in ("likert", "single_choice") and item.options:
        raw = {f"q_{item.id}": rng.choice(item.options).id}
    elif item.type in ("thermometer", "estimate"):
        raw = {f"q_{item.id}": str(rng.randint(0, 100))}
    values = raw.get(f"q_{item.id}")
    if item.type == "ranking":
        strings = [f"{k.split('__')[1]}={v}" for k, v in raw.items()]
    else:
        strings = values if isinstance(values, list) else [values]
    return item.kind.parse(item, strings)


def answers_per_participant(survey: Survey) -> float:
    steps = journey(survey, list(survey.arms[0].modules))
    return sum(len(s.page.items) for s in steps if s.page)


def _advance_id_sequences(conn) -> None:
    """PostgreSQL: move the id sequences past the ids written here.

    Participant ids are given explicitly (answers refer to them in the same
    batch), which does not advance ``participant_id_seq``; without this the
    next participant to start took id 1 again and failed on the primary key.
    """
    if conn.dialect.name != "postgresql":
        return
    for table in ("participant", "answer", "page_visit"):  # fixed names, not input
        statement = (f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                     f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)")
        conn.execute(text(statement))


def seed_campaign(survey_folder, slug: str, n_answers: int, seed: int = 1, batch: int = 20_000
                  ) -> tuple[int, int]:
    """Create campaign ``slug`` with about ``n_answers`` answers; returns (participants, answers)."""
    rng = random.Random(seed)
    survey = load_survey(survey_folder)
    # A few valid answers per item, parsed once: parsing each one was most of the time.
    pools = {i.id: [_answer(i, rng) for _ in range(8)] for i in survey.items.values()}
    campaign = create_campaign(db.session, slug=slug, survey_folder=survey_folder, actor="bench")
    set_status(db.session, campaign, "open", "bench")
    db.session.commit()
    campaign_id, block, cseed = campaign.id, campaign.block_size, campaign.seed
    start = datetime(2026, 1, 1, tzinfo=UTC)
    conn = db.session.connection()
    last = db.session.scalar(select(Participant.id).order_by(Participant.id.desc()).limit(1))
    next_id = (last or 0) + 1
    people, answers, visits = [], [], []
    counts: dict[str, int] = {}
    n_participants = total = 0

    def flush():
        for model, rows in ((Participant, people), (Answer, answers), (PageVisit, visits)):
            if rows:
                conn.execute(insert(model), rows)
                rows.clear()

    while total < n_answers:
        seq = n_participants
        arm = arm_for_slot(survey, cseed, "", seq, block)
        modules = module_order_for(survey, cseed, "", arm, counts.get(arm, 0))
        counts[arm] = counts.get(arm, 0) + 1
        pid = next_id + seq
        t = start + timedelta(seconds=37 * seq)
        people.append({
            "id": pid, "public_id": f"p_{pid:016x}", "campaign_id": campaign_id, "arm": arm,
            "module_order": "|".join(modules), "language": survey.languages[0],
            "status": "completed", "step": "thanks", "allocation_seq": seq,
            "resume_token_hash": f"{pid:064x}", "started_at": t, "last_seen_at": t,
            "completed_at": t + timedelta(minutes=20),
        })
        for step in journey(survey, modules):
            if step.page is None:
                continue
            shown, done = t, t + timedelta(seconds=rng.randint(5, 120))
            visits.append({"participant_id": pid, "step": step.key, "shown_at": shown,
                           "submitted_at": done})
            for item_id in step.page.items:
                parsed = rng.choice(pools[item_id])
                answers.append({
                    "participant_id": pid, "phase": step.phase, "module": step.module,
                    "item": item_id, "value": parsed.value, "text": parsed.text,
                    "page": step.page.id, "answered_at": done,
                    "seconds_on_page": round((done - shown).total_seconds(), 3),
                })
                total += 1
            t = done
        n_participants += 1
        if len(answers) >= batch:
            flush()
    flush()
    _advance_id_sequences(conn)
    db.session.commit()
    assert db.session.scalar(select(Campaign.id).where(Campaign.slug == slug)) == campaign_id
    return n_participants, total
