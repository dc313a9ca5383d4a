"""A survey with images, for the loader, upload, page and browser tests.

Images are drawn with Pillow (installed with matplotlib), which is also the
outside reference the header reader's sizes are checked against.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

from PIL import Image as PILImage

from surveys import EXAMPLE

CHART = '''
[[images]]
id = "chart"
file = "images/chart.png"
alt.en = "Bar chart: summer temperatures on the square rose by 3 degrees since 1990"
alt.de = "Balkendiagramm: Die Sommertemperaturen auf dem Platz stiegen seit 1990 um 3 Grad"
caption.en = "Summer temperatures on the square, **1990-2024**"
caption.de = "Sommertemperaturen auf dem Platz, **1990-2024**"
source.en = "Source: [Town weather station](https://example.org/weather)"
source.de = "Quelle: [Wetterstation der Stadt](https://example.org/weather)"
'''


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (720, 405), **save) -> bytes:
    """An image of ``size`` in ``fmt`` (PNG, JPEG, WEBP), with a little drawing on it."""
    picture = PILImage.new("RGB", size, (240, 240, 230))
    for x in range(0, size[0], max(1, size[0] // 8)):
        for y in range(size[1] // 3, size[1]):
            picture.putpixel((x, y), (30, 80, 160))
    buffer = io.BytesIO()
    picture.save(buffer, fmt, **save)
    return buffer.getvalue()


def survey_with_chart(tmp_path: Path, toml: str = CHART, data: bytes | None = None,
                      name: str = "images/chart.png", place: bool | str = True) -> Path:
    """The example survey with the chart declared, its file, and placed in the trees briefing.

    ``place="everywhere"``: in the consent and every briefing, so any arm
    meets it.
    """
    folder = tmp_path / "with_images"
    shutil.copytree(EXAMPLE, folder)
    (folder / "survey.toml").write_text(
        (folder / "survey.toml").read_text(encoding="utf-8") + toml, encoding="utf-8")
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(image_bytes() if data is None else data)
    texts = ["modules/trees"]
    if place == "everywhere":
        texts += ["consent", "modules/market", "modules/control"]
    for text_file in texts if place else ():
        for lang in ("en", "de"):
            path = folder / f"{text_file}.{lang}.md"
            text = path.read_text(encoding="utf-8")
            if text_file == "consent":  # its first line, a paragraph
                text = "{image:chart}\n\n" + text
            else:
                text = text.replace("\n## ", "\n{image:chart}\n\n## ", 1)
            path.write_text(text, encoding="utf-8")
    return folder


def folder_zip(folder: Path) -> bytes:
    """``folder``'s files as a zip, bytes kept as they are."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                z.writestr(path.relative_to(folder).as_posix(), path.read_bytes())
    return buffer.getvalue()
