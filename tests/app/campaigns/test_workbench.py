"""The survey workbench: any known survey paged through in any language and arm, nothing written.

Permissions are in tests/app/accounts/test_permissions.py (designers only).
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import Answer, AuditEvent, Campaign, PageVisit, Participant
from app.participant.workbench import workbench_steps
from surveys import EXAMPLE, load_survey
from tests.app.campaigns.test_survey_uploads import upload
from tests.survey_images import folder_zip, survey_with_chart

BASE = "/admin/workbench/shipped/example"


def counts(app) -> dict[str, int]:
    with app.app_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Participant, Answer, PageVisit, Campaign)}


def test_every_step_of_every_arm_in_every_language_and_nothing_is_written(app, admin):
    survey = load_survey(EXAMPLE)
    before = counts(app)
    for lang in survey.languages:
        for arm in survey.arms:
            first = admin.get(f"{BASE}?lang={lang}&arm={arm.id}")
            assert first.status_code == 200
            total = int(re.search(r"1 / (\d+):", first.get_data(as_text=True)).group(1))
            for n in range(total):
                response = admin.get(f"{BASE}?lang={lang}&arm={arm.id}&step={n}")
                assert response.status_code == 200, (lang, arm.id, n)
                html = response.get_data(as_text=True)
                assert 'method="post"' not in html.split("<main", 1)[1].split("</main>")[0]
    assert counts(app) == before
    with app.app_context():
        assert db.session.scalars(select(AuditEvent.action)).all() == ["account.login"]


def test_a_page_shows_its_questions_and_the_codebook_beside_them(admin):
    html = admin.get(f"{BASE}?lang=de&arm=both&step=1").get_data(as_text=True)
    assert "page:about" in html
    assert 'lang="de"' in html
    assert "Über Sie" in html  # the page's title in German
    assert 'id="q_age_band-1"' in html  # the question as the participant gets it
    assert "Unter 30" in html
    # The codebook: ids, types, phases, codes (with the label in the language), missing codes.
    codebook = html.split('id="wb-codebook"', 1)[1]
    assert "<code>age_band</code>" in codebook and "single_choice (screening)" in codebook
    assert "<code>4</code> <code>no_say</code> Keine Angabe (" in codebook
    assert "<code>transport</code>" in codebook and "profile" in codebook


def test_a_briefing_and_the_consent_in_another_arm(admin):
    survey = load_survey(EXAMPLE)
    steps = [s.key for s in workbench_steps(survey, "market")]
    read = steps.index("read:market")
    html = admin.get(f"{BASE}?lang=en&arm=market&step={read}").get_data(as_text=True)
    assert survey.module("market").title["en"] in html
    assert "No questions on this step." in html
    consent = admin.get(f"{BASE}?lang=de&arm=market").get_data(as_text=True)
    assert survey.consent["de"].split("\n")[0][:40] in consent


def test_unknown_choices_fall_back_and_an_unknown_survey_is_404(admin):
    html = admin.get(f"{BASE}?lang=xx&arm=nope&step=999").get_data(as_text=True)
    assert "1 / " in html and 'lang="en"' in html
    assert admin.get("/admin/workbench/shipped/nothing").status_code == 404
    assert admin.get("/admin/workbench/elsewhere/example").status_code == 404
    assert admin.get("/admin/workbench/shipped/..%2F..%2Fetc").status_code == 404


def test_a_just_uploaded_zip_with_an_image_is_paged_through(tmp_path, admin):
    folder = survey_with_chart(tmp_path)
    assert upload(admin, folder_zip(folder)).status_code == 303
    version = load_survey(folder).version
    surveys = admin.get("/admin/surveys").get_data(as_text=True)
    link = f"/admin/workbench/uploaded/example-{version[:16]}"
    assert f'href="{link}"' in surveys
    steps = admin.get(f"{link}?arm=trees&step=3").get_data(as_text=True)
    assert "read:trees" in steps
    url = re.search(r'<img src="(/images/[0-9a-f]{64}/chart\.png)"', steps).group(1)
    assert version in url
    # No campaign uses the survey: its image is served to designers only, cached privately.
    response = admin.get(url)
    response.close()
    assert response.status_code == 200 and "private" in response.headers["Cache-Control"]
    anonymous = admin.application.test_client()
    response = anonymous.get(url)
    response.close()
    assert response.status_code == 404
