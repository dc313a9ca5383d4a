"""The design's problems shown at their fields, in the words of the page.

``app.campaigns.design.update_design`` reports problems in the design's own
keys (``closes_at must be after opens_at``); the design page shows each at
the field it concerns, with the label on screen ("Closes at (UTC) must be
after Opens at (UTC)"), and lists those that fit no field at the top.
"""

from __future__ import annotations

import re

__all__ = ["attach_problems", "on_screen"]

_PROBLEM_FIELDS = [
    (re.compile(r"^title\b"), lambda m, f: "title"),
    (re.compile(r"^languages\b"), lambda m, f: "languages"),
    (re.compile(r"^block size\b"), lambda m, f: "block_size"),
    (re.compile(r"^seed\b"), lambda m, f: "seed"),
    (re.compile(r"^(abandon_after_minutes|results_min_completed|target_n|opens_at|closes_at|"
                r"strata|access)\b"), lambda m, f: m.group(1)),
    (re.compile(r"^closes_at must"), lambda m, f: "closes_at"),
    (re.compile(r"^arm_weights\b"), lambda m, f: f"weight_{f.survey.arms[0].id}"),
    (re.compile(r"^panel\.redirect\b"), lambda m, f: "panel_redirect"),
    (re.compile(r"^panel\b"), lambda m, f: "panel_id_param"),
    (re.compile(r"^completion\.(\w+)\.redirect\b"), lambda m, f: f"redirect_{m.group(1)}"),
    (re.compile(r"^completion\.(\w+)"), lambda m, f: f"code_{m.group(1)}"),
    (re.compile(r"^a Prolific campaign needs a completion code"), lambda m, f: "code_completed"),
    (re.compile(r"^quota (\d+)\b"), lambda m, f: f"quota_{int(m.group(1)) - 1}_name"),
    (re.compile(r"^screening rule (\d+)\b"),
     lambda m, f: f"screen_{f.screen_rules[int(m.group(1)) - 1]}_mode"),
]


def _field_for(form, problem: str) -> str | None:
    for pattern, name_of in _PROBLEM_FIELDS:
        match = pattern.match(problem)
        if match:
            try:
                return name_of(match, form)
            except (IndexError, AttributeError):
                return None
    return None


_KEY = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
_LEADING_KEY = re.compile(r"^[a-z]+(?=[: ])")


def on_screen(form, problem: str) -> str:
    """``problem`` in the words of the page: field keys become the labels on screen.

    ``"closes_at must be after opens_at"`` reads "Closes at (UTC) must be
    after Opens at (UTC)"; a leading key (``"seed: ..."``) becomes its label.
    """
    def label(match: re.Match) -> str:
        name = match.group(0)
        return str(form[name].label.text) if name in form else name

    problem = _KEY.sub(label, problem)
    return _LEADING_KEY.sub(label, problem, count=1)


def attach_problems(form, problems: list[str]) -> list[str]:
    """Show each of update_design's problems at its field, in the page's words
    (:func:`on_screen`); return those that fit no field."""
    loose = []
    for problem in problems:
        name = _field_for(form, problem)
        if name is not None and name in form:
            form[name].errors = [*form[name].errors, on_screen(form, problem)]
        else:
            loose.append(on_screen(form, problem))
    return loose
