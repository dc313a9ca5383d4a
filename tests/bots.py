"""A scripted participant, in the manner of oTree's bots.

A bot walks a campaign through the Flask test client exactly as a browser
without JavaScript would: it reads each page, checks that every field it is
about to submit exists in that page's HTML, and posts the form with the
page's own CSRF token. Answers come from a plan (page id -> answers) or,
for pages the plan does not name, from ``auto_answer`` (built from what the
item's type says about its answers, never from its name), with ``overrides``
replacing single fields.

As in oTree, :meth:`Bot.submit` checks that the bot is on the page it
expects, and ``Bot.submit(page, SubmissionMustFail(answers))`` asserts that
the page refuses the answers: it comes back with an error summary, and the
participant stays on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape

from surveys import Item, Survey

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                     r'name="csrf_token" value="([^"]+)"')
ACTION_RE = re.compile(r'<form method="post" action="([^"]*/step/[^"]+)"')
HIDDEN_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def auto_answer(item: Item) -> dict[str, str | list[str]]:
    """A valid answer for an item of any type, as form fields."""
    name = f"q_{item.id}"
    kind = item.kind
    options = item.options
    if kind.text_coding == "ranked_option_ids":
        return {f"{name}__{o.id}": str(rank) for rank, o in enumerate(options, start=1)}
    if kind.many_values:
        return {name: [options[0].id, options[-1].id]}
    if kind.text_coding == "free_text":
        return {name: "Because people want different things."}
    if item.correct is not None:
        return {name: next(o for o in options if o.code == item.correct).id}
    if options:
        return {name: options[len(options) // 2].id}
    scale = kind.scale(item)
    lo, hi = scale["min"], scale["max"]
    return {name: str(int(lo + round(0.6 * (hi - lo))))}


@dataclass(frozen=True)
class SubmissionMustFail:
    """Answers a page must refuse (oTree's ``SubmissionMustFail``)."""

    answers: dict
    #: A text the error message must contain (optional).
    error: str = ""


@dataclass
class Bot:
    client: object
    slug: str
    survey: Survey
    plan: dict[str, dict] = field(default_factory=dict)
    #: Page id -> fields that replace the automatic answers on that page.
    overrides: dict[str, dict] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)

    def get(self, path: str = "go"):
        response = self.client.get(f"/c/{self.slug}/{path}", follow_redirects=True)
        self.html = response.get_data(as_text=True)
        return response

    def csrf(self) -> str:
        match = CSRF_RE.search(self.html)
        assert match, "page has no CSRF token"
        return unescape(match.group(1) or match.group(2))

    def start(self, lang: str | None = None, query: str = ""):
        """Open the landing page (``query``: the link's arguments, e.g. a panel id) and agree.

        Hidden fields of the start form (an invite code, a panel id) are sent back.
        """
        args = "&".join(a for a in (f"lang={lang}" if lang else "", query) if a)
        self.get("" + (f"?{args}" if args else ""))
        assert 'name="agree"' in self.html, self.html[:800]
        form = self.html[self.html.index(f"/c/{self.slug}/start"):]
        hidden = {unescape(k): unescape(v) for k, v in HIDDEN_RE.findall(form.split("</form>")[0])}
        return self.post(f"/c/{self.slug}/start", {**hidden, "agree": "y"})

    def post(self, url: str, data: dict, follow: bool = True):
        payload = {"csrf_token": self.csrf(), **data}
        response = self.client.post(url, data=payload, follow_redirects=follow)
        if follow:
            self.html = response.get_data(as_text=True)
        return response

    def current_action(self) -> str | None:
        match = ACTION_RE.search(self.html)
        return unescape(match.group(1)) if match else None

    def answers_for(self, step_key: str) -> dict:
        if step_key.startswith("read:"):
            return {}
        if step_key.startswith("card:"):  # the exchange's statement cards (app/exchange)
            return {"fair": "somewhat", "agree": "unsure"} if 'name="fair"' in self.html else {}
        if step_key.startswith("pair:"):  # the exchange's pairwise choices
            return {"chosen": "left"} if 'name="chosen"' in self.html else {}
        page_id = step_key.split(":")[1]
        if page_id in self.plan:
            return self.plan[page_id]
        answers = {}
        for item_id in self.survey.page(page_id).items:
            answers.update(auto_answer(self.survey.items[item_id]))
        return {**answers, **self.overrides.get(page_id, {})}

    def submit_current(self, answers: dict | None = None):
        action = self.current_action()
        assert action, f"no step form on this page:\n{self.html[:500]}"
        step_key = action.split("/step/", 1)[1]
        answers = self.answers_for(step_key) if answers is None else answers
        for name in answers:
            assert f'name="{name}"' in self.html, f"field {name} not on page {step_key}"
        self.history.append(step_key)
        return self.post(action, answers)

    def current_page(self) -> str | None:
        """Id of the page the bot is on (``page:<id>`` or ``page:<id>:<module>``), or None."""
        action = self.current_action()
        return action.split("/step/", 1)[1] if action else None

    def submit(self, expected: str, answers: dict | SubmissionMustFail | None = None):
        """Submit the page ``expected`` (a step key such as ``page:before``), after checking
        that the bot is on it; a :class:`SubmissionMustFail` must be refused."""
        on = self.current_page()
        assert on == expected, f"expected to be on {expected}, but the bot is on {on}"
        if not isinstance(answers, SubmissionMustFail):
            return self.submit_current(answers)
        response = self.submit_current(answers.answers)
        assert response.status_code == 400, response.status_code  # the page again, with errors
        assert 'class="error-summary"' in self.html, f"{expected} accepted {answers.answers}"
        assert answers.error in self.html, f"no error {answers.error!r} on {expected}"
        assert self.current_page() == expected, "the refused page moved the participant on"
        return response

    def walk(self, lang: str | None = None, max_steps: int = 100, query: str = ""):
        """Start and answer every page until the thanks page."""
        self.start(lang, query)
        for _ in range(max_steps):
            if self.current_action() is None:
                break
            self.submit_current()
        return self.html
