"""A campaign's own counts: the funnel and the arm balance.

The dashboard, the campaign page and the monitor (app.monitor.figures)
show these same numbers, so they can never disagree. Test participants
(previews) are left out of every figure; the funnel counts them apart.
Definitions of each figure: app.monitor.figures and docs/monitor.md.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app.models import Arrival, Campaign, PageVisit, Participant

__all__ = ["Funnel", "funnel", "ArmRow", "arm_balance", "counted", "ENDED_BEFORE_ALLOCATION"]

#: Outcomes that end a journey at the about-you pages, before any treatment.
ENDED_BEFORE_ALLOCATION = ("screened_out", "over_quota")


def counted(campaign: Campaign):
    """Participants that count: this campaign's, test participants left out."""
    return and_(Participant.campaign_id == campaign.id, Participant.is_test.is_(False))


# --- the funnel ---------------------------------------------------------------


@dataclass(frozen=True)
class Funnel:
    arrived: int
    consented: int
    started: int
    in_progress: int
    completed: int
    #: reason (outcome) -> participants screened out for it
    screened_out: dict[str, int]
    withdrawn: int
    #: Test participants (previews), in none of the figures above.
    test: int

    @property
    def screened_out_total(self) -> int:
        return sum(self.screened_out.values())


def funnel(session: Session, campaign: Campaign) -> Funnel:
    arrived = session.scalar(
        select(func.coalesce(func.sum(Arrival.visits), 0)).where(
            Arrival.campaign_id == campaign.id
        )
    )
    by_status: Counter = Counter()
    screened: Counter = Counter()
    for status, outcome, n in session.execute(
        select(Participant.status, Participant.outcome, func.count())
        .where(counted(campaign)).group_by(Participant.status, Participant.outcome)
    ):
        by_status[status] += n
        if status == "screened_out":
            screened[outcome or "screened_out"] += n
    started = session.scalar(
        select(func.count(func.distinct(PageVisit.participant_id)))
        .join(Participant, Participant.id == PageVisit.participant_id)
        .where(counted(campaign), PageVisit.submitted_at.is_not(None))
    )
    test = session.scalar(
        select(func.count()).where(Participant.campaign_id == campaign.id,
                                   Participant.is_test.is_(True))
    )
    return Funnel(
        arrived=int(arrived), consented=sum(by_status.values()), started=started,
        in_progress=by_status["started"], completed=by_status["completed"],
        screened_out=dict(sorted(screened.items())), withdrawn=by_status["withdrawn"], test=test,
    )


# --- design: arms ----------------------------------------------------------------------


@dataclass(frozen=True)
class ArmRow:
    arm: str
    weight: int
    control: bool
    starters: int
    expected_starters: float
    completers: int
    expected_completers: float


def arm_balance(session: Session, campaign: Campaign) -> list[ArmRow]:
    """Actual vs expected (by the allocation ratio) among starters and among completers.

    Starters are the allocated participants who submitted a page and were not
    ended before allocation (screened out or over quota: they never saw a
    treatment; participants started before issue 19 may carry an arm all the
    same); completers those who completed. Expected = the group's total x
    the arm's share of the weights.
    """
    arms = campaign.codebook["arms"]
    total_weight = sum(a["weight"] for a in arms) or 1
    starters_query = (
        select(Participant.arm, func.count(func.distinct(Participant.id)))
        .join(PageVisit, PageVisit.participant_id == Participant.id)
        .where(counted(campaign), PageVisit.submitted_at.is_not(None), Participant.arm != "",
               or_(Participant.outcome.is_(None),
                   Participant.outcome.not_in(ENDED_BEFORE_ALLOCATION)))
        .group_by(Participant.arm)
    )
    starters = dict(session.execute(starters_query).all())
    completers = dict(session.execute(
        select(Participant.arm, func.count())
        .where(counted(campaign), Participant.status == "completed").group_by(Participant.arm)
    ).all())
    n_start, n_done = sum(starters.values()), sum(completers.values())
    return [
        ArmRow(a["id"], a["weight"], bool(a["control"]), starters.get(a["id"], 0),
               n_start * a["weight"] / total_weight, completers.get(a["id"], 0),
               n_done * a["weight"] / total_weight)
        for a in arms
    ]
