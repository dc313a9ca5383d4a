"""Round trip: answers taken through the app, exported by the CLI, analysed by
``analysis``, give the same numbers as SQL run directly on the database."""

from __future__ import annotations

import numpy as np
from sqlalchemy import text

from analysis import load_export, paired_shifts, pairs
from app.extensions import db
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)

DIRECT_SQL = text("""
    SELECT p.arm, AVG(post.value - pre.value) AS shift, COUNT(*) AS n
    FROM answer pre
    JOIN answer post ON post.participant_id = pre.participant_id
        AND post.item = pre.item AND post.phase = 'post'
    JOIN participant p ON p.id = pre.participant_id
    WHERE pre.phase = 'pre' AND pre.item = 'support_trees' AND p.status = 'completed'
    GROUP BY p.arm ORDER BY p.arm
""")


def take_survey(client, slug: str, before: int, after: int, warmth: int) -> None:
    Bot(client, slug, SURVEY, overrides={
        "before": {"q_support_trees": str(before), "q_warmth_council": str(warmth)},
        "after": {"q_support_trees": str(after), "q_warmth_council": str(warmth + 10)},
    }).walk()


def test_an_exported_campaign_analyses_to_the_numbers_in_the_database(app, runner, make_campaign, tmp_path):
    slug = make_campaign(block_size=8)
    rng = np.random.default_rng(7)
    for _ in range(16):
        before = int(rng.integers(1, 6))
        take_survey(app.test_client(), slug, before, int(rng.integers(1, 6)),
                    int(rng.integers(0, 90)))
    out = tmp_path / "export"
    assert runner.invoke(args=["export", slug, str(out)]).exit_code == 0

    export = load_export(out)
    table = pairs(export, ["support_trees", "warmth_council"])
    shifts = paired_shifts(table, n_boot=0).set_index(["item", "arm"])
    with app.app_context():
        direct = db.session.execute(DIRECT_SQL).all()
    assert direct, "the database should hold completed pairs"
    for arm, shift, n in direct:
        row = shifts.loc[("support_trees", arm)]
        assert row["n"] == n
        assert np.isclose(row["shift"], float(shift))
    # The codebook links the estimate item to the item it estimates (format 1.1).
    assert export.items.set_index("item").loc["share_trees", "estimates"] == "support_trees"
    # The thermometer moved by exactly +10 for everyone, in every arm.
    warm = shifts.xs("warmth_council", level="item")
    assert np.allclose(warm["shift"], 10.0) and (warm["share_up"] == 1).all()
    assert int(warm["n"].sum()) == 16
