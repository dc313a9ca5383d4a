"""A shuffled page in the journey (issue 22): shown in the participant's order, stored, exported.

On both backends: each participant's page shows the items and options in
the order ``surveys.display_order`` gives for the campaign's seed and their
public id (never another participant's order from a page cache), a page
sent back with an error keeps it, the order is stored once with the page's
answers (a double submit stores nothing more), it is exported long
(display_order.csv) and wide (``<column>__position`` / ``__order``), read back
by ``load_export`` (every format) and split by ``analysis.by_position``, and
a withdrawal deletes it.
"""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import select

from analysis import by_position, load_export
from app.extensions import db
from app.models import Campaign, DisplayOrder, Participant
from app.participant.operations import withdraw
from surveys import load_survey
from surveys.display_order import display_for
from tests.bots import Bot, SubmissionMustFail
from tests.exporting import export_every_format
from tests.samples import sample_survey

OPTIONS = [
    {"id": "five", "label": {"en": "Five", "de": "Fünf"}},
    {"id": "ten", "label": {"en": "Ten", "de": "Zehn"}},
    {"id": "other", "label": {"en": "Other", "de": "Andere"}},
    {"id": "dont_know", "label": {"en": "Don't know", "de": "Weiß nicht"}, "missing": True,
     "fixed": True},
]


@pytest.fixture
def folder(tmp_path):
    folder = sample_survey(tmp_path / "shuffled",
                           pre_post=["ranking", "knowledge", "likert", "number"],
                           extra={"ranking": {"shuffle_options": True},
                                  "knowledge": {"shuffle_options": True, "options": OPTIONS}})
    toml = folder / "survey.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'id = "before"\n', 'id = "before"\nshuffle_items = true\n', 1), encoding="utf-8")
    return folder


def _seed_and_id(app, slug: str) -> tuple[str, str]:
    """The campaign's seed and the public id of its newest participant."""
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
        public_id = db.session.scalar(select(Participant.public_id)
                                      .order_by(Participant.id.desc()).limit(1))
        return campaign.seed, public_id


def _shown(html: str, survey, page_id: str) -> tuple[list[str], dict[str, list[str]]]:
    """Item ids in the order the page's HTML shows them, and shuffled items' option ids."""
    page = survey.page(page_id)
    items = sorted(page.items, key=lambda i: html.index(f'name="q_{i}'))
    options = {}
    for i in ("ranking", "knowledge"):
        item = survey.items[i]
        mark = (lambda o, i=i: f'name="q_{i}__{o.id}"') if i == "ranking" else (
            lambda o, i=i: f'name="q_{i}" value="{o.id}"')
        options[i] = sorted((o.id for o in item.options),
                            key=lambda oid, m=mark, it=item: html.index(m(it.option(oid))))
    return items, options


def _start(app, slug, survey):
    bot = Bot(app.test_client(), slug, survey)
    bot.start()
    bot.submit("page:about")
    return bot


def test_each_participant_sees_and_stores_their_own_order(app, make_campaign, folder):
    survey = load_survey(folder)
    make_campaign("shuffled", survey=folder)
    seen = []
    for _ in range(6):
        bot = _start(app, "shuffled", survey)
        seed, public_id = _seed_and_id(app, "shuffled")
        expected = display_for(survey.page("before"), survey.items, seed, public_id)
        for _view in range(2):  # the second view would come from a page cache if any served it
            bot.get()
            items, options = _shown(bot.html, survey, "before")
            assert items == list(expected.items)
            assert options == {k: list(v) for k, v in expected.options.items()}
            assert options["knowledge"][-1] == "dont_know"  # fixed: stays last
        seen.append((bot, public_id, expected))
    assert len({e.items for _b, _p, e in seen}) > 1, "six participants, one order: not shuffled"

    # a page sent back with an error keeps the participant's order
    bot, public_id, expected = seen[0]
    answers = {k: v for k, v in bot.answers_for("page:before").items() if k != "q_number"}
    bot.submit("page:before", SubmissionMustFail(answers))
    assert _shown(bot.html, survey, "before")[0] == list(expected.items)

    bot.submit("page:before")
    resend = bot.client.post("/c/shuffled/step/page:before",
                             data={"csrf_token": bot.csrf(), **bot.answers_for("page:before")})
    assert resend.status_code in (302, 303)  # already saved: nothing stored twice
    with app.app_context():
        rows = db.session.execute(
            select(DisplayOrder.item, DisplayOrder.position, DisplayOrder.options,
                   DisplayOrder.phase, DisplayOrder.page)
            .join(Participant, Participant.id == DisplayOrder.participant_id)
            .where(Participant.public_id == public_id).order_by(DisplayOrder.position)
        ).all()
    assert [(r.item, r.position) for r in rows] == [
        (i, k) for k, i in enumerate(expected.items, 1)]
    assert {r.item: r.options for r in rows if r.options} == {
        k: "|".join(v) for k, v in expected.options.items()}
    assert {(r.phase, r.page) for r in rows} == {("pre", "before")}


def test_the_order_is_exported_long_and_wide_and_split_by_position(
        app, runner, make_campaign, folder, tmp_path):
    survey = load_survey(folder)
    make_campaign("shuffled", survey=folder)
    orders = {}
    for _ in range(4):
        bot = Bot(app.test_client(), "shuffled", survey)
        bot.walk()
        seed, public_id = _seed_and_id(app, "shuffled")
        orders[public_id] = (display_for(survey.page("before"), survey.items, seed, public_id),
                             display_for(survey.page("after"), survey.items, seed, public_id))
    exports = export_every_format(runner, "shuffled", tmp_path)

    with (tmp_path / "export-csv" / "display_order.csv").open(encoding="utf-8") as f:
        long = list(csv.DictReader(f))
    assert list(long[0]) == ["participant_id", "phase", "module", "page", "item", "position",
                             "options"]
    for public_id, (before, after) in orders.items():
        mine = [r for r in long if r["participant_id"] == public_id]
        pre = [r for r in mine if r["phase"] == "pre"]
        assert [r["item"] for r in pre] == list(before.items)
        assert [int(r["position"]) for r in pre] == list(range(1, len(before.items) + 1))
        post = {r["item"]: r for r in mine if r["phase"] == "post"}
        # the after page's items are not shuffled: only the shuffled options are recorded
        assert list(post) == ["ranking", "knowledge"]
        assert post["ranking"]["options"] == "|".join(after.options["ranking"])
        assert int(post["ranking"]["position"]) == after.position("ranking")

    with (tmp_path / "export-wide" / "wide.csv").open(encoding="utf-8") as f:
        rows = {r["participant_id"]: r for r in csv.DictReader(f)}
    for public_id, (before, _after) in orders.items():
        assert rows[public_id]["pre__ranking__order"] == "|".join(before.options["ranking"])
        assert rows[public_id]["pre__knowledge__position"] == str(before.position("knowledge"))
        assert rows[public_id]["pre__likert__position"] == str(before.position("likert"))
        assert "post__ranking__position" not in rows[public_id]  # the after page: no shuffle
        assert rows[public_id]["post__ranking__order"] == "|".join(_after.options["ranking"])

    for fmt, export in exports.items():
        # answers read back alike from every format (the order columns are not answers)
        assert len(export.answers) == len(exports["csv"].answers), fmt
        if "(wide alone)" not in fmt:
            assert export.display_order is not None and len(export.display_order) == len(long)

    table = by_position(load_export(tmp_path / "export-csv"), "ranking", "park", phase="pre")
    assert list(table.columns) == ["position", "n", "chosen", "share", "mean_rank"]
    assert table["n"].sum() == 4
    # the bot ranks the options in the definition's order, wherever they were
    # shown: "park" is first at every position it was shown in
    assert set(table["position"]) <= {1, 2, 3} and (table["share"] == 1.0).all()
    assert (table["mean_rank"] == 1.0).all()


def test_a_withdrawal_deletes_the_stored_order(app, make_campaign, folder):
    survey = load_survey(folder)
    make_campaign("shuffled", survey=folder)
    bot = _start(app, "shuffled", survey)
    bot.submit("page:before")
    _seed, public_id = _seed_and_id(app, "shuffled")
    with app.app_context():
        participant = db.session.scalar(select(Participant)
                                        .where(Participant.public_id == public_id))
        count = select(DisplayOrder.id).where(DisplayOrder.participant_id == participant.id)
        assert len(db.session.scalars(count).all()) == 4
        withdraw(db.session, participant)
        db.session.commit()
        assert db.session.scalars(count).all() == []
