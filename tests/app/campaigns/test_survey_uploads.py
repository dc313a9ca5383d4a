"""Surveys uploaded as zips: a good one is stored, a broken one is explained, hostile ones do nothing."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from app.campaigns.uploads import Limits, UploadError, store_survey_zip
from app.extensions import db
from app.models import AuditEvent, Campaign
from surveys import EXAMPLE, SurveyError, load_survey
from tests.survey_zips import broken_zip, hostile_zips, survey_zip

HOSTILE = hostile_zips()


def csrf(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def upload(client, data: bytes, name: str = "survey.zip", token: str | None = None):
    token = csrf(client, "/admin/surveys") if token is None else token
    return client.post(
        "/admin/surveys/upload",
        data={"csrf_token": token, "archive": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def everything_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def test_a_good_zip_is_stored_by_version_and_a_campaign_can_use_it(app, admin):
    response = upload(admin, survey_zip())
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    example = load_survey(EXAMPLE)
    store = Path(app.instance_path) / "surveys"
    folder = store / f"example-{example.version[:16]}"
    # Same files, same content hash: the version the shipped folder has.
    assert load_survey(folder).version == example.version
    assert everything_under(store)[0] == folder.name
    page = admin.get("/admin/surveys").get_data(as_text=True)
    assert f"uploaded:{folder.name}" in page and example.version[:12] in page

    # Uploading it again stores nothing new.
    assert upload(admin, survey_zip(top=None)).status_code == 303
    assert [p.name for p in store.iterdir()] == [folder.name]

    token = csrf(admin, "/admin/campaigns/new")
    response = admin.post("/admin/campaigns/new", data={
        "csrf_token": token, "survey": f"uploaded:{folder.name}", "slug": "uploaded-town",
        "title": ""})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/campaign/uploaded-town/design")
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == "uploaded-town"))
        assert campaign.status == "draft"
        assert campaign.survey_path == f"uploaded:{folder.name}"
        assert campaign.survey_version == example.version
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions == ["account.login", "survey.upload", "survey.upload", "campaign.create"]


def test_a_broken_survey_is_shown_with_file_place_and_problem_and_not_stored(app, admin):
    response = upload(admin, broken_zip(), name="town.zip")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The survey has 1 problem(s)" in html
    assert "<code>survey.toml</code>" in html
    assert "<code>arms[0].modules</code>" in html
    assert "treez" in html
    assert "Nothing was stored" in html and "town.zip" in html
    assert str(app.instance_path) not in html  # no server path leaks into the page
    assert everything_under(Path(app.instance_path) / "surveys") == []


def test_an_upload_without_the_csrf_token_is_refused(app, admin):
    response = upload(admin, survey_zip(), token="")
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert everything_under(Path(app.instance_path) / "surveys") == []


def test_an_analyst_cannot_upload(app, client, make_user, login):
    make_user(email="analyst@example.org", role="analyst")
    login(client, email="analyst@example.org")
    assert upload(client, survey_zip()).status_code == 403
    assert everything_under(Path(app.instance_path) / "surveys") == []


def test_a_zip_over_the_size_limit_is_refused_on_the_page(app, admin):
    app.config["PARLEY_SURVEY_UPLOAD_LIMITS"] = {"zip_bytes": 4096}
    response = upload(admin, survey_zip() + b"\0" * 200_000)
    assert response.status_code == 400
    assert "larger than 4096 bytes" in response.get_data(as_text=True)
    assert everything_under(Path(app.instance_path) / "surveys") == []


def test_a_zip_larger_than_the_global_request_limit_reaches_the_check(app, admin):
    """The global MAX_CONTENT_LENGTH (256 KB) no longer refuses a survey zip under its
    own limit (8 MB) before the view runs (the edge check parsed every form under it)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(survey_zip())) as src, zipfile.ZipFile(buf, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name))
        dst.writestr("notes/padding.txt", "x" * 400_000, compress_type=zipfile.ZIP_STORED)
    assert len(buf.getvalue()) > 300 * 1024
    response = upload(admin, buf.getvalue())
    assert response.status_code != 413
    assert "larger than" not in response.get_data(as_text=True)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_zip_is_refused_through_the_browser_form(app, admin, case, tmp_path):
    data, phrase = HOSTILE[case]
    response = upload(admin, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400, html[:500]
    assert "The zip was refused" in html
    assert phrase in html.replace("&#39;", "'"), html[html.find("error-summary"):][:1500]
    assert everything_under(Path(app.instance_path) / "surveys") == []
    assert not (tmp_path / "evil.md").exists() and not Path("/tmp/evil.md").exists()


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_store_survey_zip_writes_nothing_for_a_hostile_zip(case, tmp_path):
    data, phrase = HOSTILE[case]
    store = tmp_path / "deep" / "store"
    with pytest.raises(UploadError) as caught:
        store_survey_zip(io.BytesIO(data), store, Limits())
    assert any(phrase in m for m in caught.value.messages), caught.value.messages
    assert everything_under(tmp_path) in ([], ["deep", "deep/store"])


def test_limits_are_parameters(tmp_path):
    data = survey_zip()
    with pytest.raises(UploadError, match="entries"):
        store_survey_zip(io.BytesIO(data), tmp_path, Limits(members=3))
    with pytest.raises(UploadError, match="larger than 100 bytes"):
        store_survey_zip(io.BytesIO(data), tmp_path, Limits(file_bytes=100))
    with pytest.raises(UploadError, match="zip is larger"):
        store_survey_zip(io.BytesIO(data), tmp_path, Limits(zip_bytes=100))
    assert everything_under(tmp_path) == []
    survey = store_survey_zip(io.BytesIO(data), tmp_path, Limits())
    assert survey.id == "example"


def test_a_loader_error_names_files_relative_to_the_survey(tmp_path):
    with pytest.raises(SurveyError) as caught:
        store_survey_zip(io.BytesIO(survey_zip(edit=lambda t: t.replace("[survey]", "[srvey]"))),
                         tmp_path)
    assert all(not p.file.startswith(str(tmp_path)) for p in caught.value.problems)
    assert everything_under(tmp_path) == []
