"""The exchange's six files in every export format, read back by the analysis package.

A participant writes (hostile text included), a moderator decides, two
participants rate their cards; the export must hold exactly the contract's
columns, never a rejected or withdrawn text, the author only when asked for,
and every text through the formula escaping.
"""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import select

from analysis import contract, load_export
from app.exchange import moderation
from app.exchange.pools import freeze
from app.export.writer import write_export
from app.extensions import db
from app.models import Campaign, Statement
from tests.app.exchange.test_cards import only, to_first_card
from tests.app.exchange.test_moderation import add_statements

HOSTILE = "=HYPERLINK(\"http://x\")<script>alert(1337)</script> and trees are shade for all."


def read(path):
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def fielded(app, client, exchange_campaign, exchange_survey):
    exchange_campaign(**only("trees_peers"))
    ids = add_statements(app, "debate", [
        HOSTILE, "Rejected: an insult that must never reach an export, not even escaped.",
        "Withdrawn: the author took this back, so its text is gone from everywhere.",
    ])
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        moderation.decide(db.session, campaign, ids[0], "approve", None, None, role="owner")
        moderation.decide(db.session, campaign, ids[1], "reject", "incivility", None,
                          role="owner")
        db.session.get(Statement, ids[2]).status = "withdrawn"
        db.session.get(Statement, ids[2]).text = ""
        db.session.commit()
    for _rater in range(2):
        bot = to_first_card(app.test_client(), exchange_survey)
        for n in (1, 2, 3):
            bot.submit(f"card:{n}", {"fair": "yes", "agree": "agree"})
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        frozen = freeze(db.session, campaign, min_ratings=2)
        db.session.commit()
        return {"ids": ids, "version": frozen.pool_version}


@pytest.mark.parametrize("fmt", list(contract.EXPORT_FORMATS))
def test_every_format_carries_the_exchange_files(app, fielded, tmp_path, fmt):
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        result = write_export(db.session, campaign, tmp_path / "out", fmt=fmt)
    folder = tmp_path / "out"
    if fmt == "zip":
        import zipfile

        zipfile.ZipFile(result.path).extractall(folder)
    for name, columns in contract.EXCHANGE_COLUMNS.items():
        # 1.9: exposures.csv ends with its optional column selection (the app draws at random)
        extra = list(contract.OPTIONAL_EXPOSURE_COLUMNS) if name == "exposures" else []
        with (folder / f"{name}.csv").open(encoding="utf-8") as f:
            assert next(csv.reader(f)) == [*columns, *extra], name
    statements = {int(r["statement"]): r for r in read(folder / "statements.csv")}
    ids = fielded["ids"]
    assert contract.unescape_formula(statements[ids[0]]["text"]) == HOSTILE
    assert statements[ids[0]]["text"].startswith(contract.ESCAPE_MARK)
    assert (statements[ids[1]]["status"], statements[ids[1]]["reason"],
            statements[ids[1]]["text"]) == ("rejected", "incivility", "")
    assert (statements[ids[2]]["status"], statements[ids[2]]["text"]) == ("withdrawn", "")
    assert "author" not in statements[ids[0]]
    assert sum(r["seed"] == "1" for r in statements.values()) == 4  # 2 seeds x 2 languages
    assert sum(r["placebo"] == "1" for r in statements.values()) == 6
    ratings = read(folder / "ratings.csv")
    assert len(ratings) == 6 and {r["fair"] for r in ratings} == {"1"}
    exposures = read(folder / "exposures.csv")
    assert len(exposures) == 6 and {e["arm"] for e in exposures} == {"trees_peers"}
    assert all(0 < float(e["probability"]) <= 1 for e in exposures)
    assert {e["selection"] for e in exposures} == {"random"}
    moderation_rows = read(folder / "moderation.csv")
    assert [(m["decision"], m["reason"], m["moderator_role"]) for m in moderation_rows] == [
        ("approve", "", "owner"), ("reject", "incivility", "owner")]
    frozen = [r for r in read(folder / "frozen_sets.csv")
              if r["pool_version"] == fielded["version"]]
    assert {int(r["statement"]) for r in frozen} == {ids[0], *[
        int(s) for s, r in statements.items() if r["seed"] == "1" and r["language"] == "en"]}
    everything = "".join(p.read_text(encoding="utf-8", errors="replace")
                         for p in folder.glob("*.csv"))
    assert "must never reach an export" not in everything and "took this back" not in everything
    export = load_export(folder)
    assert set(export.exchange) == set(contract.EXCHANGE_COLUMNS)
    assert len(export.exchange["ratings"]) == 6


def test_the_author_only_when_asked_for(app, fielded, tmp_path, runner):
    out = runner.invoke(args=["export", "debate", str(tmp_path / "a"), "--include-authors"])
    assert out.exit_code == 0, out.output
    statements = read(tmp_path / "a" / "statements.csv")
    assert list(statements[0])[-1] == "author"
    authors = {r["author"] for r in statements if r["seed"] == "0" and r["placebo"] == "0"}
    assert authors == {"debate-w0", "debate-w1", "debate-w2"}
    assert {r["author"] for r in statements if r["seed"] == "1"} == {""}
    out = runner.invoke(args=["export", "debate", str(tmp_path / "b")])
    assert "author" not in read(tmp_path / "b" / "statements.csv")[0]


def test_a_campaign_without_an_exchange_writes_none_of_the_files(app, make_campaign, tmp_path):
    make_campaign("plain")
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == "plain"))
        write_export(db.session, campaign, tmp_path / "plain")
    assert not any((tmp_path / "plain" / name).exists() for name in contract.EXCHANGE_FILES)
