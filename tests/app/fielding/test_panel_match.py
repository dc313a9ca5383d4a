"""``parley panel match SLUG SUBMISSIONS.csv --out FILE.csv`` (issue 19, fixed interface).

The panel's own file joined with each participant's outcome, status, code and
follow-up status, by hashing each id with the campaign's key; nothing stored.
"""

from __future__ import annotations

import csv
import os
import stat

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Participant
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)
CODES = {"completed": "C-DONE", "screened_out": "C-SCREEN"}
DESIGN = {"access": "prolific",
          "completion": {outcome: {"code": code} for outcome, code in CODES.items()},
          "screening": [{"item": "age_band", "deny": ["under_30"]}]}
DONE, SCREENED, STARTED, STRANGER = ("aaaa1111", "bbbb2222", "cccc3333", "dddd4444")


def _submissions(path, ids) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as f:  # Prolific writes a BOM
        writer = csv.writer(f)
        writer.writerow(["Submission id", "Participant id", "Status"])
        for n, pid in enumerate(ids):
            writer.writerow([f"sub{n}", pid, "AWAITING REVIEW"])


def test_the_panels_rows_come_back_with_each_outcome_and_code(app, runner, make_campaign,
                                                              tmp_path):
    slug = make_campaign(design=DESIGN)
    Bot(app.test_client(), slug, SURVEY).walk(query=f"PROLIFIC_PID={DONE}")
    Bot(app.test_client(), slug, SURVEY, overrides={"about": {"q_age_band": "under_30"}}).walk(
        query=f"PROLIFIC_PID={SCREENED}")
    Bot(app.test_client(), slug, SURVEY).start(query=f"PROLIFIC_PID={STARTED}")
    assert runner.invoke(args=["followup", "open", slug]).exit_code == 0
    submissions, out = tmp_path / "submissions.csv", tmp_path / "bonus.csv"
    _submissions(submissions, [STRANGER, DONE, SCREENED, STARTED])
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Participant))
        audits = db.session.scalar(select(func.count()).select_from(AuditEvent))
    result = runner.invoke(args=["panel", "match", slug, str(submissions), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"3 of 4 rows matched a participant of '{slug}'" in result.output
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["Participant id"] for r in rows] == [STRANGER, DONE, SCREENED, STARTED]
    assert [r["Submission id"] for r in rows] == ["sub0", "sub1", "sub2", "sub3"]
    picked = [(r["parley_found"], r["parley_status"], r["parley_outcome"],
               r["parley_completion_code"], r["parley_followup"], r["parley_bonus"])
              for r in rows]
    assert picked == [
        ("no", "", "", "", "", ""),
        ("yes", "completed", "completed", "C-DONE", "not completed", ""),
        ("yes", "screened_out", "screened_out", "C-SCREEN", "", ""),
        ("yes", "started", "", "", "", ""),
    ]
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600  # it holds the panel's ids
    with app.app_context():  # nothing stored: no one new, no raw id anywhere in a row
        assert db.session.scalar(select(func.count()).select_from(Participant)) == before
        # one audit entry, with the counts and no id
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == audits + 1
        entry = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
        assert (entry.action, entry.detail) == (
            "panel.match", "4 rows of a panel file, 3 matched a participant")
        for p in db.session.scalars(select(Participant)):
            values = [str(getattr(p, c.key)) for c in Participant.__table__.columns]
            assert not any(pid in v for v in values for pid in (DONE, SCREENED, STARTED))


def test_a_file_without_an_id_column_is_refused_with_the_names_looked_for(app, runner,
                                                                          make_campaign,
                                                                          tmp_path):
    slug = make_campaign(design=DESIGN)
    submissions = tmp_path / "s.csv"
    submissions.write_text("who,when\nx,y\n", encoding="utf-8")
    result = runner.invoke(args=["panel", "match", slug, str(submissions), "--out",
                                 str(tmp_path / "o.csv")])
    assert result.exit_code != 0
    assert "no participant id column" in result.output and "Participant id" in result.output
    ok = runner.invoke(args=["panel", "match", slug, str(submissions), "--out",
                             str(tmp_path / "o.csv"), "--id-column", "who"])
    assert ok.exit_code == 0 and "0 of 1 rows matched" in ok.output


def test_the_wide_csv_writes_whole_numbers_as_integers(app, runner, make_campaign, tmp_path):
    """Issue 19, smaller: codes were written as ``1.0``; a whole number is ``1`` now."""
    slug = make_campaign()
    Bot(app.test_client(), slug, SURVEY).walk()
    out = tmp_path / "wide"
    result = runner.invoke(args=["export", slug, str(out), "--format", "wide"])
    assert result.exit_code == 0, result.output
    [wide] = list(out.glob("*wide*.csv"))
    with wide.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    codes = [v for k, v in rows[0].items() if k.startswith("pre__support_trees")]
    assert codes and all(v and "." not in v and int(v) >= 1 for v in codes), codes
    assert not any(v.endswith(".0") for v in rows[0].values())
