"""Adding a question type touches one file: the proof.

This module is that one file. It defines a 0-100 ``slider`` type (a
``<input type="range">`` plus a number box) and its widget template, and
nothing else in the code base knows the name "slider". The test then runs
the type through everything: the definition, page rendering, submit,
storage, every export format, the codebook, ``load_export``, the shifts
table and the HTML report.

In the real code base the class goes in a module of ``surveys/item_types/`` and the
template in ``app/templates/participant/widgets/slider.html``; here the
template is handed to the app's Jinja loader under that same name.
"""

from __future__ import annotations

import json
from typing import ClassVar

import pandas as pd
import pytest
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import select

from analysis import contract, paired_shifts, pairs
from analysis.pipeline import analyse_export
from analysis.report import render_report
from app.extensions import db
from app.models import Answer as StoredAnswer
from surveys import load_survey
from surveys.item_types import Answer, AnswerError, NumberType, register, unregister
from tests.bots import Bot, SubmissionMustFail
from tests.exporting import export_every_format
from tests.samples import PRE_POST, sample_survey


class Slider(NumberType):
    """A 0-100 slider with a number box beside it; the box wins when both are sent.

    Without JavaScript the two do not follow each other, so the box (if
    filled in) is the answer and the range is used otherwise.
    """

    name = "slider"
    widget = "slider"
    attitude = True
    bounds: ClassVar[tuple[float, float]] = (0.0, 100.0)
    sample = {
        "text": {"en": "How warm do you feel toward the town council? Move the slider or type "
                       "a number.",
                 "de": "Wie warm fühlen Sie sich dem Stadtrat gegenüber? Schieben oder Zahl "
                       "eingeben."},
    }

    def raw_values(self, item, name, getlist):
        box = [v for v in getlist(name) if v.strip()]
        return box or getlist(f"{name}__range")

    def parse(self, item, raw) -> Answer | None:
        if len(raw) > 1:
            raise AnswerError("one_answer")
        return super().parse(item, raw)


SLIDER_WIDGET = """\
{# A 0-100 slider and a number box for the same answer. #}
{% import "participant/widgets/_common.html" as c %}
{% macro render(field, lang) %}
  {{ c.label(field, lang) }}
  <div class="number-row">
    <input type="range" min="0" max="100" step="1" id="{{ field.id }}-range"
      name="{{ field.name }}__range" aria-label="{{ field.label.text }}"
      value="{{ field.submitted() or 50 }}">
    <input class="input-number" type="text" inputmode="decimal" id="{{ field.id }}"
      name="{{ field.name }}" value="{{ field.submitted() }}" autocomplete="off"
      {{ c.describedby(field) }}>
    <span class="unit">{{ field.item.kind.unit(field.item, lang) }}</span>
  </div>
{% endmacro %}
"""

@pytest.fixture
def slider(app, tmp_path):
    """The slider registered, its template known to the app, and a survey that asks it.

    The survey is built from the registered types' samples (tests/samples.py):
    every built-in type plus the slider, asked before and after reading.
    """
    register(Slider)
    app.jinja_env.loader = ChoiceLoader([
        DictLoader({"participant/widgets/slider.html": SLIDER_WIDGET}), app.jinja_env.loader,
    ])
    yield sample_survey(tmp_path / "survey", pre_post=[*PRE_POST, "slider"])
    unregister("slider")


def test_a_slider_defined_in_one_file_goes_through_everything(app, runner, make_campaign,
                                                              slider, tmp_path):
    # definition
    survey = load_survey(slider)
    item = survey.items["slider"]
    assert isinstance(item.kind, Slider) and survey.phases_of("slider") == ("pre", "post")
    make_campaign("town", survey=slider)

    # page rendering, submit (refused and accepted), storage
    afters = [str(60 + 5 * k) for k in range(8)]
    for k, after in enumerate(afters):
        # varied after-answers (the opinion groups need some variance)
        bot = Bot(app.test_client(), "town", survey, overrides={"after": {
            "q_slider": after, "q_likert": str(1 + k % 5),
            "q_thermometer": str(90 - 10 * (k % 4)), "q_estimate": str(20 + 7 * k),
            "q_number": str(k % 8), "q_rating_grid_safe": str(1 + k % 5),
            "q_rating_grid_clean": str(5 - k % 3), "q_rating_grid_busy": str(1 + (k * 3) % 5)}})
        bot.start()
        bot.submit("page:about")
        assert 'type="range"' in bot.html and 'name="q_slider__range"' in bot.html
        assert 'name="q_slider"' in bot.html
        if k == 0:
            answers = bot.answers_for("page:before")
            bot.submit("page:before", SubmissionMustFail(
                {**answers, "q_slider": "101"}, "Enter a number from 0 to 100."))
            bot.submit("page:before", SubmissionMustFail(
                {**answers, "q_slider": "warm"}, "Enter a number, like 25."))
        # the box left empty: the range's value counts
        bot.submit("page:before", {**bot.answers_for("page:before"), "q_slider": "",
                                   "q_slider__range": "50"})
        while bot.current_action():
            bot.submit_current()
    with app.app_context():
        stored = db.session.scalars(
            select(StoredAnswer).where(StoredAnswer.item == "slider")
        ).all()
        values = sorted((a.phase, a.value) for a in stored)
    assert values == sorted([("post", float(a)) for a in afters] + [("pre", 50.0)] * 8)

    # every export format
    exports = export_every_format(runner, "town", tmp_path)
    for name, ex in exports.items():  # the wide file alone gives the same answers
        if name.endswith("(wide alone)"):
            slider_rows = ex.answers[ex.answers["item"] == "slider"]
            assert sorted(zip(slider_rows["phase"], slider_rows["value"], strict=True)) == values

    # the codebook carries the type's facts
    folder = tmp_path / "export-csv"
    entry = next(i for i in json.loads((folder / "codebook.json").read_text())["items"]
                 if i["id"] == "slider")
    assert entry["type"] == "slider" and entry["value_coding"] == "quantity"
    assert entry["text_coding"] is None and entry["attitude"] is True
    assert entry["role"] is None and entry["straightlining"] is False
    assert entry["scale"] == {"min": 0.0, "max": 100.0} and entry["options"] == []

    # load_export and the shifts table
    ex = exports["csv"]
    assert ex.codebook["format_version"] == contract.FORMAT_VERSION
    row = ex.items.set_index("item").loc["slider"]
    assert bool(row["numeric"]) and row["scale_max"] == 100.0
    shifts = paired_shifts(pairs(ex))
    s = shifts[shifts["item"] == "slider"]
    assert s["n"].sum() == 8
    mean_shift = sum(float(a) - 50 for a in afters) / 8
    assert (s["shift"] * s["n"]).sum() / 8 == pytest.approx(mean_shift)
    for fmt, other in exports.items():
        slider_rows = other.answers[other.answers["item"] == "slider"]
        assert len(slider_rows) == 16, fmt

    # the report
    res = analyse_export(ex, n_boot=200)
    table = res.tables["shifts"]
    assert "slider" in set(table["item"])
    assert "slider" in set(res.tables["polarisation"]["item"])
    html = render_report(res)
    assert "slider" in html
    assert not pd.isna(table.loc[table["item"] == "slider", "shift"]).any()
