"""'Prefer not to answer' on Likert items: a declared missing code, not a point of the scale."""

from __future__ import annotations

import shutil

import pytest

from surveys import FLAGSHIP, SurveyError, load_survey
from surveys.item_types import Likert

PREFER_NOT_CODE = Likert.PREFER_NOT_CODE

SENSITIVE = [
    "support_accord", "support_armistice", "support_strength", "deterrence_prevents_war",
    "negotiation_can_last", "russia_kept_out", "buildup_raises_risk",
    "russia_included_long_run", "agreements_will_be_broken", "accession_without_control",
    "guarantee_too_risky", "peace_possible", "accession_after_border", "guarantee_needed",
    "peace_unrealistic",
]


@pytest.fixture(scope="module")
def flagship():
    return load_survey(FLAGSHIP)


@pytest.mark.parametrize("item_id", SENSITIVE)
def test_the_flagships_attitude_items_offer_prefer_not_to_answer(flagship, item_id):
    item = flagship.items[item_id]
    last = item.options[-1]
    assert (last.id, last.code, last.missing) == ("prefer_not", PREFER_NOT_CODE, True)
    assert dict(last.label) == {"en": "Prefer not to answer", "de": "Möchte ich nicht beantworten",
                                "uk": "Не бажаю відповідати", "ru": "Предпочитаю не отвечать"}
    # The scale keeps its points; the codebook declares the code missing.
    assert item.kind.scale(item) == {"min": 1, "max": len(item.settings["anchors"]["en"])}
    entry = item.kind.codebook(item)
    assert {"code": -9, "id": "prefer_not", "label": dict(last.label), "missing": True,
            "fixed": False} in (
        entry["options"])
    assert item.kind.parse(item, ["prefer_not"]).value == -9.0
    assert item.kind.parse(item, ["3"]).value == 3.0


def test_a_point_beyond_the_scale_is_still_refused(flagship):
    from surveys import AnswerError

    item = flagship.items["support_accord"]
    with pytest.raises(AnswerError):
        item.kind.parse(item, [str(len(item.options))])  # 8: one past the 7 points


def test_prefer_not_needs_every_language_and_only_fits_likert(tmp_path):
    folder = tmp_path / "s"
    shutil.copytree(FLAGSHIP, folder)
    toml = (folder / "survey.toml").read_text(encoding="utf-8")
    toml = toml.replace('prefer_not.ru = "Предпочитаю не отвечать"\n', "", 1)
    (folder / "survey.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(SurveyError) as caught:
        load_survey(folder)
    assert any("prefer_not" in str(p) and "ru" in str(p) for p in caught.value.problems)


def test_consents_say_answers_are_locked_and_how_to_withdraw():
    needles = {
        "en": ["cannot be changed", '"Withdraw and delete my answers"', "Prefer not to answer"],
        "de": ["nicht mehr ändern", "„Teilnahme beenden und meine Antworten löschen“",
               "Möchte ich nicht"],
        "uk": ["змінити не можна", "«Відмовитися від участі й видалити мої відповіді»",
               "Не бажаю відповідати"],
        "ru": ["изменить нельзя", "«Отказаться от участия и удалить мои ответы»",
               "Предпочитаю не отвечать"],
    }
    for lang, wanted in needles.items():
        text = " ".join((FLAGSHIP / f"consent.{lang}.md").read_text(encoding="utf-8").split())
        for needle in wanted:
            assert needle in text, (lang, needle)


def test_the_russian_consent_carries_a_safety_note_on_answering_about_the_war():
    text = (FLAGSHIP / "consent.ru.md").read_text(encoding="utf-8")
    assert "## Если вы находитесь в России" in text
    note = " ".join(text.split("## Если вы находитесь в России", 1)[1].split())
    for needle in ("войне", "преследоваться по закону", "не спрашивает вашего имени",
                   "личном", "Предпочитаю не отвечать", "не участвуйте"):
        assert needle in note, needle
