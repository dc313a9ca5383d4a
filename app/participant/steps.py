"""The ordered steps of one participant's journey, derived from the survey.

Nothing about the sequence is stored except the key of the next step: the
list is rebuilt from the pinned survey and the participant's recorded module
order, so the journey can never disagree with the definition.

Step keys: ``page:<page>`` (profile, pre and post pages),
``read:<module>`` (a briefing), ``page:<page>:<module>`` (questions on one
module), ``card:<n>`` (the n-th statement card of the argument exchange,
for arms that end with an exchange step, after the briefings and before the
post pages), ``pair:<n>`` (the n-th pairwise choice, peers' arms only, after
the cards) and ``thanks``.
"""

from __future__ import annotations

from dataclasses import dataclass

from surveys import Page, Survey

__all__ = ["Step", "journey", "exchange_step", "THANKS"]

THANKS = "thanks"


@dataclass(frozen=True)
class Step:
    key: str
    kind: str  # "page", "read", "card", "pair" or "thanks"
    phase: str | None = None
    page: Page | None = None
    module: str = ""
    #: A card's position (1..cards), for ``card`` steps.
    position: int = 0


#: Journeys already derived, by (survey object, module order). Each request
#: asked for its participant's journey several times; the entry holds the
#: survey itself, so its id cannot be reused while the entry lives.
_JOURNEYS: dict[tuple, tuple[Survey, tuple[Step, ...]]] = {}


def exchange_step(survey: Survey, arm_id: str | None) -> str | None:
    """The arm's exchange step ("exchange" or "exchange_placebo"), or None."""
    arm = next((a for a in survey.arms if a.id == arm_id), None)
    return arm.exchange if arm is not None and survey.exchange is not None else None


def journey(survey: Survey, modules: list[str], exchange: str | None = None) -> list[Step]:
    """Every step in order for a participant who reads ``modules`` in that order
    (and, with ``exchange``, rates that many statement cards after them)."""
    key = (id(survey), tuple(modules), exchange)
    hit = _JOURNEYS.get(key)
    if hit is None or hit[0] is not survey:
        if len(_JOURNEYS) >= 4096:
            _JOURNEYS.clear()
        hit = _JOURNEYS[key] = (survey, tuple(_derive(survey, modules, exchange)))
    return list(hit[1])


def _derive(survey: Survey, modules: list[str], exchange: str | None) -> list[Step]:
    steps = [_page(p) for p in survey.pages_in("profile") + survey.pages_in("pre")]
    for module in modules:
        steps.append(Step(f"read:{module}", "read", "module", module=module))
        steps.extend(_page(p, module) for p in survey.pages_in("module"))
    if exchange is not None and survey.exchange is not None:
        steps.extend(Step(f"card:{n}", "card", "module", module=exchange, position=n)
                     for n in range(1, survey.exchange.cards + 1))
        if exchange == "exchange":  # pairwise choices: peers' arguments only
            steps.extend(Step(f"pair:{n}", "pair", "module", module=exchange, position=n)
                         for n in range(1, survey.exchange.pairs + 1))
    steps.extend(_page(p) for p in survey.pages_in("post"))
    steps.append(Step(THANKS, "thanks"))
    return steps


def _page(page: Page, module: str = "") -> Step:
    key = f"page:{page.id}:{module}" if module else f"page:{page.id}"
    return Step(key, "page", page.phase, page, module)
