"""The argument exchange's files of an export (format 1.5): statements, ratings, pairs,
exposures, moderation decisions and frozen sets, in every export format.

Names and columns come from ``analysis.contract`` (EXCHANGE_CONTRACT): none
is restated here. Text cells go through the contract's formula escaping; a
rejected or withdrawn statement's text is never written; the author column
exists only when the export asks for it (``include_authors``). Rows of test
participants (previews) are left out unless the export includes them; the
team's seed and placebo statements are always in. A campaign without an
exchange writes none of these files.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from analysis import contract
from app.export.csv_rows import RowWriter
from app.models import (
    Campaign,
    Exposure,
    FrozenMember,
    FrozenSet,
    ModerationDecision,
    Pair,
    Participant,
    Rating,
    Statement,
)

__all__ = ["write_exchange_tables"]

#: Statuses whose text never reaches an export.
HIDDEN = ("rejected", "withdrawn")


def _text(value) -> str:
    return contract.escape_formula(value) if value else ""


def _number(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _time(value) -> str:
    return value.isoformat() if value is not None else ""


def _flag(value) -> str:
    return "1" if value else "0"


def _write(path: Path, header: list[str], rows: list[list]) -> int:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = RowWriter(f)
        writer.writerow(header)
        writer.writerows(rows)
    return len(rows)


def write_exchange_tables(session: Session, campaign: Campaign, out: Path, *,
                          include_authors: bool = False,
                          include_test: bool = False) -> dict[str, int]:
    """Write the six exchange files into ``out``; returns row counts by table name
    (empty, and no file written, when the campaign has no exchange)."""
    if not (campaign.codebook or {}).get("exchange"):
        return {}
    people = select(Participant.id).where(Participant.campaign_id == campaign.id)
    if not include_test:
        people = people.where(Participant.is_test.is_(False))
    author = aliased(Participant)
    # A display set frozen from an earlier campaign (a seeding pilot) shows that
    # campaign's statements here: they are listed too (1.9), never with their author.
    borrowed = (select(FrozenMember.statement_id)
                .join(FrozenSet, FrozenSet.id == FrozenMember.frozen_set_id)
                .where(FrozenSet.campaign_id == campaign.id,
                       FrozenSet.source_campaign_id.is_not(None)))
    statements = session.execute(
        select(Statement, author.public_id)
        .outerjoin(author, (author.id == Statement.participant_id)
                   & (author.campaign_id == campaign.id))
        .where((Statement.campaign_id == campaign.id)
               & (Statement.participant_id.is_(None) | Statement.participant_id.in_(people))
               | Statement.id.in_(borrowed))
        .order_by(Statement.id)
    ).all()
    kept = {s.id for s, _ in statements}
    columns = list(contract.STATEMENT_COLUMNS) + (
        list(contract.OPTIONAL_STATEMENT_COLUMNS) if include_authors else [])
    statement_rows = []
    for s, public_id in statements:
        row = [s.id, s.language, _text(s.proposal), s.side or "", _text(s.source_item),
               _flag(s.seed), _flag(s.placebo), s.status, s.reason or "",
               "" if s.status in HIDDEN else _text(s.text)]
        if include_authors:
            row.append(public_id or "")
        statement_rows.append(row)
    counts = {"statements": _write(out / contract.STATEMENTS_FILE, columns, statement_rows)}

    rater = aliased(Participant)
    ratings = session.execute(
        select(rater.public_id, Rating).join(rater, rater.id == Rating.participant_id)
        .where(Rating.participant_id.in_(people)).order_by(Rating.id)
    ).all()
    counts["ratings"] = _write(out / contract.RATINGS_FILE, list(contract.RATING_COLUMNS), [
        [pid, r.statement_id, _number(r.fair), _flag(r.skipped), r.agree or "", r.position,
         _time(r.answered_at)]
        for pid, r in ratings if r.statement_id in kept])

    pairs = session.execute(
        select(rater.public_id, Pair).join(rater, rater.id == Pair.participant_id)
        .where(Pair.participant_id.in_(people)).order_by(Pair.id)
    ).all()
    counts["pairs"] = _write(out / contract.PAIRS_FILE, list(contract.PAIR_COLUMNS), [
        [pid, p.left_id, p.right_id, p.chosen_id or "", _text(p.proposal), _time(p.answered_at)]
        for pid, p in pairs])

    exposures = session.execute(
        select(rater.public_id, rater.arm, Exposure)
        .join(rater, rater.id == Exposure.participant_id)
        .where(Exposure.participant_id.in_(people))
        .order_by(Exposure.participant_id, Exposure.position)
    ).all()
    # every card the app deals is drawn at random (selection "random", format 1.13)
    columns = [*contract.EXPOSURE_COLUMNS, *contract.OPTIONAL_EXPOSURE_COLUMNS]
    counts["exposures"] = _write(out / contract.EXPOSURES_FILE, columns, [
        [pid, e.statement_id, e.position, _number(e.probability), _text(e.pool_version),
         _text(arm), "random"]
        for pid, arm, e in exposures])

    decisions = session.scalars(
        select(ModerationDecision).join(Statement, Statement.id == ModerationDecision.statement_id)
        .where(Statement.campaign_id == campaign.id).order_by(ModerationDecision.id)
    ).all()
    counts["moderation"] = _write(out / contract.MODERATION_FILE,
                                  list(contract.MODERATION_COLUMNS), [
        [d.statement_id, d.decision, d.reason or "", d.role, _flag(d.second),
         _time(d.decided_at)]
        for d in decisions if d.statement_id in kept])

    members = session.execute(
        select(FrozenSet.pool_version, FrozenSet.frozen_at, Statement.id, Statement.language,
               Statement.proposal)
        .join(FrozenMember, FrozenMember.frozen_set_id == FrozenSet.id)
        .join(Statement, Statement.id == FrozenMember.statement_id)
        .where(FrozenSet.campaign_id == campaign.id)
        .order_by(FrozenSet.id, Statement.id)
    ).all()
    counts["frozen_sets"] = _write(out / contract.FROZEN_SETS_FILE,
                                   list(contract.FROZEN_SET_COLUMNS), [
        [m.pool_version, m.id, m.language, _text(m.proposal), _time(m.frozen_at)]
        for m in members])
    return counts
