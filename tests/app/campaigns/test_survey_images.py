"""Survey images through the app: uploads refuse bad ones; pages show them; the URL serves them.

An image is part of the survey's stored copy (the campaign's own copy of
its files in the database), served from it by survey version with a year's
immutable caching; a changed image is a new version and so a new URL.
"""

from __future__ import annotations

import io
import random
import re
import shutil
from pathlib import Path

import pytest

from app.campaigns.uploads import Limits, UploadError, store_survey_zip
from app.extensions import db
from surveys import SurveyError, load_survey
from tests.app.campaigns.test_survey_uploads import upload
from tests.survey_images import CHART, folder_zip, image_bytes, survey_with_chart

IMG = re.compile(r'<img src="(/images/([0-9a-f]{64})/chart\.png)" alt="([^"]*)" '
                 r'width="(\d+)" height="(\d+)"')
YEAR = "max-age=31536000"


def fetch(client, url: str):
    """GET ``url``, read the body and let the file go (send_file streams it)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def _store(tmp_path: Path, folder: Path, limits: Limits = Limits()):
    return store_survey_zip(io.BytesIO(folder_zip(folder)), tmp_path / "store",
                            limits)


def test_a_zip_with_an_image_without_alt_text_is_refused_with_a_clear_message(tmp_path, app,
                                                                               admin):
    no_alt = "\n".join(line for line in CHART.splitlines() if not line.startswith("alt."))
    folder = survey_with_chart(tmp_path, toml=no_alt)
    response = upload(admin, folder_zip(folder))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<code>images[0] (chart)</code>" in html
    assert "missing &#39;alt&#39;: describe the image in words for people who cannot see it, " \
           "in every language" in html
    assert not list((Path(app.instance_path) / "surveys").glob("example-*"))


def test_a_zip_with_alt_text_missing_in_one_language_names_it(tmp_path):
    one = "\n".join(line for line in CHART.splitlines() if not line.startswith("alt.de"))
    with pytest.raises(SurveyError) as caught:
        _store(tmp_path, survey_with_chart(tmp_path, toml=one))
    assert [str(p) for p in caught.value.problems] == [
        "survey.toml: images[0] (chart).alt: missing translation for language 'de'"]


@pytest.mark.parametrize(("name", "data", "message"), [
    ("images/chart.svg", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
     "images/chart.svg: SVG images are not allowed (an SVG can carry script); use PNG, JPEG "
     "or WebP"),
    ("images/big.png", image_bytes() + random.Random(1).randbytes(1024 * 1024), "images/big.png: larger than "
     "1048576 bytes"),
    ("images/fake.png", b"<svg onload='alert(1)'/>" + b" " * 100, "images/fake.png: not a "
     "PNG, JPEG or WebP image of the kind its name says (its first bytes say otherwise)"),
    ("images/photo.png", image_bytes("JPEG"), "images/photo.png: not a PNG, JPEG or WebP "
     "image of the kind its name says (its first bytes say otherwise)"),
])
def test_an_svg_an_oversized_or_a_disguised_file_is_refused(tmp_path, name, data, message):
    folder = survey_with_chart(tmp_path)
    (folder / name).write_bytes(data)
    with pytest.raises(UploadError) as caught:
        _store(tmp_path, folder)
    assert caught.value.messages == [message]
    assert [p.name for p in (tmp_path / "store").iterdir()] == []


def test_too_many_images_in_a_zip_are_refused(tmp_path):
    folder = survey_with_chart(tmp_path)
    for i in range(3):
        shutil.copy(folder / "images" / "chart.png", folder / "images" / f"copy{i}.png")
    with pytest.raises(UploadError) as caught:
        _store(tmp_path, folder, Limits(images=3))
    assert caught.value.messages == ["the zip holds 4 images; at most 3 are allowed"]


def test_the_upload_page_states_the_image_limits(admin):
    html = admin.get("/admin/surveys").get_data(as_text=True)
    assert "PNG, JPEG or WebP images (at most 40, each at most 1024 kB; no SVG)" in html


def test_a_zip_with_an_image_is_stored_and_its_campaign_keeps_the_image(tmp_path, app, admin):
    folder = survey_with_chart(tmp_path)
    assert upload(admin, folder_zip(folder)).status_code == 303
    version = load_survey(folder).version
    with app.app_context():
        from app.campaigns.library import find_survey
        from app.campaigns.operations import create_campaign

        known = find_survey(f"uploaded:example-{version[:16]}")
        campaign = create_campaign(db.session, slug="pics", survey_folder=known.folder,
                                   actor="test")
        db.session.commit()
        assert "images/chart.png" in campaign.survey_files


@pytest.fixture
def chart_campaign(tmp_path, make_campaign):
    """An open campaign whose consent and briefings show the chart; returns (slug, folder)."""
    folder = survey_with_chart(tmp_path, place="everywhere")
    return make_campaign("pics", survey=folder), folder


def test_the_consent_shows_the_figure_with_alt_size_caption_and_source(chart_campaign, client):
    slug, folder = chart_campaign
    html = client.get(f"/c/{slug}/").get_data(as_text=True)
    url, version, alt, width, height = IMG.search(html).groups()
    assert version == load_survey(folder).version
    assert alt.startswith("Bar chart: summer temperatures")
    assert (width, height) == ("720", "405")
    assert "<figcaption><p>Summer temperatures on the square, <strong>1990-2024</strong></p>" \
           in html
    assert '<a href="https://example.org/weather" rel="noopener noreferrer nofollow">' in html
    assert "{image:" not in html


def test_the_image_url_serves_the_stored_copy_with_long_immutable_caching(
        chart_campaign, client, app):
    slug, folder = chart_campaign
    url = IMG.search(client.get(f"/c/{slug}/").get_data(as_text=True)).group(1)
    expected = (folder / "images" / "chart.png").read_bytes()
    # The folder is gone: the campaign serves its own copy (from the database).
    shutil.rmtree(folder)
    shutil.rmtree(Path(app.instance_path) / "survey_copies", ignore_errors=True)
    response = fetch(client, url)
    assert response.status_code == 200
    assert response.data == expected
    assert response.mimetype == "image/png"
    cache = response.headers["Cache-Control"]
    assert "public" in cache and "immutable" in cache and YEAR in cache, cache
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert fetch(client, url.replace("chart.png", "chart.jpg")).status_code == 404
    assert fetch(client, url.replace("/images/", "/images/0")).status_code == 404


def test_a_changed_image_is_a_new_version_and_a_new_url(chart_campaign, tmp_path, make_campaign,
                                                         client):
    slug, folder = chart_campaign
    first = IMG.search(client.get(f"/c/{slug}/").get_data(as_text=True)).group(1)
    other = tmp_path / "other"
    shutil.copytree(folder, other)
    (other / "images" / "chart.png").write_bytes(image_bytes(size=(720, 404)))
    second_slug = make_campaign("pics2", survey=other)
    second = IMG.search(client.get(f"/c/{second_slug}/").get_data(as_text=True)).group(1)
    assert first != second
    assert fetch(client, first).data != fetch(client, second).data


def test_a_drafts_images_are_for_its_managers_only(tmp_path, make_campaign, client, signed_in):
    folder = survey_with_chart(tmp_path, place="everywhere")
    make_campaign("draft-pics", survey=folder, status="draft")
    url = f"/images/{load_survey(folder).version}/chart.png"
    assert fetch(client, url).status_code == 404
    manager = signed_in("m@example.org", "manager", campaigns=["draft-pics"])
    response = fetch(manager, url)
    assert response.status_code == 200
    assert "private" in response.headers["Cache-Control"]
    analyst = signed_in("a@example.org", "analyst", campaigns=["draft-pics"])
    assert fetch(analyst, url).status_code == 404


def test_an_item_shows_its_image_above_the_question(tmp_path, make_campaign, app):
    from tests.bots import Bot

    folder = survey_with_chart(tmp_path, place=False)
    path = folder / "survey.toml"
    path.write_text(path.read_text().replace('id = "age_band"\n', 'id = "age_band"\n'
                                             'image = "chart"\n', 1))
    slug = make_campaign("item-pics", survey=folder)
    bot = Bot(app.test_client(), slug, load_survey(folder))
    bot.start()
    html = bot.get().get_data(as_text=True)
    figure = html.index('<figure class="figure">')
    assert IMG.search(html) and figure < html.index('id="q_age_band-1"')


def test_a_text_rendered_without_images_first_still_gets_its_figure(app, tmp_path):
    from app.web.markdown import survey_html

    survey = load_survey(survey_with_chart(tmp_path))
    body = survey.module("trees").body["en"]
    with app.test_request_context():
        plain = survey_html(survey.version, "module:trees", "en", body)
        figured = survey_html(survey.version, "module:trees", "en", body, images=survey.images)
    assert "<figure" not in plain
    assert '<figure class="figure"><img src="/images/' in figured and "{image:" not in figured
