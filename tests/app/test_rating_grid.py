"""The rating grid: rows of Likert statements on one scale, each row an item of its own.

The grid is the proof that a composite type fits the registry: its
definition stands for one item per row (``ItemType.expand``), the page draws
the rows together (``ItemType.group``), and from there each row is saved,
exported in every format, described in the codebook, read by
``load_export``, analysed (shifts) and checked for straight-lining like any
Likert item, on both backends. The survey is built from the types' samples
(tests/samples.py), not from a shipped survey's wording.
"""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from analysis import paired_shifts, pairs, quality_flags
from analysis.pipeline import analyse_export
from analysis.report import render_report
from app.extensions import db
from app.models import Answer as StoredAnswer
from surveys import SurveyError, load_survey
from surveys.item_types import RatingGrid
from tests.bots import Bot, SubmissionMustFail
from tests.exporting import export_every_format
from tests.samples import sample_survey

#: Six statements: enough for the straight-lining rule's default minimum (6 items).
ROWS = [
    {"id": name, "text": {"en": f"The square is {name}.", "de": f"Der Platz ist {name}."},
     **({"reverse": True} if name == "quiet" else {})}
    for name in ("safe", "clean", "quiet", "green", "lively", "open")
]
ROW_IDS = [f"rating_grid_{r['id']}" for r in ROWS]


@pytest.fixture
def grid_survey(tmp_path):
    return sample_survey(tmp_path / "grid", pre_post=["rating_grid", "likert"],
                         extra={"rating_grid": {"rows": ROWS}})


def test_a_grid_definition_stands_for_one_likert_item_per_row(grid_survey):
    survey = load_survey(grid_survey)
    assert "rating_grid" not in survey.items  # the grid itself is asked through its rows
    rows = [survey.items[i] for i in ROW_IDS]
    assert all(isinstance(r.kind, RatingGrid) and r.kind.group(r) == "rating_grid" for r in rows)
    assert [r.text["en"] for r in rows] == [f"The square is {r['id']}." for r in ROWS]
    assert [r.reverse for r in rows] == [False, False, True, False, False, False]
    assert all(r.kind.scale(r) == {"min": 1, "max": 5} and len(r.options) == 5 for r in rows)
    assert rows[0].setting("stem")["en"] == "How far do you agree with each statement?"
    # the page that lists the grid's id asks every row, in order, before and after
    assert survey.page("before").items[:6] == tuple(ROW_IDS)
    assert all(survey.phases_of(i) == ("pre", "post") for i in ROW_IDS)


@pytest.mark.parametrize(("rows", "place", "message"), [
    ([ROWS[0]], "items[1] (rating_grid).rows", "must list at least two rows (id and text each)"),
    ([ROWS[0], ROWS[0]], "items[1] (rating_grid).rows", "duplicate id 'safe'"),
    ([ROWS[0], {"id": "Bad", "text": {"en": "x", "de": "y"}}], "items[1] (rating_grid).rows[1]",
     "'id' must be lowercase letters, digits or _ (got 'Bad')"),
    ([ROWS[0], {"id": "deep"}], "items[1] (rating_grid).rows[1]", "missing 'text'"),
    ([ROWS[0], {**ROWS[1], "colour": "red"}], "items[1] (rating_grid).rows[1]", "unknown key 'colour'"),
    ([ROWS[0], {**ROWS[1], "reverse": "yes"}], "items[1] (rating_grid).rows[1].reverse",
     "must be true or false"),
])
def test_a_bad_grid_definition_is_refused_with_its_place(tmp_path, rows, place, message):
    folder = sample_survey(tmp_path / "bad", pre_post=["rating_grid"],
                           extra={"rating_grid": {"rows": rows}})
    with pytest.raises(SurveyError) as caught:
        load_survey(folder)
    assert any(p.place == place and message in p.message for p in caught.value.problems), [
        str(p) for p in caught.value.problems]


def test_a_row_id_that_clashes_with_an_item_is_refused(tmp_path):
    folder = sample_survey(tmp_path / "clash", pre_post=["rating_grid", "likert"],
                           extra={"likert": {"id": "rating_grid_safe"}})
    toml = (folder / "survey.toml").read_text(encoding="utf-8")
    (folder / "survey.toml").write_text(toml.replace('"likert"]', '"rating_grid_safe"]'),
                                        encoding="utf-8")
    with pytest.raises(SurveyError, match="duplicate id 'rating_grid_safe'"):
        load_survey(folder)


def _walk(app, survey, straight: bool, k: int):
    """One participant; ``straight``: the same point on every row before and after."""
    if straight:
        before = after = {f"q_{i}": "4" for i in [*ROW_IDS, "likert"]}
    else:
        before = {f"q_{i}": str(1 + (j + k) % 5) for j, i in enumerate(ROW_IDS)}
        after = {f"q_{i}": str(1 + (j + k + 1) % 5) for j, i in enumerate(ROW_IDS)}
    bot = Bot(app.test_client(), "grid", survey,
              overrides={"before": before, "after": after})
    bot.start()
    while bot.current_action():
        bot.submit_current()
    return before, after


def test_a_grid_is_saved_exported_read_analysed_and_checked_row_by_row(
        app, runner, make_campaign, grid_survey, tmp_path):
    survey = load_survey(grid_survey)
    make_campaign("grid", survey=grid_survey)

    # the page: one group, one fieldset per row, and a row left empty is named
    bot = Bot(app.test_client(), "grid", survey)
    bot.start()
    bot.submit("page:about")
    html = bot.html
    assert html.count('class="question rating-grid') == 1 and 'role="group"' in html
    assert html.count('<fieldset class="grid-row"') == 6
    for row_id in ROW_IDS:
        assert html.count(f'name="q_{row_id}"') == 5
    answers = {k: v for k, v in bot.answers_for("page:before").items() if k != "q_rating_grid_open"}
    bot.submit("page:before", SubmissionMustFail(answers, "Select an answer"))
    assert 'id="q_rating_grid_open-error"' in bot.html and 'href="#q_rating_grid_open-1"' in bot.html

    # save: eight participants, two of them straight-liners
    expected = {}
    for k in range(8):
        before, after = _walk(app, survey, straight=k < 2, k=k)
        expected[k] = (before, after)
    with app.app_context():
        stored = db.session.execute(
            select(StoredAnswer.item, StoredAnswer.phase, StoredAnswer.value)
            .where(StoredAnswer.item.in_(ROW_IDS))
        ).all()
    assert len(stored) == 8 * 6 * 2
    assert sorted(v for i, ph, v in stored if i == ROW_IDS[0] and ph == "pre") == sorted(
        float(b["q_" + ROW_IDS[0]]) for b, _a in expected.values())

    # every export format, read back by load_export (the wide file alone too)
    exports = export_every_format(runner, "grid", tmp_path)
    for fmt, ex in exports.items():
        rows = ex.answers[ex.answers["item"].isin(ROW_IDS)]
        assert len(rows) == 96, fmt
        assert sorted(rows.loc[(rows["item"] == ROW_IDS[2]) & (rows["phase"] == "post"),
                               "value"]) == sorted(
            float(a["q_" + ROW_IDS[2]]) for _b, a in expected.values()), fmt
    wide = (tmp_path / "export-wide" / "wide.csv").read_text(encoding="utf-8")
    assert all(f"pre__{i}" in wide and f"post__{i}" in wide for i in ROW_IDS)

    # the codebook: a Likert-like item per row, with the grid it belongs to
    codebook = json.loads((tmp_path / "export-csv" / "codebook.json").read_text())
    entries = {i["id"]: i for i in codebook["items"]}
    for j, row_id in enumerate(ROW_IDS):
        e = entries[row_id]
        assert e["type"] == "rating_grid" and e["value_coding"] == "quantity"
        assert e["straightlining"] is True and e["attitude"] is True and e["role"] is None
        assert e["scale"] == {"min": 1, "max": 5} and e["reverse"] == (j == 2)
        assert e["grid"] == {"id": "rating_grid", "row": ROWS[j]["id"], "hint": None, "text": {
            "en": "How far do you agree with each statement?",
            "de": "Wie sehr stimmen Sie jeder Aussage zu?"}}
        assert e["text"]["de"] == f"Der Platz ist {ROWS[j]['id']}."

    # load_export and the shifts: each row paired before/after like a Likert item
    ex = exports["csv"]
    table = ex.items.set_index("item")
    assert table.loc[ROW_IDS, "numeric"].all() and table.loc[ROW_IDS, "straightlining"].all()
    shifts = paired_shifts(pairs(ex))
    for row_id in ROW_IDS:
        s = shifts[shifts["item"] == row_id]
        want = [float(a["q_" + row_id]) - float(b["q_" + row_id]) for b, a in expected.values()]
        assert s["n"].sum() == 8
        assert (s["shift"] * s["n"]).sum() / 8 == pytest.approx(sum(want) / 8)

    # straight-lining: the two participants who gave every row the same point
    flags = quality_flags(ex)
    assert int(flags["straightliner"].sum()) == 2
    res = analyse_export(ex, n_boot=200, exclusions=("straightliner",))
    assert int(res.tables["flags"]["straightliner"].sum()) == 2
    assert set(ROW_IDS) <= set(res.tables["shifts"]["item"])
    html = render_report(res)
    assert re.search(r"excluded: straight-liners: n = 2\b", html)
    assert all(row_id in html for row_id in ROW_IDS)
