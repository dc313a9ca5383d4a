"""Every registered item type's codebook entry survives the trip through the contract.

The export writer builds the entry from the type; the analysis reads it back
from JSON with ``load_export``'s checks and ``items_table``. Whatever the
analysis needs to know about a type (numeric or text, scale, options,
missing codes, correct answer) must come through that trip, never from the
type's name.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis import contract
from analysis.export import ExportError
from analysis.validate import check_codebook, items_table
from app.export.codebook import build_codebook
from surveys import load_survey
from surveys.item_types import REGISTRY
from tests.samples import sample_survey


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    """A survey asking every registered type's sample item (tests/samples.py)."""
    return load_survey(sample_survey(tmp_path_factory.mktemp("samples") / "survey"))


@pytest.mark.parametrize("type_name", sorted(REGISTRY))
def test_a_types_codebook_entry_is_read_back_with_its_facts(samples, type_name):
    item = next((i for i in samples.items.values() if i.type == type_name), None)
    assert item is not None, f"the sample survey has no {type_name} item to test"
    kind = item.kind
    assert kind.value_coding in (*contract.VALUE_CODINGS, None)
    assert kind.text_coding in (*contract.TEXT_CODINGS, None)
    assert (kind.value_coding, kind.text_coding) != (None, None)

    codebook = json.loads(json.dumps(build_codebook(samples), ensure_ascii=False))
    assert codebook["format_version"] == contract.FORMAT_VERSION
    entry = next(e for e in check_codebook(codebook)["items"] if e["id"] == item.id)
    assert entry["type"] == type_name
    assert {k: entry[k] for k in contract.TYPE_FACT_KEYS} == {
        "value_coding": kind.value_coding, "text_coding": kind.text_coding,
        "missing_codes": [o.code for o in item.options if o.missing], "attitude": kind.attitude,
        "role": kind.role, "straightlining": kind.straightlining,
    }

    row = items_table(codebook).set_index("item").loc[item.id]
    assert row["numeric"] == (kind.value_coding == "quantity")
    for column in ("value_coding", "text_coding"):  # missing (NaN) when the type has none
        stated = getattr(kind, column)
        assert row[column] == stated if stated else pd.isna(row[column])
    assert row["option_ids"] == tuple(o.id for o in item.options)
    assert row["missing_codes"] == tuple(o.code for o in item.options if o.missing)
    scale = kind.scale(item)
    if scale is None:
        assert row[["scale_min", "scale_max"]].isna().all()
    else:
        assert (row["scale_min"], row["scale_max"]) == (scale["min"], scale["max"])
    assert (row["correct"] == item.correct) if item.correct is not None else row[
        "correct"] != row["correct"]  # NaN when there is none
    # the wide table's cell comes from the column the facts name
    assert contract.answer_column(entry) == ("text" if kind.text_coding else "value")


@pytest.mark.parametrize("type_name", sorted(contract.BUILTIN_TYPE_FACTS))
def test_old_codebooks_get_the_facts_the_types_state_today(type_name):
    """Exports before 1.3 are read with a table of the built-in types' facts: it must agree."""
    kind = REGISTRY[type_name]
    assert contract.BUILTIN_TYPE_FACTS[type_name] == {
        "value_coding": kind.value_coding, "text_coding": kind.text_coding,
        "attitude": kind.attitude, "role": kind.role, "straightlining": kind.straightlining,
    }


def test_a_1_4_codebook_gets_role_and_straightlining_from_its_types_or_none():
    """Format 1.4 stated the codings but not ``role`` and ``straightlining`` (1.5)."""
    v14 = {"format_version": "1.4", "items": [
        {"id": "check", "type": "attention", "value_coding": "code", "text_coding": None,
         "correct": 2, "options": [{"code": 1, "id": "a"}, {"code": 2, "id": "b"}]},
        {"id": "agree", "type": "likert", "value_coding": "quantity", "text_coding": None,
         "scale": {"min": 1, "max": 5}},
        {"id": "warmth", "type": "slider", "value_coding": "quantity", "text_coding": None,
         "scale": {"min": 0, "max": 100}},
    ]}
    items = {i["id"]: i for i in check_codebook(v14)["items"]}
    assert (items["check"]["role"], items["check"]["straightlining"]) == ("attention", False)
    assert (items["agree"]["role"], items["agree"]["straightlining"]) == (None, True)
    assert (items["warmth"]["role"], items["warmth"]["straightlining"]) == (None, False)
    table = items_table(v14).set_index("item")
    assert table.loc["check", "role"] == "attention" and table.loc["agree", "straightlining"]


@pytest.mark.parametrize(("edit", "message"), [
    ({"role": "judge"}, "item 'q' has unknown role 'judge'"),
    ({"role": "knowledge", "correct": None}, "item 'q' (role knowledge) needs 'correct'"),
])
def test_a_codebook_with_a_bad_role_is_refused(edit, message):
    item = {"id": "q", "type": "quiz", "value_coding": "code", "text_coding": None,
            "correct": 1, "options": [{"code": 1, "id": "a"}], **edit}
    with pytest.raises(ExportError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_codebook({"format_version": "1.5", "items": [item]})
