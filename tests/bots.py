"""A scripted participant, in the manner of oTree's bots.

A bot walks a campaign through the Flask test client exactly as a browser
without JavaScript would: it reads each page, checks that every field it is
about to submit exists in that page's HTML, and posts the form with the
page's own CSRF token. Answers come from a plan (page id -> answers) or,
for pages the plan does not name, from ``auto_answer`` by item type, with
``overrides`` replacing single fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape

from surveys import Item, Survey

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                     r'name="csrf_token" value="([^"]+)"')  # fmt: skip
ACTION_RE = re.compile(r'<form method="post" action="([^"]*/step/[^"]+)"')
HIDDEN_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def auto_answer(item: Item) -> dict[str, str | list[str]]:
    """A valid answer for any item type, as form fields."""
    name = f"q_{item.id}"
    if item.type == "ranking":
        return {f"{name}__{o.id}": str(rank) for rank, o in enumerate(item.options, start=1)}
    if item.type == "multiple_choice":
        return {name: [item.options[0].id, item.options[-1].id]}
    if item.type == "text":
        return {name: "Because people want different things."}
    if item.type in ("thermometer", "estimate"):
        return {name: "60"}
    if item.type == "number":
        return {name: str(int(item.minimum))}
    if item.type in ("knowledge", "attention"):
        correct = next(o for o in item.options if o.code == item.correct)
        return {name: correct.id}
    return {name: item.options[len(item.options) // 2].id}


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

    def walk(self, lang: str | None = None, max_steps: int = 100, query: str = ""):
        """Start and answer every page until the thanks page."""
        self.start(lang, query)
        for _ in range(max_steps):
            if self.current_action() is None:
                break
            self.submit_current()
        return self.html
