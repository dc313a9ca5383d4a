"""Export a campaign in every format of the contract and read each back.

Tests of a new item type (or anything that must survive every format) call
:func:`export_every_format`, so a format added to ``EXPORT_FORMATS`` is read
back by them without an edit.
"""

from __future__ import annotations

import zipfile

from analysis import Export, contract, load_export

#: ``parley export`` leaves free text and about-you answers out unless asked:
#: tests that compare an export with what was answered ask for everything.
EVERYTHING = ("--include-text", "--include-profile")


def export_every_format(runner, slug: str, tmp_path) -> dict[str, Export]:
    """``parley export`` in each format into ``tmp_path/export-<fmt>``, read by
    ``load_export``; a format with a wide file is read once more from that file
    alone (key ``"<fmt> (wide alone)"``)."""
    exports: dict[str, Export] = {}
    for fmt, wide_file in contract.EXPORT_FORMATS.items():
        out = tmp_path / f"export-{fmt}"
        result = runner.invoke(args=["export", slug, str(out), "--format", fmt, *EVERYTHING])
        assert result.exit_code == 0, result.output
        if fmt == "zip":
            with zipfile.ZipFile(f"{out}.zip") as zf:
                assert "codebook.json" in zf.namelist()
            exports[fmt] = load_export(f"{out}.zip")
            continue
        exports[fmt] = load_export(out)
        if wide_file:
            (out / "answers.csv").unlink()
            exports[f"{fmt} (wide alone)"] = load_export(out)
    return exports
