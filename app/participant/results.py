"""Where participants stand so far: shown on the thanks page, never identifying anyone.

Only averages over all completed participants, only once the campaign has
``results_min_completed`` of them (30 by default), and only the "support"
items (construct ``support_<module>``), before and after. The same minimum
applies to every published cell, as in the analysis report's small-cell
rule: an item is left out while fewer than that many completed participants
have given it a substantive answer in either phase ("don't know" and
"prefer not to say" options neither count nor enter the mean). Test
participants (previews) are never counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.models import Answer, Campaign, Participant
from surveys import Survey

__all__ = ["SupportResult", "results_for_thanks"]


@dataclass(frozen=True)
class SupportResult:
    item_id: str
    label: str
    points: int
    before: float
    after: float


def results_for_thanks(
    session: Session, campaign: Campaign, survey: Survey, lang: str
) -> list[SupportResult] | None:
    """Mean support before and after per proposal, or None while too few completed."""
    completed = (
        (Participant.campaign_id == campaign.id)
        & (Participant.status == "completed")
        & Participant.is_test.is_(False)  # previews never show up in results
    )
    n = session.scalar(select(func.count()).select_from(Participant).where(completed))
    if n < max(campaign.results_min_completed, 1):
        return None
    items = [
        i for i in survey.items.values()
        if i.kind.straightlining and (i.construct or "").startswith("support_")
        and "pre" in survey.phases_of(i.id) and "post" in survey.phases_of(i.id)
    ]
    if not items:
        return None
    minimum = max(campaign.results_min_completed, 1)
    substantive = [
        (Answer.item == i.id) & Answer.value.not_in([o.code for o in i.options if o.missing])
        for i in items
    ]
    rows = session.execute(
        select(Answer.item, Answer.phase, func.avg(Answer.value), func.count(Answer.value))
        .join(Participant, Participant.id == Answer.participant_id)
        .where(completed, or_(*substantive), Answer.phase.in_(("pre", "post")),
               Answer.value >= 1)  # points only: "Prefer not to answer" is stored as -9
        .group_by(Answer.item, Answer.phase)
    ).all()
    means = {(item, phase): float(avg) for item, phase, avg, count in rows if count >= minimum}
    results = []
    for item in items:
        if (item.id, "pre") in means and (item.id, "post") in means:
            module_id = (item.construct or "").removeprefix("support_")
            module = next((m for m in survey.modules if m.id == module_id), None)
            label = module.title[lang] if module else item.text[lang]
            before, after = means[(item.id, "pre")], means[(item.id, "post")]
            results.append(SupportResult(item.id, label, item.kind.points(item), before, after))
    return results
