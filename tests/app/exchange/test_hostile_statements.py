"""Hostile statement texts through the argument exchange (issue 21, "How it must be tested").

The XSS corpus through writing, the queue, cards and the export is covered
in test_writing.py, test_moderation.py, test_cards.py and
test_export_exchange.py. This module adds the rest: bidi controls (shown
only inside an element that isolates them, ``dir="auto"``, so they cannot
reorder the page around the statement), formula prefixes in the
spreadsheet files (escaped by ``analysis.contract.escape_formula``), a
10,000-character text and a NUL character at writing (refused with a clear
message, nothing stored), and the XSS corpus through the analysis report's
exchange section.
"""

from __future__ import annotations

import csv
import re
from html import escape as html_escape

from markupsafe import escape
from openpyxl import load_workbook
from sqlalchemy import select

from analysis import contract, load_export, write_demo_export
from analysis.pipeline import analyse_export
from analysis.report import render_report
from app.exchange import moderation
from app.export.writer import write_export
from app.extensions import db
from app.models import Answer, Campaign, Statement
from tests.app.exchange.test_cards import approve, only, to_first_card
from tests.app.exchange.test_moderation import add_statements
from tests.app.exchange.test_writing import statements, walk_to_write
from tests.security.test_xss_corpus import PAYLOADS, assert_inert

TEXT = "Trees cost little, and the shade would make the square usable in July."
#: Right-to-left override, left-to-right isolate, right-to-left embedding, and their ends.
BIDI = "\u202eevil\u202c \u2066and\u2069 \u202bmore\u202c "


def reflection_answers(app):
    with app.app_context():
        return db.session.scalars(select(Answer.text).where(Answer.item == "reflection")).all()


def assert_isolated(html: str, text: str, where: str) -> None:
    """Every bidi control of the page sits in ``text`` shown inside a ``dir="auto"`` element."""
    shown = re.findall(r'<(blockquote|span)\b[^>]*\bdir="auto"[^>]*>' + re.escape(str(escape(text)))
                       + r"</\1>", html)
    assert shown, f"{where}: the statement is not shown inside a dir=auto element"
    assert html.count("\u202e") == len(shown), f"{where}: a bidi control outside the statement"


def test_bidi_controls_are_stored_as_written_and_shown_isolated(app, client, exchange_campaign,
                                                                exchange_survey, make_user,
                                                                login):
    exchange_campaign(**only("trees_peers"))
    writer = walk_to_write(client, exchange_survey)
    text = BIDI + TEXT
    writer.submit("page:write", {"q_reflection": text})
    [row] = statements(app)
    assert row.text == text  # the author's text, unchanged

    writer.get("exchange/statement")
    assert_isolated(writer.html, text, "the author's statement page")

    make_user("manager@example.org", role="manager", campaigns=["debate"])
    manager = app.test_client()
    assert login(manager, "manager@example.org").status_code == 302
    queue = manager.get("/admin/campaign/debate/moderation").get_data(as_text=True)
    assert_isolated(queue, text, "the moderation queue")

    with app.app_context():
        sid = db.session.scalar(select(Statement.id).where(Statement.participant_id.is_not(None)))
    approve(app, [sid])
    rater = to_first_card(app.test_client(), exchange_survey)
    seen = []
    while (rater.current_page() or "").startswith("card:"):
        if "\u202e" in rater.html:
            assert_isolated(rater.html, text, rater.current_page())
            seen.append(rater.current_page())
        rater.submit_current()
    assert len(seen) == 1, seen  # the statement was dealt, once


FORMULAS = [
    "=HYPERLINK(\"http://evil.example\",\"click\") for the market",
    "+1+cmd|' /C calc'!A0 market stalls pay for themselves",
    "-2+3+cmd|' /C calc'!A0 the market brings people",
    "@SUM(1+1)*cmd|' /C calc'!A0 a market on Saturdays",
    "\t=1+1 a tab first, then a formula",
    "\r=1+1 a carriage return first",
    "'=1+1 typed with its own apostrophe",
    "\uff1dSUM(A1) a fullwidth equals sign",
]


def test_formula_prefixes_are_escaped_in_statements_csv_and_read_back_as_typed(app, tmp_path,
                                                                               exchange_campaign):
    exchange_campaign(**only("trees_peers"))
    ids = add_statements(app, "debate", FORMULAS)
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        for sid in ids:
            moderation.decide(db.session, campaign, sid, "approve", None, None, role="owner")
        db.session.commit()
        for fmt in ("csv", "xlsx"):
            write_export(db.session, campaign, tmp_path / fmt, fmt=fmt)
    for fmt in ("csv", "xlsx"):
        with (tmp_path / fmt / contract.STATEMENTS_FILE).open(encoding="utf-8", newline="") as f:
            cells = {int(r["statement"]): r["text"] for r in csv.DictReader(f)}
        for sid, typed in zip(ids, FORMULAS, strict=True):
            assert cells[sid] == "'" + typed, (fmt, typed)  # one apostrophe: shown as text
            assert contract.unescape_formula(cells[sid]) == typed
    loaded = load_export(tmp_path / "csv").exchange["statements"].set_index("statement")
    assert [loaded.loc[sid, "text"] for sid in ids] == FORMULAS


def test_a_formula_written_by_a_participant_is_escaped_in_every_spreadsheet_file(
        app, client, exchange_campaign, exchange_survey, tmp_path):
    """A lone carriage return (a form value may hold one) stays inside its cell: Python's csv
    writer with LF line ends left it unquoted, and every reader split the row there."""
    exchange_campaign(**only("trees_peers"))
    typed = '=HYPERLINK("http://evil.example","click") one line\rand another. ' + TEXT
    bot = walk_to_write(client, exchange_survey)
    bot.submit("page:write", {"q_reflection": typed})
    while bot.current_action():  # to the end: a completed participant is in the wide files
        bot.submit_current()
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        for fmt in ("wide", "xlsx"):
            write_export(db.session, campaign, tmp_path / fmt, fmt=fmt)
    folder = tmp_path / "xlsx"
    with (folder / contract.STATEMENTS_FILE).open(encoding="utf-8", newline="") as f:
        [mine] = [r for r in csv.DictReader(f) if r["seed"] == "0" and r["placebo"] == "0"]
    assert mine["text"] == "'" + typed
    with (folder / contract.ANSWERS_FILE).open(encoding="utf-8", newline="") as f:
        [answer] = [r["text"] for r in csv.DictReader(f) if r["item"] == "reflection"]
    assert answer == "'" + typed
    with (tmp_path / "wide" / "wide.csv").open(encoding="utf-8", newline="") as f:
        [row] = list(csv.DictReader(f))
    assert row["post__reflection"] == "'" + typed
    loaded = load_export(tmp_path / "wide")
    assert list(loaded.exchange["statements"].query("seed == 0 and placebo == 0")["text"]) == [
        typed]
    sheet = load_workbook(folder / "wide.xlsx").active
    header = [c.value for c in sheet[1]]
    [cell] = [row[header.index("post__reflection")] for row in sheet.iter_rows(min_row=2)]
    # a string, never a formula; XML reads a CR back as LF (end-of-line normalisation)
    assert (cell.value, cell.data_type) == ("'" + typed.replace("\r", "\n"), "s")


def test_a_10000_character_text_is_refused_with_the_limit_and_nothing_is_stored(
        app, client, exchange_campaign, exchange_survey):
    exchange_campaign()
    bot = walk_to_write(client, exchange_survey)
    long = ("The market would bring people to the square every week. " * 200)[:10_000]
    assert len(long) == 10_000
    response = bot.submit_current({"q_reflection": long})
    assert response.status_code == 400
    assert "Your answer must be 500 characters or fewer." in bot.html
    assert bot.current_page() == "page:write"  # the page again, to shorten it
    assert statements(app) == [] and reflection_answers(app) == []
    bot.submit("page:write", {"q_reflection": long[:500]})  # shortened, it is taken
    assert [r.text for r in statements(app)] == [long[:500].strip()]


def test_a_nul_character_is_refused_with_a_clear_message_on_both_backends(
        app, client, exchange_campaign, exchange_survey):
    exchange_campaign()
    bot = walk_to_write(client, exchange_survey)
    form = bot.html
    response = bot.submit_current({"q_reflection": f"Trees\x00 {TEXT}"})
    assert response.status_code == 400  # not a server error: PostgreSQL cannot store NUL
    assert "Characters not allowed" in bot.html and "Nothing was saved" in bot.html
    assert statements(app) == [] and reflection_answers(app) == []
    bot.html = form  # back, and typed again without it
    bot.submit("page:write", {"q_reflection": TEXT})
    assert [r.text for r in statements(app)] == [TEXT]


def test_the_report_shows_hostile_approved_statements_inert(tmp_path):
    """The XSS corpus in the approved statements of an export, through the report's exchange
    section: every payload shown as text, none as markup."""
    folder = write_demo_export(tmp_path / "export", n_per_arm=60, seed=3)
    path = folder / contract.STATEMENTS_FILE
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for k, row in enumerate(r for r in rows if r["text"]):
        row["text"] = contract.escape_formula(f"{PAYLOADS[k % len(PAYLOADS)]} #{k}")
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    export = load_export(folder)
    html = render_report(analyse_export(export))
    section = html.split('<section id="exchange"', 1)[1].split("</section>", 1)[0]
    assert "most bridging arguments" in section  # statements are listed
    assert_inert(html, "the report")
    shown = [p for p in PAYLOADS if html_escape(p) in section]
    assert len(shown) >= 6, shown  # the payloads reached the section, escaped
    assert "&lt;script&gt;alert(1337)&lt;/script&gt;" in section
