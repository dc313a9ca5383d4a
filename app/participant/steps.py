"""The ordered steps of one participant's journey, derived from the survey.

Nothing about the sequence is stored except the key of the next step: the
list is rebuilt from the pinned survey and the participant's recorded module
order, so the journey can never disagree with the definition.

Step keys: ``page:<page>`` (profile, pre and post pages),
``read:<module>`` (a briefing), ``page:<page>:<module>`` (questions on one
module), and ``thanks``.
"""

from __future__ import annotations

from dataclasses import dataclass

from surveys import Page, Survey

__all__ = ["Step", "journey", "THANKS"]

THANKS = "thanks"


@dataclass(frozen=True)
class Step:
    key: str
    kind: str  # "page", "read" or "thanks"
    phase: str | None = None
    page: Page | None = None
    module: str = ""


#: Journeys already derived, by (survey object, module order). Each request
#: asked for its participant's journey several times; the entry holds the
#: survey itself, so its id cannot be reused while the entry lives.
_JOURNEYS: dict[tuple[int, tuple[str, ...]], tuple[Survey, tuple[Step, ...]]] = {}


def journey(survey: Survey, modules: list[str]) -> list[Step]:
    """Every step in order for a participant who reads ``modules`` in that order."""
    key = (id(survey), tuple(modules))
    hit = _JOURNEYS.get(key)
    if hit is None or hit[0] is not survey:
        if len(_JOURNEYS) >= 4096:
            _JOURNEYS.clear()
        hit = _JOURNEYS[key] = (survey, tuple(_derive(survey, modules)))
    return list(hit[1])


def _derive(survey: Survey, modules: list[str]) -> list[Step]:
    steps = [_page(p) for p in survey.pages_in("profile") + survey.pages_in("pre")]
    for module in modules:
        steps.append(Step(f"read:{module}", "read", "module", module=module))
        steps.extend(_page(p, module) for p in survey.pages_in("module"))
    steps.extend(_page(p) for p in survey.pages_in("post"))
    steps.append(Step(THANKS, "thanks"))
    return steps


def _page(page: Page, module: str = "") -> Step:
    key = f"page:{page.id}:{module}" if module else f"page:{page.id}"
    return Step(key, "page", page.phase, page, module)
