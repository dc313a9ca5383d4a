"""Monitor figures of one campaign, computed from the database by plain functions.

Every figure leaves test participants (previews) out; the funnel counts
them apart. The funnel and the arm balance are the campaign's own counts
(app.campaigns.counts), shown by the dashboard, the campaign page and
the monitor alike, so they can never disagree.

Definitions (docs/monitor.md explains them for operators):

- **arrived**: landing pages shown to visitors who had not started;
  **consented**: agreed and got a participant record; **started**:
  submitted at least one page; **in progress**: started, not finished;
  **completed**, **screened out** (by reason), **withdrawn**.
- **dropped out**: in progress and not seen for the campaign's
  ``abandon_after_minutes``; counted on the step where they stopped.
- **duration**: minutes from consent to completion, completed only;
  median and 90th percentile by linear interpolation (numpy's default,
  ``statistics.quantiles(method="inclusive")``).
- **page speeder**: the median, over their submitted question pages, of
  seconds per question is below :data:`SECONDS_PER_ITEM_MIN`.
- **fast reader**: read at least one briefing faster than
  :data:`READING_WPM_MAX` words per minute (words of the briefing in their
  language / minutes between showing and leaving it).
- **straight-liner**: gave the same value to every Likert answer outside
  the profile, with at least :data:`STRAIGHTLINE_MIN_ITEMS` of them.
- **failed attention**: answered an attention check other than its
  instructed answer (or was screened out for it).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis.contract import items_where
from app.campaigns.counts import ArmRow, Funnel, arm_balance, counted, funnel
from app.export.codebook import word_count
from app.models import Answer, Campaign, PageVisit, Participant, Quota, QuotaClaim, utcnow
from app.participant.steps import journey
from surveys import Survey
from surveys.conditions import NOT_SHOWN_CODE

__all__ = [
    "Funnel", "funnel", "ArmRow", "page_dropoff", "durations", "completions_per_hour", "languages",
    "arm_balance", "quotas", "strata", "quality", "percentile", "SECONDS_PER_ITEM_MIN",
    "READING_WPM_MAX", "STRAIGHTLINE_MIN_ITEMS",
]

#: A question page answered faster than this many seconds per question is speeding
#: (reading and answering one simple question takes people about 3-5 s).
SECONDS_PER_ITEM_MIN = 2.0
#: Reading a briefing faster than this is skimming at best: careful reading of
#: prose runs at about 200-300 words per minute, skimming at 400-700.
READING_WPM_MAX = 600.0
#: Straight-lining needs at least this many Likert answers to mean anything.
STRAIGHTLINE_MIN_ITEMS = 4

def percentile(values: list[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) by linear interpolation; None without values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# --- where people are and where they stop ----------------------------------------


@dataclass(frozen=True)
class PageRow:
    step: str
    #: Participants who were shown this step.
    reached: int
    #: In progress with this as their next step, seen recently.
    here_now: int
    #: In progress with this as their next step, idle past the campaign's limit.
    stopped_here: int


def step_order(survey: Survey) -> list[str]:
    """Every step key of the survey in journey order (all modules in definition order)."""
    return [s.key for s in journey(survey, [m.id for m in survey.modules])]


def page_dropoff(session: Session, campaign: Campaign, survey: Survey,
                 now: datetime | None = None) -> list[PageRow]:
    now = now or utcnow()
    idle_since = now - timedelta(minutes=campaign.abandon_after_minutes)
    reached = dict(session.execute(
        select(PageVisit.step, func.count()).join(Participant,
                                                  Participant.id == PageVisit.participant_id)
        .where(counted(campaign)).group_by(PageVisit.step)
    ).all())
    here: Counter = Counter()
    stopped: Counter = Counter()
    for step, last_seen in session.execute(
        select(Participant.step, Participant.last_seen_at)
        .where(counted(campaign), Participant.status == "started")
    ):
        (stopped if last_seen < idle_since else here)[step] += 1
    order = step_order(survey)
    known = [k for k in order if k in reached or k in here or k in stopped]
    extra = sorted((set(reached) | set(here) | set(stopped)) - set(order))
    return [PageRow(k, reached.get(k, 0), here[k], stopped[k]) for k in known + extra]


# --- time ------------------------------------------------------------------------


@dataclass(frozen=True)
class Durations:
    n: int
    median_minutes: float | None
    p90_minutes: float | None


def durations(session: Session, campaign: Campaign) -> Durations:
    minutes = [
        (done - began).total_seconds() / 60
        for began, done in session.execute(
            select(Participant.started_at, Participant.completed_at)
            .where(counted(campaign), Participant.status == "completed",
                   Participant.completed_at.is_not(None))
        )
    ]
    return Durations(len(minutes), percentile(minutes, 50), percentile(minutes, 90))


def completions_per_hour(session: Session, campaign: Campaign, hours: int = 24,
                         now: datetime | None = None) -> list[tuple[datetime, int]]:
    """Completions in each of the last ``hours`` UTC hours, oldest first, this hour last."""
    now = now or utcnow()
    current = now.replace(minute=0, second=0, microsecond=0)
    first = current - timedelta(hours=hours - 1)
    counts: Counter = Counter()
    for (done,) in session.execute(
        select(Participant.completed_at)
        .where(counted(campaign), Participant.status == "completed",
               Participant.completed_at >= first)
    ):
        counts[done.replace(minute=0, second=0, microsecond=0)] += 1
    return [(first + timedelta(hours=h), counts[first + timedelta(hours=h)])
            for h in range(hours)]


def languages(session: Session, campaign: Campaign) -> list[tuple[str, int, int]]:
    """(language, consented, completed) for every language used or offered."""
    rows = defaultdict(lambda: [0, 0])
    for lang in campaign.languages:
        rows[lang]
    for lang, status, n in session.execute(
        select(Participant.language, Participant.status, func.count())
        .where(counted(campaign)).group_by(Participant.language, Participant.status)
    ):
        rows[lang][0] += n
        if status == "completed":
            rows[lang][1] += n
    return [(lang, a, b) for lang, (a, b) in rows.items()]


# --- design: arms, quotas, strata -------------------------------------------------------


@dataclass(frozen=True)
class QuotaRow:
    name: str
    cap: int
    #: Places held by participants still taking part plus completed ones.
    used: int
    conditions: dict = field(default_factory=dict)
    #: Places filled by completers, and held by participants on their way.
    completed: int = 0
    held: int = 0
    #: Places free although the quota was full once (released holders, a raised
    #: cap): the panel's study is likely full, so it needs places added.
    free_again: int = 0

    @property
    def free(self) -> int:
        return self.cap - self.used


def quotas(session: Session, campaign: Campaign) -> list[QuotaRow]:
    """Each quota's places: completed, held, free, and free again after it was full."""
    states = session.execute(
        select(QuotaClaim.quota_id, QuotaClaim.state, func.count())
        .join(Quota, Quota.id == QuotaClaim.quota_id)
        .where(Quota.campaign_id == campaign.id)
        .group_by(QuotaClaim.quota_id, QuotaClaim.state)
    ).all()
    count = {(quota_id, state): n for quota_id, state, n in states}
    return [
        QuotaRow(q.name, q.cap, q.used, dict(q.conditions), count.get((q.id, "completed"), 0),
                 count.get((q.id, "held"), 0),
                 q.cap - q.used if q.full_at is not None else 0)
        for q in session.scalars(
            select(Quota).where(Quota.campaign_id == campaign.id).order_by(Quota.name)
        )
    ]


def strata(session: Session, campaign: Campaign) -> dict[str, dict[str, int]]:
    """stratum -> {arm -> allocated participants}; empty when not stratified."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for stratum, arm, n in session.execute(
        select(Participant.stratum, Participant.arm, func.count())
        .where(counted(campaign), Participant.stratum != "", Participant.arm != "")
        .group_by(Participant.stratum, Participant.arm)
    ):
        out[stratum][arm] = n
    return {k: dict(sorted(v.items())) for k, v in sorted(out.items())}


# --- data quality -----------------------------------------------------------------


def _briefing_words(stored: dict, survey: Survey | None, module: str, lang: str) -> int:
    if stored:
        return stored.get(lang) or next(iter(stored.values()), 0)
    if survey is None:
        return 0
    body = survey.module(module).body
    return word_count(body.get(lang) or body[survey.default_language])



@dataclass(frozen=True)
class QualityRow:
    arm: str
    #: Participants who submitted at least one page.
    participants: int
    page_speeders: int
    fast_readers: int
    straightliners: int
    failed_attention: int


def quality(session: Session, campaign: Campaign, survey: Survey | None) -> list[QualityRow]:
    """Data-quality flags by arm (see the module docstring for each rule).

    Briefing lengths come from the stored codebook (its ``words`` per module
    and language), or from the survey's files for campaigns created before
    the codebook carried them; without either the reading-speed rule flags
    no one.
    """
    items = {i["id"]: i for i in campaign.codebook["items"]}
    page_items = Counter()
    for item in items.values():
        for page in item["pages"]:
            page_items[page] += 1
    arm_of: dict[int, str] = {}
    per_item: dict[int, list[float]] = defaultdict(list)
    fast: set[int] = set()
    words: dict[tuple[str, str], int] = {}
    stored = {m["id"]: m.get("words") or {} for m in campaign.codebook.get("modules", [])}
    visits = session.execute(
        select(Participant.id, Participant.arm, Participant.language, PageVisit.step,
               PageVisit.shown_at, PageVisit.submitted_at)
        .join(PageVisit, PageVisit.participant_id == Participant.id)
        .where(counted(campaign), PageVisit.submitted_at.is_not(None))
    )
    for pid, arm, lang, step, shown, submitted in visits:
        arm_of[pid] = arm
        seconds = max((submitted - shown).total_seconds(), 0.0)
        kind, _, rest = step.partition(":")
        if kind == "page":
            n = page_items.get(rest.split(":")[0], 0)
            if n:
                per_item[pid].append(seconds / n)
        elif kind == "read":
            key = (rest, lang)
            if key not in words:
                words[key] = _briefing_words(stored.get(rest, {}), survey, rest, lang)
            if words[key] and (seconds == 0 or words[key] / (seconds / 60) > READING_WPM_MAX):
                fast.add(pid)
    speeders = {pid for pid, v in per_item.items() if statistics.median(v) < SECONDS_PER_ITEM_MIN}

    likert = items_where(campaign.codebook, "straightlining", True)
    attention = {i: items[i].get("correct")
                 for i in items_where(campaign.codebook, "role", "attention")}
    likert_values: dict[int, list[float]] = defaultdict(list)
    failed: set[int] = set()
    answers = session.execute(
        select(Answer.participant_id, Answer.item, Answer.value)
        .join(Participant, Participant.id == Answer.participant_id)
        .where(counted(campaign), Answer.item.in_(likert + list(attention)),
               Answer.phase != "profile",
               # a row of an item not shown (its declared code) is no answer
               Answer.value.is_distinct_from(NOT_SHOWN_CODE))
    )
    for pid, item, value in answers:
        if item in attention:
            if value is None or value != attention[item]:
                failed.add(pid)
        else:
            likert_values[pid].append(value)
    straight = {pid for pid, v in likert_values.items()
                if len(v) >= STRAIGHTLINE_MIN_ITEMS and len(set(v)) == 1}
    for pid, arm in session.execute(
        select(Participant.id, Participant.arm)
        .where(counted(campaign), Participant.outcome == "failed_attention")
    ):
        failed.add(pid)
        arm_of.setdefault(pid, arm)

    rows = []
    for arm in [a["id"] for a in campaign.codebook["arms"]]:
        mine = {pid for pid, a in arm_of.items() if a == arm}
        rows.append(QualityRow(arm, len(mine), len(mine & speeders), len(mine & fast),
                               len(mine & straight), len(mine & failed)))
    return rows
