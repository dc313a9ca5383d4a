"""Images in a survey: the header reader, the ``[[images]]`` table and every placement.

The sizes the header reader finds are checked against Pillow (an outside
reader of the same formats), for PNG, baseline and progressive JPEG, and the
three kinds of WebP (lossy VP8, lossless VP8L, extended VP8X).
"""

from __future__ import annotations

import io

import pytest
from PIL import Image as PILImage

from surveys import load_survey
from surveys.images import MAX_IMAGE_BYTES, MAX_IMAGES, sniff
from tests.survey_images import CHART, image_bytes, survey_with_chart
from tests.surveys.test_loader import has, problems_of, show

TOML = "survey.toml"


@pytest.mark.parametrize(("fmt", "save", "media_type"), [
    ("PNG", {}, "image/png"),
    ("JPEG", {}, "image/jpeg"),
    ("JPEG", {"progressive": True}, "image/jpeg"),
    ("WEBP", {"quality": 80}, "image/webp"),
    ("WEBP", {"lossless": True}, "image/webp"),
])
@pytest.mark.parametrize("size", [(1, 1), (360, 203), (1001, 77), (4096, 3)])
def test_the_header_reader_agrees_with_pillow(fmt, save, media_type, size):
    data = image_bytes(fmt, size, **save)
    assert sniff(data) == (media_type, *PILImage.open(io.BytesIO(data)).size)


def test_an_extended_webp_with_alpha_is_read():
    picture = PILImage.new("RGBA", (321, 123), (0, 0, 0, 0))
    buffer = io.BytesIO()
    picture.save(buffer, "WEBP", exif=b"Exif\0\0MM\0*\0\0\0\x08\0\0")  # exif forces VP8X
    data = buffer.getvalue()
    assert data[12:16] == b"VP8X"
    assert sniff(data) == ("image/webp", 321, 123)


@pytest.mark.parametrize("data", [
    b"", b"\x89PNG\r\n\x1a\n", b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"GIF89a....",
    b"\xff\xd8\xff\xe0\x00\x02", b"RIFF\0\0\0\0WEBPVP8 ", b"just text, named .png",
])
def test_anything_else_is_no_image(data):
    assert sniff(data) is None


def test_a_survey_with_an_image_loads(tmp_path):
    survey = load_survey(survey_with_chart(tmp_path))
    chart = survey.images["chart"]
    assert (chart.file, chart.media_type, chart.width, chart.height) == (
        "images/chart.png", "image/png", 720, 405)
    assert chart.file_name == "chart.png"
    assert chart.alt["de"].startswith("Balkendiagramm")
    assert "{image:chart}" in survey.module("trees").body["en"]


def test_the_image_file_is_part_of_the_version(tmp_path):
    folder = survey_with_chart(tmp_path)
    before = load_survey(folder).version
    (folder / "images" / "chart.png").write_bytes(image_bytes(size=(720, 406)))
    assert load_survey(folder).version != before


def test_an_item_shows_an_image(tmp_path):
    folder = survey_with_chart(tmp_path, place=False, toml=CHART.replace(
        "[[images]]", '[[items]]\nid = "heat"\ntype = "thermometer"\nimage = "chart"\n'
        'text.en = "How hot is the square?"\ntext.de = "Wie heiß ist der Platz?"\n\n[[images]]'))
    path = folder / TOML
    path.write_text(path.read_text().replace('items = ["age_band", "transport"]',
                                             'items = ["age_band", "transport", "heat"]'))
    survey = load_survey(folder)
    assert survey.items["heat"].image == "chart"


def _without(key: str) -> str:
    return "\n".join(line for line in CHART.splitlines() if not line.startswith(key)) + "\n"


def _with(key: str, value: str) -> str:
    return CHART.replace(f'\n{key} = "images/chart.png"', f'\n{key} = "{value}"')


#: (toml, file bytes, file name, place, message)
BAD = [
    (_without("alt."), None, "images/chart.png", "images[0] (chart)",
     "missing 'alt': describe the image in words for people who cannot see it, in every "
     "language (alt.en = \"...\")"),
    (_without("alt.de"), None, "images/chart.png", "images[0] (chart).alt",
     "missing translation for language 'de'"),
    (_without("caption.de"), None, "images/chart.png", "images[0] (chart).caption",
     "missing translation for language 'de'"),
    (_with("file", "images/chart.svg"), b"<svg onload='alert(1)'/>", "images/chart.svg",
     "images[0] (chart).file",
     "'images/chart.svg': SVG images are not allowed (an SVG can carry script); use PNG, "
     "JPEG or WebP"),
    (CHART, b"<svg onload='alert(1)'/>", "images/chart.png", "images[0] (chart).file",
     "'images/chart.png' is not a PNG, JPEG or WebP image (its first bytes say otherwise, "
     "whatever its name)"),
    (_with("file", "images/chart.gif"), b"GIF89a", "images/chart.gif", "images[0] (chart).file",
     "'images/chart.gif': an image must be a PNG, JPEG or WebP file (.png, .jpg, .jpeg, .webp)"),
    (CHART, image_bytes("JPEG"), "images/chart.png", "images[0] (chart).file",
     "'images/chart.png' is a JPEG file: name it .jpg or .jpeg"),
    (CHART, image_bytes("PNG", (4097, 10)), "images/chart.png", "images[0] (chart).file",
     "'images/chart.png' is 4097 x 10 pixels; an image may be at most 4096 pixels on its "
     "longest side"),
    (CHART, image_bytes() + b"\0" * MAX_IMAGE_BYTES, "images/chart.png", "images[0] (chart).file",
     "bytes; an image may have at most 1,048,576"),
    (_with("file", "../outside.png"), None, "images/chart.png", "images[0] (chart).file",
     "file '../outside.png' not found in the folder"),
    (_without("file"), None, "images/chart.png", "images[0] (chart).file",
     "must name the image file (file = \"images/chart.png\")"),
    (CHART + 'colour = "red"\n', None, "images/chart.png", "images[0] (chart)",
     "unknown key 'colour'"),
    (CHART + CHART, None, "images/chart.png", "images[1] (chart)", "duplicate id 'chart'"),
]


@pytest.mark.parametrize(("toml", "data", "name", "place", "message"), BAD)
def test_a_bad_image_is_a_load_error_naming_the_place(tmp_path, toml, data, name, place, message):
    problems = problems_of(survey_with_chart(tmp_path, toml=toml, data=data, name=name))
    assert has(problems, TOML, place, message), show(problems)


def test_too_many_images(tmp_path):
    many = "".join(CHART.replace('id = "chart"', f'id = "chart{i}"') for i in range(MAX_IMAGES + 1))
    problems = problems_of(survey_with_chart(tmp_path, toml=many, place=False))
    assert has(problems, TOML, "images", "41 images; a survey may have at most 40"), show(problems)


@pytest.mark.parametrize(("line", "message"), [
    ("{image:map}", "no image 'map' (declare it in [[images]] of survey.toml)"),
    ("It is hot {image:chart} here.", "'{image:chart}' must stand on a line of its own"),
    ("![A chart](images/chart.png)", "write an image as {image:ID} on a line of its own, "
     "declared in [[images]] with its alt text, not as ![...](...)"),
])
def test_a_bad_placement_names_the_file(tmp_path, line, message):
    folder = survey_with_chart(tmp_path)
    path = folder / "modules" / "market.de.md"
    path.write_text(path.read_text().replace("\n## ", f"\n{line}\n\n## ", 1))
    problems = problems_of(folder)
    assert has(problems, "modules/market.de.md", "", message), show(problems)


def test_an_image_placed_nowhere_and_an_unknown_item_image(tmp_path):
    folder = survey_with_chart(tmp_path, place=False)
    path = folder / TOML
    path.write_text(path.read_text().replace('id = "reflection"\n',
                                             'id = "reflection"\nimage = "map"\n'))
    problems = problems_of(folder)
    assert has(problems, TOML, "images", "image 'chart' is placed nowhere (write {image:chart} "
               "in a text, or image = \"chart\" on an item)"), show(problems)
    assert any(p.place.endswith(" (reflection).image")  # the item's index may change
               and p.message == "no image 'map' (declare it in [[images]])"
               for p in problems), show(problems)


def test_a_rating_grid_cannot_show_an_image(tmp_path):
    from tests.samples import sample_survey

    folder = sample_survey(tmp_path / "grid", pre_post=["rating_grid"],
                           extra={"rating_grid": {"image": "chart"}})
    (folder / "images").mkdir()
    (folder / "images" / "chart.png").write_bytes(image_bytes())
    path = folder / TOML
    path.write_text(path.read_text(encoding="utf-8") + CHART, encoding="utf-8")
    problems = problems_of(folder)
    assert any(p.place.endswith(".image") and p.message.startswith(
        "a composite item (a grid) cannot show an image") for p in problems), show(problems)
