"""Images in a survey: the ``[[images]]`` table, the files' headers, and where they are used.

An image is declared once in ``survey.toml`` (id, file, alt text in every
language, optional Markdown caption and source) and placed by id: a line
``{image:ID}`` of its own in a Markdown text (consent, a briefing), or
``image = "ID"`` on an item. Only PNG, JPEG and WebP are accepted, decided
by the file's first bytes (its magic number), never by its name alone: an
SVG can carry script, and a renamed file must not get past the check. The
width and height are read from the header (a few bytes; no imaging library),
so a page gives the browser ``width``/``height`` and nothing jumps while the
image loads. Every image file is part of the survey's version, so a changed
image changes the version and with it the image's URL.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path
from types import MappingProxyType

from surveys.model import Image, Text
from surveys.reader import ID_RE, DefinitionReader

__all__ = ["MEDIA_TYPES", "MAX_IMAGE_BYTES", "MAX_IMAGES", "MAX_SIDE", "IMAGE_RE",
           "sniff", "read_images", "check_image_lines"]

#: Media type -> the file name endings it may have.
MEDIA_TYPES = {
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/webp": (".webp",),
}
#: One image file: a chart or a photo for a 360 px phone screen needs far less.
MAX_IMAGE_BYTES = 1024 * 1024
#: Images in one survey.
MAX_IMAGES = 40
#: Longest side in pixels: a larger image costs a phone memory for nothing.
MAX_SIDE = 4096
#: A placement in Markdown: ``{image:ID}``, alone on its line.
IMAGE_RE = re.compile(r"\{image:([^}\n]*)\}")
_LINE_RE = re.compile(r"^[ \t]*\{image:([^}\n]*)\}[ \t]*$", re.MULTILINE)
#: Markdown's own image syntax, which the sanitiser would silently drop.
_MARKDOWN_IMAGE = re.compile(r"!\[[^\]\n]*\]\(")
#: JPEG start-of-frame markers (SOF0-SOF15 except DHT, JPG and DAC), which carry the size.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def sniff(data: bytes) -> tuple[str, int, int] | None:
    """(media type, width, height) of a PNG, JPEG or WebP file's bytes; None for anything else.

    Reads the header the format specifications define: PNG's IHDR chunk
    (RFC 2083, 4.1.1), JPEG's start-of-frame segment (ITU T.81, B.2.2),
    WebP's VP8/VP8L/VP8X chunk (RFC 9649).
    """
    try:
        if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
            width, height = struct.unpack(">II", data[16:24])
            return _checked("image/png", width, height)
        if data[:3] == b"\xff\xd8\xff":
            return _jpeg(data)
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return _webp(data)
    except (struct.error, IndexError):
        return None
    return None


def _checked(media_type: str, width: int, height: int) -> tuple[str, int, int] | None:
    return (media_type, width, height) if width > 0 and height > 0 else None


def _jpeg(data: bytes) -> tuple[str, int, int] | None:
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length field
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2:at + 4])
        if marker in _SOF:
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return _checked("image/jpeg", width, height)
        if marker == 0xD9 or length < 2:
            return None
        at += 2 + length
    return None


def _webp(data: bytes) -> tuple[str, int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return _checked("image/webp", width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L" and data[20] == 0x2F:
        (bits,) = struct.unpack("<I", data[21:25])
        return _checked("image/webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return _checked("image/webp", width, height)
    return None


def read_images(r: DefinitionReader, raw: list[dict]) -> MappingProxyType:
    """The ``[[images]]`` tables as {id: Image}, each file checked; problems noted on ``r``."""
    images: dict[str, Image] = {}
    if len(raw) > MAX_IMAGES:
        r.problem("images", f"{len(raw)} images; a survey may have at most {MAX_IMAGES}")
    for i, table in enumerate(raw):
        image_id = table.get("id")
        place = (f"images[{i}] ({image_id})" if isinstance(image_id, str)
                 and ID_RE.fullmatch(image_id) else f"images[{i}]")
        r.unknown(table, {"id", "file", "alt", "caption", "source"}, place)
        image_id = r.ident(table, place)
        if "alt" not in table:
            r.problem(place, "missing 'alt': describe the image in words for people who "
                             "cannot see it, in every language (alt.en = \"...\")")
        alt = r.text(table, "alt", place, required=False)
        caption = r.text(table, "caption", place, required=False)
        source = r.text(table, "source", place, required=False)
        facts = _image_file(r, table.get("file"), f"{place}.file")
        if image_id in images:
            r.problem(place, f"duplicate id '{image_id}'")
        if facts is not None:
            name, media_type, width, height = facts
            images[image_id] = Image(image_id, name, media_type, width, height,
                                     alt or Text({}), caption, source)
    return MappingProxyType(images)


def _image_file(r: DefinitionReader, name, place: str) -> tuple[str, str, int, int] | None:
    """(relative name, media type, width, height) of a checked image file, or None."""
    if not isinstance(name, str):
        r.problem(place, "must name the image file (file = \"images/chart.png\")")
        return None
    suffix = Path(name).suffix.lower()
    if suffix == ".svg":
        r.problem(place, f"'{name}': SVG images are not allowed (an SVG can carry script); "
                         "use PNG, JPEG or WebP")
        return None
    endings = [end for ends in MEDIA_TYPES.values() for end in ends]
    if suffix not in endings:
        r.problem(place, f"'{name}': an image must be a PNG, JPEG or WebP file "
                         f"({', '.join(endings)})")
        return None
    try:
        path = (r.folder / name).resolve()
        found = r.folder.resolve() in path.parents and path.is_file()
    except (OSError, ValueError):
        found = False
    if not found:
        r.problem(place, f"file '{name}' not found in the folder")
        return None
    size = path.stat().st_size
    if size > MAX_IMAGE_BYTES:
        r.problem(place, f"'{name}' has {size:,} bytes; an image may have at most "
                         f"{MAX_IMAGE_BYTES:,}")
        return None
    facts = sniff(path.read_bytes())
    if facts is None:
        r.problem(place, f"'{name}' is not a PNG, JPEG or WebP image (its first bytes say "
                         "otherwise, whatever its name)")
        return None
    media_type, width, height = facts
    if suffix not in MEDIA_TYPES[media_type]:
        kind = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WebP"}[media_type]
        r.problem(place, f"'{name}' is a {kind} file: name it "
                         f"{' or '.join(MEDIA_TYPES[media_type])}")
        return None
    if max(width, height) > MAX_SIDE:
        r.problem(place, f"'{name}' is {width} x {height} pixels; an image may be at most "
                         f"{MAX_SIDE} pixels on its longest side")
        return None
    r.files_read.add(path)
    return path.relative_to(r.folder.resolve()).as_posix(), media_type, width, height


def check_image_lines(r: DefinitionReader, text: str, images, file: str, place: str) -> set[str]:
    """Note misplaced or unknown ``{image:ID}`` in one Markdown text; return the ids it uses.

    A placement must be a line of its own (it becomes a figure between
    paragraphs); Markdown's ``![alt](file)`` is refused, since it would
    bypass the declared alt text in every language and the file checks.
    """
    used = set()
    on_lines = {m.start(1) for m in _LINE_RE.finditer(text)}
    for match in IMAGE_RE.finditer(text):
        name = match.group(1)
        if match.start(1) not in on_lines:
            r.problem(place, f"'{{image:{name}}}' must stand on a line of its own", file)
        elif name not in images:
            r.problem(place, f"no image '{name}' (declare it in [[images]] of survey.toml)",
                      file)
        used.add(name)
    if _MARKDOWN_IMAGE.search(text):
        r.problem(place, "write an image as {image:ID} on a line of its own, declared in "
                         "[[images]] with its alt text, not as ![...](...)", file)
    return used


def check_image_uses(r: DefinitionReader, images, texts, items, where: dict[str, str]) -> None:
    """Check every placement: ``texts`` as (file, Markdown) pairs, items' ``image`` keys.

    An item's image must be declared and the item not a row of a composite
    (a grid's rows share one question); an image placed nowhere is a
    mistake too, like an item on no page.
    """
    used: set[str] = set()
    for file, text in texts:
        used |= check_image_lines(r, text, images, file, "")
    for item in items.values():
        if item.image is None:
            continue
        place = f"{where.get(item.id, 'items')}.image"
        if not isinstance(item.image, str) or item.image not in images:
            r.problem(place, f"no image {item.image!r} (declare it in [[images]])")
        elif item.kind.group(item):
            r.problem(place, "a composite item (a grid) cannot show an image; put it on "
                             "an item of its own or in a briefing")
        used.add(item.image)
    for image_id in images:
        if image_id not in used:
            r.problem("images", f"image '{image_id}' is placed nowhere (write {{image:"
                                f"{image_id}}} in a text, or image = \"{image_id}\" on an item)")
