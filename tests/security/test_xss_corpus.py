"""An XSS payload corpus through every text field, into every page, export and the report.

Payloads go in wherever text enters Parley: a hostile survey author (titles,
question and option texts, hints, Markdown briefings and consent), a
campaign title, a participant's free text and every value echoed back on a
form error (numbers, resume code, sign-in email), and URLs. Every page a
participant or an administrator can reach, the report, and every export
format are then checked: no payload becomes markup that runs (a script
element, an event-handler attribute, a ``javascript:`` URL, an embedded
frame or object), and the exports hold the payload text exactly.
"""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser

import pandas as pd
import pyreadstat
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from analysis import load_export
from analysis.contract import unescape_formula
from app.extensions import db
from app.models import Campaign
from surveys import EXAMPLE, load_survey
from tests.bots import Bot
from tests.exporting import EVERYTHING

#: Every payload carries the marker 1337, so a hit is ours, not the page's own markup.
PAYLOADS = [
    "<script>alert(1337)</script>",
    '"><img src=x onerror=alert(1337)>',
    "'><svg onload=alert(1337)>",
    "javascript:alert(1337)",
    '<a href="javascript:alert(1337)">x1337</a>',
    "</textarea><script>alert(1337)</script>",
    "</title><script>alert(1337)</script>",
    '<iframe src="javascript:alert(1337)"></iframe>',
    "<object data=x1337></object><embed src=x1337>",
    "{{ 1337 * 1337 }}{% raw %}",
    '<details open ontoggle="alert(1337)">',
    "\u202e<script>alert(1337)</script>",
]
MARK = "1337"


class ActiveMarkup(HTMLParser):
    """Collects any element or attribute carrying the marker that a browser would run."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hits: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._in_script = tag == "script"
        for name, value in attrs:
            value = value or ""
            if MARK in value and (name.startswith("on") or name == "srcdoc"
                                  or value.strip().lower().startswith("javascript:")):
                self.hits.append(f"<{tag} {name}={value!r}>")
            if name.startswith("on") and "alert" in value:
                self.hits.append(f"<{tag} {name}={value!r}>")
        if tag in ("iframe", "object", "embed") and any(MARK in (v or "") for _, v in attrs):
            self.hits.append(f"<{tag}>")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and MARK in data:
            self.hits.append(f"<script>{data[:60]}")


def assert_inert(html: str, where: str) -> None:
    parser = ActiveMarkup()
    parser.feed(html)
    assert not parser.hits, f"{where}: payload became active markup: {parser.hits[:3]}"
    assert "<script>alert(1337)" not in html, where
    assert str(1337 * 1337) not in html, f"{where}: template syntax was evaluated"


def hostile_survey(tmp_path):
    """The example survey with a payload in every text an author writes."""
    folder = tmp_path / "hostile"
    shutil.copytree(EXAMPLE, folder)
    toml = folder / "survey.toml"
    text = toml.read_text(encoding="utf-8")
    counter = iter(range(10_000))

    def inject(match):
        payload = PAYLOADS[next(counter) % len(PAYLOADS)]
        return match.group(1) + json.dumps(payload)[1:-1] + " "

    text = re.sub(r'(\b(?:title|text|label|hint|summary|intro)\.(?:en|de) = ")', inject, text)
    toml.write_text(text, encoding="utf-8")
    for md in folder.rglob("*.md"):
        md.write_text(md.read_text(encoding="utf-8") + "\n\n" + "\n\n".join(PAYLOADS) +
                      "\n\n[x1337](javascript:alert(1337))\n", encoding="utf-8")
    survey = load_survey(folder)  # the hostile survey is valid: texts are data
    return folder, survey


@pytest.mark.slow
def test_payloads_never_become_active_markup_in_pages_exports_or_the_report(
    app, make_campaign, runner, tmp_path, make_user, login
):
    folder, survey = hostile_survey(tmp_path)
    slug = make_campaign(slug="hostile", survey=folder, block_size=8,
                         title=PAYLOADS[0] + " campaign")
    pages: dict[str, str] = {}

    # Participants: every step page, error pages echoing typed values, thanks.
    typed = []
    for k in range(4):
        client = app.test_client()
        free_text = PAYLOADS[k % len(PAYLOADS)] + f" #{k}"
        typed.append(free_text)
        bot = Bot(client, slug, survey, overrides={"after": {"q_reflection": free_text}})
        bot.start()
        pages["landing"] = client.get(f"/c/{slug}/").get_data(as_text=True)
        while bot.current_action():
            key = bot.current_action().split("/step/", 1)[1]
            pages[f"step {key}"] = bot.html
            if key == "page:before":  # a refused page shows what was typed
                bad = bot.post(bot.current_action(), {**bot.answers_for(key),
                                                      "q_warmth_council": PAYLOADS[1]})
                assert bad.status_code == 400
                pages["field error"] = bot.html
            bot.submit_current()
        pages["thanks"] = bot.html
        pages["later"] = client.get(f"/c/{slug}/later").get_data(as_text=True)
        pages["withdraw"] = client.get(f"/c/{slug}/withdraw").get_data(as_text=True)
    resume = Bot(app.test_client(), slug, survey)
    resume.get("resume")
    resume.post(f"/c/{slug}/resume", {"code": PAYLOADS[2]})
    pages["resume error"] = resume.html
    pages["not found"] = app.test_client().get(
        "/c/%22%3E%3Cscript%3Ealert(1337)%3C%2Fscript%3E/").get_data(as_text=True)

    # Administrators: sign-in error, dashboard, campaign, monitor, audit, accounts.
    make_user()
    admin = app.test_client()
    pages["sign-in error"] = login(admin, email=PAYLOADS[1]).get_data(as_text=True)
    assert login(admin).status_code == 302
    for path in ("/admin/", f"/admin/campaign/{slug}", f"/admin/campaign/{slug}/monitor",
                 "/admin/audit", "/admin/accounts"):
        response = admin.get(path)
        if response.status_code == 200:
            pages[path] = response.get_data(as_text=True)
    from tests.app.jobs.test_jobs import ask, last_job, wait_for

    assert ask(admin, slug, f"/admin/campaign/{slug}/report", {}).status_code == 303
    job = wait_for(app, last_job(app))
    pages["report jobs page"] = admin.get(f"/admin/campaign/{slug}/exports").get_data(
        as_text=True)
    if job.status == "done":
        report = admin.get(f"/admin/campaign/{slug}/jobs/{job.id}/download")
        assert report.status_code == 200
        pages["report"] = report.get_data(as_text=True)
        report.close()
    else:  # the report engineer's part; the page still must be inert
        print(f"\nXSS corpus: the report job failed ({job.message}); report not checked")

    for where, html in pages.items():
        assert_inert(html, where)
    print(f"\nXSS corpus: {len(PAYLOADS)} payloads; {len(pages)} pages checked, none active")

    # Exports: the payload text exactly as typed, in every format; Excel holds strings.
    column = "post__reflection"
    out = tmp_path / "csv"
    assert runner.invoke(args=["export", slug, str(out), *EVERYTHING]).exit_code == 0
    loaded = load_export(out)
    assert sorted(loaded.answers.loc[loaded.answers["item"] == "reflection", "text"]) == sorted(
        typed)
    readers = {
        # wide.csv is a spreadsheet file: its text is escaped, the contract reverses it
        "wide": lambda p: pd.read_csv(p / "wide.csv", dtype=str, keep_default_na=False).map(
            unescape_formula),
        "parquet": lambda p: pd.read_parquet(p / "wide.parquet"),
        "sav": lambda p: pyreadstat.read_sav(str(p / "wide.sav"))[0],
        "dta": lambda p: pyreadstat.read_dta(str(p / "wide.dta"))[0],
    }
    for fmt, read in readers.items():
        out = tmp_path / fmt
        assert runner.invoke(args=["export", slug, str(out), "--format", fmt, *EVERYTHING]).exit_code == 0
        assert sorted(read(out)[column]) == sorted(typed), fmt  # "<" never starts a formula
    out = tmp_path / "xlsx"
    assert runner.invoke(args=["export", slug, str(out), "--format", "xlsx", *EVERYTHING]).exit_code == 0
    sheet = load_workbook(out / "wide.xlsx").active
    header = [c.value for c in sheet[1]]
    cells = [row[header.index(column)] for row in sheet.iter_rows(min_row=2)]
    assert sorted(unescape_formula(c.value) for c in cells) == sorted(typed)
    assert {c.data_type for c in cells} == {"s"}
    with app.app_context():
        assert db.session.scalar(select(Campaign.title)).startswith(PAYLOADS[0])
