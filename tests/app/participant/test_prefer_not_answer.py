"""'Prefer not to answer' end to end: stored as -9, declared missing, left out of analyses."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Answer
from surveys import FLAGSHIP, load_survey
from tests.bots import Bot

SURVEY = load_survey(FLAGSHIP)


def test_prefer_not_to_answer_is_exported_as_a_declared_missing_code(
    app, make_campaign, runner, tmp_path
):
    make_campaign("peace", survey=FLAGSHIP)
    bot = Bot(app.test_client(), "peace", SURVEY,
              overrides={"before_proposals": {"q_support_accord": "prefer_not"}})
    bot.start()
    while bot.current_action() is not None:
        if "/step/page:before_proposals" in bot.current_action():
            assert 'value="prefer_not"' in bot.html and "Prefer not to answer" in bot.html
        bot.submit_current()
    assert "Thank you" in bot.html
    with app.app_context():
        stored = db.session.scalar(select(Answer.value).where(
            Answer.item == "support_accord", Answer.phase == "pre"))
    assert stored == -9
    out = tmp_path / "export"
    assert runner.invoke(args=["export", "peace", str(out)]).exit_code == 0
    from analysis import load_export
    from analysis.tidy import clean_values

    export = load_export(out)
    entry = next(i for i in export.codebook["items"] if i["id"] == "support_accord")
    assert entry["scale"] == {"min": 1, "max": 7}
    assert entry["options"][-1]["code"] == -9 and entry["options"][-1]["missing"] is True
    cleaned = clean_values(export)
    pre = cleaned[(cleaned["item"] == "support_accord") & (cleaned["phase"] == "pre")]
    post = cleaned[(cleaned["item"] == "support_accord") & (cleaned["phase"] == "post")]
    assert pre["value"].isna().all() and post["value"].notna().all()
