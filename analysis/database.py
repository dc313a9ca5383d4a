"""Read one campaign straight from the application's database (its export views)."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pandas as pd

from analysis.contract import (
    ANSWER_COLUMNS,
    PARTICIPANT_COLUMNS,
    build_manifest,
)
from analysis.export import Export, ExportError
from analysis.frames import split_not_shown
from analysis.validate import (
    as_text,
    check_answers,
    check_codebook,
    check_manifest,
    check_participants,
    items_table,
    type_columns,
)

__all__ = ["load_database"]


def load_database(url: str, campaign_slug: str) -> Export:
    """Read one campaign straight from the application's database.

    Parameters
    ----------
    url : str
        SQLAlchemy database URL (``sqlite:///instance/parley.sqlite``,
        ``postgresql+psycopg://...``).
    campaign_slug : str
        The campaign's slug.

    Notes
    -----
    The app's tables are not part of the export contract; its migrations
    create read-only views that are (``export_participants`` and
    ``export_answers`` with exactly the export's columns plus
    ``campaign_slug``, and ``export_metadata`` with one row of campaign
    metadata and the stored codebook). The manifest is rebuilt from that row.
    Times without an offset are taken as UTC (the app stores UTC). Rows then
    pass through the same validation as an export folder (without spreadsheet
    un-escaping: database text is stored as typed).
    """
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            meta = pd.read_sql(
                sa.text("SELECT * FROM export_metadata WHERE campaign_slug = :s"),
                conn,
                params={"s": campaign_slug},
            )
            if meta.empty:
                raise ExportError(url, f"campaign {campaign_slug!r} not found in export_metadata")
            codebook = check_codebook(json.loads(meta.iloc[0]["codebook_json"]))
            frames = {}
            for table, cols in (
                ("export_participants", PARTICIPANT_COLUMNS),
                ("export_answers", ANSWER_COLUMNS),
            ):
                q = sa.text(
                    # table and columns are the contract's constants (bandit B608, below)
                    f"SELECT {', '.join(cols)} FROM {table} WHERE campaign_slug = :s"  # noqa: S608  # nosec B608
                )
                frames[table] = pd.read_sql(q, conn, params={"s": campaign_slug})
    except sa.exc.SQLAlchemyError as exc:
        raise ExportError(url, f"database error: {exc.__class__.__name__}: {exc}") from None
    finally:
        engine.dispose()
    counts = {"participants": len(frames["export_participants"]),
              "answers": len(frames["export_answers"])}
    manifest = check_manifest(_manifest_from_row(meta.iloc[0], codebook, counts))
    items = items_table(codebook)
    # times: the app stores UTC; drivers may hand back naive datetimes or text (SQLite)
    for table, cols in (("export_participants", PARTICIPANT_COLUMNS),
                        ("export_answers", ANSWER_COLUMNS)):
        f = frames[table]
        for c in (c for c, kind in cols.items() if kind == "time"):
            try:
                f[c] = pd.to_datetime(f[c], utc=True, format="ISO8601")
            except (ValueError, TypeError) as exc:
                raise ExportError(table, f"column {c!r}: not a time ({exc})") from None
    # database text is stored as typed: no spreadsheet escaping to undo
    p = type_columns(
        as_text(frames["export_participants"]), "export_participants", PARTICIPANT_COLUMNS, False
    )
    p = check_participants(p)
    a = type_columns(as_text(frames["export_answers"]), "export_answers", ANSWER_COLUMNS, False)
    a, not_shown = split_not_shown(check_answers(a, p, items), items)
    return Export(p, None, codebook, manifest, items, url, keyed_answers=a, not_shown=not_shown)


def _manifest_from_row(row: pd.Series, codebook: Mapping, counts: Mapping[str, int]) -> dict:
    """The manifest an export of this campaign would carry (without row counts)."""

    def time(value):
        return None if value is None or pd.isna(value) else str(value)

    prereg = row["preregistration_json"]
    return build_manifest(
        codebook,
        campaign={"slug": row["campaign_slug"], "title": row["title"], "status": row["status"],
                  "opened_at": time(row["opened_at"]), "closed_at": time(row["closed_at"]),
                  "languages": json.loads(row["languages_json"])},
        block_size=int(row["block_size"]),
        seed=row["seed"],
        rebalance_dropouts=bool(row["rebalance_dropouts"]),
        preregistration=json.loads(prereg) if isinstance(prereg, str) else None,
        row_counts=counts,
        format_version=codebook.get("format_version", "1.0"),
    )
