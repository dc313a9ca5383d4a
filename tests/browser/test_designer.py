"""The campaign designer in Chromium, from a survey zip to a Prolific participant's redirect.

A manager signs in, uploads a survey zip with a mistake and sees the
loader's file, place and problem on the page, uploads the fixed survey,
creates a campaign on it, designs it (Prolific access with a completion
code, a quota), previews it as a test participant, and opens it. A
participant arrives from Prolific with PROLIFIC_PID, completes and gets the
link back to Prolific with the code; the preview run is in no export and
holds no quota place. axe-core checks every designer page on the way.
"""

from __future__ import annotations

import csv

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from app.accounts.passwords import hash_password
from app.export.writer import write_export
from app.extensions import db
from app.models import Campaign, Participant, Quota, User
from surveys import EXAMPLE, load_survey
from tests.browser.conftest import BrowserParticipant
from tests.browser.test_accessibility import AXE_OPTIONS, DANGLING_REFERENCES, readable
from tests.survey_zips import broken_zip, survey_zip

pytestmark = pytest.mark.browser

PROLIFIC = "https://app.prolific.com/submissions/complete?cc=C0MPLETE"


def test_a_manager_designs_previews_and_opens_a_prolific_study(new_page, live_server, tmp_path):
    app, base = live_server.app, live_server.url
    with app.app_context():
        user = User(email="manager@example.org", role="owner",
                    password_hash=hash_password("correct horse battery"))
        db.session.add(user)
        db.session.commit()
    survey = load_survey(EXAMPLE)
    page = new_page()
    axe = Axe()
    checked: dict[str, list] = {}

    def scan(name: str) -> None:
        checked[name] = axe.run(page, options=AXE_OPTIONS).response["violations"]
        dangling = page.evaluate(DANGLING_REFERENCES)
        assert not dangling, f"{name}: references to missing ids: {dangling}"

    page.goto(f"{base}/admin/login")
    page.fill("#email", "manager@example.org")
    page.fill("#password", "correct horse battery")
    page.click("main button[type=submit]")
    page.click("text=Surveys")
    assert page.locator("h1").inner_text() == "Surveys"
    scan("surveys")

    # A zip with a mistake: the loader's file, place and problem on the page.
    page.set_input_files("#archive", files=[{"name": "town.zip", "mimeType": "application/zip",
                                              "buffer": broken_zip()}])
    page.click("form[action$='/surveys/upload'] button[type=submit]")
    summary = page.locator(".error-summary")
    assert "The survey has 1 problem(s)" in summary.inner_text()
    row = summary.locator("tbody tr").first.inner_text()
    assert "survey.toml" in row and "arms[0].modules" in row and "treez" in row, row
    scan("surveys with the loader's problems")

    # The fixed survey is stored and offered for a new campaign.
    page.set_input_files("#archive", files=[{"name": "town.zip", "mimeType": "application/zip",
                                              "buffer": survey_zip()}])
    page.click("form[action$='/surveys/upload'] button[type=submit]")
    assert "was checked and stored" in page.locator(".notice").inner_text()
    page.click(f"a[href*='uploaded'][href*='example-{survey.version[:16]}']")
    scan("new campaign")
    page.click("main button[type=submit]")  # no link name yet
    assert page.locator(".error-summary").count() == 1
    scan("new campaign with an error")
    page.fill("#slug", "study")
    page.click("main button[type=submit]")
    assert page.locator("h1").inner_text().startswith("Design:")
    scan("design of a draft")

    # Design: Prolific access, a completion code, a quota; first with a mistake.
    page.select_option("#access", "prolific")
    page.fill("#quota_0_name", "middle")
    page.fill("#quota_0_cap", "5")
    page.select_option("#quota_0_c1", "age_band=from_30_to_59")
    page.fill("#block_size", "7")
    page.click("form.design-form button[type=submit]")
    assert page.locator(".error-summary").count() == 1
    assert "multiple of the arm weights" in page.locator(".error-summary").inner_text()
    scan("design with an error")
    page.fill("#block_size", "8")
    page.fill("#code_completed", "C0MPLETE")
    page.click("form.design-form button[type=submit]")
    assert "Design saved." in page.locator(".notice").inner_text()
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == "study"))
        assert campaign.access == "prolific" and campaign.block_size == 8
        assert campaign.quotas == [{"name": "middle", "cap": 5,
                                    "conditions": {"age_band": "from_30_to_59"}}]

    # Preview as a tester, in an arm and language of the manager's choice.
    page.select_option("#arm", "market")
    page.select_option("#language", "de")
    page.click("form[action$='/preview'] button[type=submit]")
    assert "Testmodus" in page.inner_text("main") or "Testmodus" in page.inner_text("body")
    tester = BrowserParticipant(page, f"{base}/c/study/", survey, how="pointer")
    # The preview starts at the consent page, as a participant does (issue 19).
    assert page.locator("#agree").count() == 1
    tester.consent()
    tester.walk()
    assert tester.modules_seen == ["market"]

    # Open it: the design page then says the design is pinned.
    page.goto(f"{base}/admin/campaign/study")
    page.select_option("#status", "open")
    page.click("form[action$='/status'] button[type=submit]")
    page.goto(f"{base}/admin/campaign/study/design")
    assert "design is pinned" in page.inner_text("main")
    # A summary and the settings that may still change (issue 19, 4), no pinned inputs.
    assert page.locator("#seed").count() == 0
    assert page.locator("form.design-form button[type=submit]").inner_text() == "Save settings"
    assert "Test participants in this campaign: 1." in page.inner_text("main")
    scan("design of an open campaign")
    page.click("text=Invite codes: make, download, revoke")
    assert "does not use invite codes" in page.inner_text("main")
    scan("invite codes")

    # A participant arrives from Prolific, completes, and gets the link back.
    visitor = new_page()
    visitor.goto(f"{base}/c/study/?PROLIFIC_PID=5f0c1a2b3c&STUDY_ID=s1&SESSION_ID=x9")
    visitor.check("#agree")
    visitor.click("form[action$='/start'] button[type=submit]:not([formaction])")
    person = BrowserParticipant(visitor, f"{base}/c/study/", survey, how="pointer")
    person.walk()
    assert "C0MPLETE" in visitor.inner_text("main")
    assert visitor.locator(f"a[href='{PROLIFIC}']").count() == 1

    # The test response is in no export and took no quota place.
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == "study"))
        people = db.session.scalars(select(Participant).order_by(Participant.id)).all()
        assert [(p.is_test, p.status) for p in people] == [(True, "completed"),
                                                          (False, "completed")]
        quota = db.session.scalar(select(Quota).where(Quota.campaign_id == campaign.id))
        assert (quota.name, quota.used) == ("middle", 1)
        write_export(db.session, campaign, tmp_path / "export")
    with (tmp_path / "export" / "participants.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["participant_id"] for r in rows] == [people[1].public_id]
    with (tmp_path / "export" / "answers.csv").open(encoding="utf-8") as f:
        assert {r["participant_id"] for r in csv.DictReader(f)} == {people[1].public_id}

    assert len(checked) == 8, sorted(checked)
    failures = [readable(name, v) for name, v in checked.items() if v]
    assert not failures, "axe-core found WCAG 2.2 AA violations:\n" + "\n".join(failures)
