"""Survey zips for upload tests: a good one, a broken one, and hostile ones."""

from __future__ import annotations

import io
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path

from surveys import EXAMPLE

#: A mistake the loader reports with file and place: an arm naming no module.
BROKEN = ('modules = ["trees"]\n', 'modules = ["treez"]\n')


def survey_zip(folder: Path = EXAMPLE, top: str | None = "example",
               edit: Callable[[str], str] | None = None) -> bytes:
    """The survey folder as a zip (inside a top folder, as "Compress folder" makes it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                name = path.relative_to(folder).as_posix()
                data = path.read_text(encoding="utf-8")
                if name == "survey.toml" and edit is not None:
                    data = edit(data)
                z.writestr(f"{top}/{name}" if top else name, data)
    return buffer.getvalue()


def broken_zip() -> bytes:
    return survey_zip(edit=lambda text: text.replace(*BROKEN, 1))


def _with(extra: Callable[[zipfile.ZipFile], None], base: bytes | None = None) -> bytes:
    buffer = io.BytesIO(base or survey_zip(top=None))
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as z:
        extra(z)
    return buffer.getvalue()


def _symlink(z: zipfile.ZipFile) -> None:
    info = zipfile.ZipInfo("modules/link.md")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    z.writestr(info, "/etc/passwd")


def _forged_size(z: zipfile.ZipFile) -> None:
    # A file whose header claims a small size while it unpacks to far more.
    info = zipfile.ZipInfo("notes.txt")
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, b"\0" * (3 * 1024 * 1024))


def _forge(data: bytes, name: str, size: int) -> bytes:
    """Rewrite ``name``'s declared uncompressed size in both headers (a lying zip)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo(name)
        real = info.file_size
    old = real.to_bytes(4, "little")
    new = size.to_bytes(4, "little")
    # The local header and the central directory both carry the size after the CRC.
    crc = info.CRC.to_bytes(4, "little")
    packed = info.compress_size.to_bytes(4, "little")
    return data.replace(crc + packed + old, crc + packed + new)


#: name -> (zip bytes, a phrase the refusal must contain)
def hostile_zips() -> dict[str, tuple[bytes, str]]:
    many = _with(lambda z: [z.writestr(f"extra/{i}.md", "x") for i in range(250)])
    bomb = _with(lambda z: z.writestr("bomb.txt", b"\0" * (30 * 1024 * 1024)))
    lying = _forge(_with(_forged_size), "notes.txt", 1000)
    return {
        "zip slip": (_with(lambda z: z.writestr("../../evil.md", "x")), "'..'"),
        "zip slip in a folder": (_with(lambda z: z.writestr("modules/../../x.md", "x")), "'..'"),
        "absolute path": (_with(lambda z: z.writestr("/tmp/evil.md", "x")), "absolute"),
        "windows path": (_with(lambda z: z.writestr("..\\evil.md", "x")), "backslash"),
        "drive letter": (_with(lambda z: z.writestr("C:/evil.md", "x")), "absolute"),
        "symbolic link": (_with(_symlink), "symbolic link"),
        "zip bomb": (bomb, "zip bomb"),
        "zip bomb with a lying header": (lying, "notes.txt"),
        "too many files": (many, "entries"),
        "program file": (_with(lambda z: z.writestr("run.py", "import os")), "only"),
        "same name twice": (_with(lambda z: z.writestr("Survey.TOML", "x")), "twice"),
        "not a zip": (b"PK\x03\x04 this is not really a zip", "not a zip"),
        "too deep": (_with(lambda z: z.writestr("a/b/c/d/e/f/x.md", "x")), "nested"),
    }
