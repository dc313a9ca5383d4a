"""Fixtures for real-browser tests: a live Parley server and Debian's Chromium.

The server is the real app (``create_app``) on a SQLite file of its own,
served by werkzeug in a background thread on 127.0.0.1 with a free port.
The browser is Debian's ``/usr/bin/chromium`` driven by Playwright (its own
browser download is not available here). Without Chromium the tests are
skipped with the reason printed; with ``CI=true`` they fail instead, so CI
can never pass without having run them.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.campaigns.operations import create_campaign, set_status
from app.extensions import db
from surveys import EXAMPLE

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@dataclass
class LiveServer:
    app: object
    url: str

    def campaign(self, slug: str = "town", survey: Path = EXAMPLE, **options) -> str:
        """Create and open a campaign; return its participant URL."""
        with self.app.app_context():
            campaign = create_campaign(
                db.session, slug=slug, survey_folder=survey, actor="test", **options
            )
            set_status(db.session, campaign, "open", "test")
            db.session.commit()
        return f"{self.url}/c/{slug}/"


@pytest.fixture
def live_server(tmp_path) -> Iterator[LiveServer]:
    """The real app on a fresh SQLite file, served over HTTP in a thread."""
    instance = tmp_path / "instance"
    instance.mkdir()
    app = create_app(
        {
            "SECRET_KEY": "browser-test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'parley.sqlite'}",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    app.instance_path = str(instance)
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium, shared by every browser test."""
    if not os.path.exists(CHROMIUM):
        reason = f"{CHROMIUM} is missing: install Debian's chromium package"
        print(reason)
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI=true: browser tests must run)")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser) -> Iterator[Callable]:
    """Factory for pages in fresh contexts (own cookies), closed after the test."""
    contexts = []

    def make(**context_options):
        context = browser.new_context(**context_options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def step_key(page) -> str | None:
    """The step key of the form on the current page, or None (thanks, read-only pages)."""
    form = page.query_selector("form[action*='/step/']")
    if form is None:
        return None
    match = re.search(r"/step/(.+)$", form.get_attribute("action") or "")
    return match.group(1) if match else None


# --- a participant in the browser -------------------------------------------

#: Answers typed into free-text questions.
FREE_TEXT = "Shade would help older people on hot days."


class BrowserParticipant:
    """Walks a campaign in a real page as a person would, and remembers what it answered.

    ``how`` says how answers are given. "keyboard": focus a radio or
    checkbox and press Space, type into inputs, type a rank into a focused
    select, press Enter on the submit button. "pointer": Playwright's
    check, fill, select_option and click, with their actionability checks.
    "script": set the controls' state in the page's DOM and click submit,
    for walks that test what pages say rather than how they are used (it
    needs JavaScript on). ``expected`` maps (phase, module, item) to the
    (value, text) the database must hold.
    """

    def __init__(self, page, url: str, survey, how: str = "keyboard"):
        assert how in ("keyboard", "pointer", "script"), how
        self.page = page
        self.url = url
        self.survey = survey
        self.how = how
        self.expected: dict[tuple[str, str, str], tuple[float | None, str | None]] = {}
        self.modules_seen: list[str] = []

    # -- low-level keyboard or pointer actions --------------------------------

    def tick(self, selector: str) -> None:
        if self.how == "script":
            self.page.eval_on_selector(selector, "e => { e.checked = true }")
            return
        if self.how == "keyboard":
            self.page.focus(selector)
            self.page.keyboard.press("Space")
        else:
            self.page.check(selector)
        assert self.page.is_checked(selector), f"{selector} did not become checked"

    def type_into(self, selector: str, text: str) -> None:
        if self.how == "script":
            self.page.eval_on_selector(selector, "(e, v) => { e.value = v }", text)
            return
        if self.how == "keyboard":
            self.page.focus(selector)
            self.page.keyboard.press("ControlOrMeta+a")
            self.page.keyboard.type(text)
        else:
            self.page.fill(selector, text)
        assert self.page.input_value(selector) == text

    def choose_in_select(self, selector: str, value: str) -> None:
        if self.how == "keyboard":
            self.page.focus(selector)
            self.page.keyboard.type(value)
        elif self.how == "script":
            self.page.eval_on_selector(selector, "(e, v) => { e.value = v }", value)
        else:
            self.page.select_option(selector, value)
        assert self.page.input_value(selector) == value, f"{selector} is not {value}"

    def press_button(self, selector: str) -> None:
        button = self.page.locator(selector)
        with self.page.expect_navigation():
            if self.how == "keyboard":
                button.focus()
                self.page.keyboard.press("Enter")
            else:
                button.click()

    # -- the journey -----------------------------------------------------------

    def open(self, lang: str | None = None) -> None:
        """Open the landing page, switching language with its picker if asked."""
        self.page.goto(self.url)
        if lang is not None:
            # The options are language names in their own scripts; no typeahead.
            self.page.select_option("#lang-select", lang)
            self.press_button(".language-form button[type=submit]")
            assert self.page.locator("html").get_attribute("lang") == lang

    def consent(self) -> None:
        self.tick("#agree")
        self.press_button("form[action$='/start'] button[type=submit]:not([formaction])")

    def step(self) -> str | None:
        return step_key(self.page)

    def answer(self, item, phase: str, module: str) -> None:
        """Answer one item with a value that depends on the phase; record it."""
        widget = item.kind.widget
        base = f"q_{item.id}"
        index = self.modules_seen.index(module) if module else 0
        if widget in ("radios", "scale", "rating_grid"):
            n = len(item.options)
            if item.correct is not None and (phase == "post" or item.kind.role == "attention"):
                option = next(o for o in item.options if o.code == item.correct)
            else:
                position = {"profile": 1, "pre": 1, "module": index, "post": n - 2}[phase]
                option = item.options[min(max(position, 0), n - 1)]
            self.tick(f"#{base}-{option.code}")
            self.expected[(phase, module, item.id)] = (float(option.code), None)
        elif widget == "checkboxes":
            chosen = [item.options[0], item.options[min(2, len(item.options) - 1)]]
            for option in dict.fromkeys(chosen):
                self.tick(f"#{base}-{option.code}")
            ids = [o.id for o in item.options if o in chosen]
            self.expected[(phase, module, item.id)] = (float(len(ids)), "|".join(ids))
        elif widget == "ranking":
            n = len(item.options)
            for option in item.options:  # reverse order: the last option ranked first
                self.choose_in_select(f"#{base}-{option.code}", str(n + 1 - option.code))
            ordered = [o.id for o in reversed(item.options)]
            self.expected[(phase, module, item.id)] = (None, "|".join(ordered))
        elif widget == "number":
            lo, hi = item.kind.limits(item)
            share = {"profile": 0.2, "pre": 0.35, "module": 0.4, "post": 0.72}[phase]
            number = int(lo + (hi - lo) * share) + index
            self.type_into(f"#{base}", str(number))
            self.expected[(phase, module, item.id)] = (float(number), None)
        else:
            text = FREE_TEXT if phase != "module" else f"{FREE_TEXT} ({module})"
            self.type_into(f"#{base}", text)
            self.expected[(phase, module, item.id)] = (None, text)

    def answer_current(self) -> str:
        """Answer every item on the current step and submit it; return its key."""
        key = self.step()
        assert key, f"no step form on {self.page.url}"
        if key.startswith("read:"):
            self.modules_seen.append(key.split(":", 1)[1])
        elif key.startswith(("card:", "pair:")):
            # an exchange arm's statement card or pairwise choice: the first
            # answer when there is a statement to answer ("Continue" when not)
            first = "#fair-1" if key.startswith("card:") else "#chosen-1"
            if self.page.locator(first).count():
                self.tick(first)
        else:
            _, page_id, *rest = key.split(":")
            module = rest[0] if rest else ""
            page_def = self.survey.page(page_id)
            for item_id in page_def.items:
                self.answer(self.survey.items[item_id], page_def.phase, module)
        self.submit()
        return key

    def submit(self) -> None:
        self.press_button("main form[action*='/step/'] button[type=submit]")

    def kind(self) -> str:
        """What kind of page is showing: landing, profile/pre/module/post, read, card, pair or thanks."""
        key = self.step()
        if key is None:
            return "thanks" if "/go" in self.page.url else "other"
        if key.startswith("read:"):
            return "read"
        if key.startswith(("card:", "pair:")):
            return key.split(":")[0]
        return self.survey.page(key.split(":")[1]).phase

    def walk(self, on_page: Callable | None = None, max_steps: int = 60) -> list[str]:
        """From the current step to the thanks page; ``on_page(self)`` runs on each page."""
        keys = []
        for _ in range(max_steps):
            if on_page is not None:
                on_page(self)
            if self.step() is None:
                return keys
            keys.append(self.answer_current())
        raise AssertionError(f"no thanks page after {max_steps} steps: {keys}")

    def stored_answers(self, app) -> dict[tuple[str, str, str], tuple[float | None, str | None]]:
        """Every answer in the database, for the one participant of the campaign."""
        from app.models import Answer, Participant

        with app.app_context():
            participants = db.session.scalars(db.select(Participant)).all()
            assert len(participants) == 1, participants
            rows = db.session.scalars(
                db.select(Answer).where(Answer.participant_id == participants[0].id)
            ).all()
            return {(r.phase, r.module, r.item): (r.value, r.text) for r in rows}


@pytest.fixture
def participant(new_page, live_server) -> Callable[..., BrowserParticipant]:
    """Factory: a BrowserParticipant in a fresh browser context on a new campaign."""
    from surveys import load_survey

    def make(
        survey: Path = EXAMPLE,
        slug: str = "town",
        how: str = "keyboard",
        campaign: dict | None = None,
        **context,
    ):
        url = live_server.campaign(slug, survey, **(campaign or {}))
        return BrowserParticipant(new_page(**context), url, load_survey(survey), how)

    return make
