"""Imports for a process that only writes one export (``parley export``), then exits.

pandas 3 imports pyarrow when it is installed (for its string dtype), and the
two together are about 110 MB of a process's memory; pandas alone is about
40. pyreadstat, which writes ``wide.sav`` and ``wide.dta``, needs a pandas
frame of numbers and Python strings, none of pyarrow. Arrow's default
allocator (mimalloc) keeps freed buffers for reuse, about 20 MB more than
the system allocator while ``wide.parquet`` is written at 1M answers.

Both choices are made once per process, at the first import, so only a
process that ends with its export makes them: the web process and job
workers never do (a report there needs pandas with pyarrow).
"""

from __future__ import annotations

import os
import sys

__all__ = ["prepare_for_export", "import_pandas_without_pyarrow"]


def prepare_for_export(fmt: str) -> None:
    """Load what ``fmt`` needs in its leanest way, when nothing has loaded it yet."""
    if fmt in ("sav", "dta"):
        import_pandas_without_pyarrow()
    elif fmt == "parquet" and "pyarrow" not in sys.modules:
        os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")


def import_pandas_without_pyarrow() -> bool:
    """Import pandas as if pyarrow were not installed; False when either is loaded already.

    Only ``import pandas`` sees pyarrow as missing; pyarrow can still be
    imported afterwards (pandas keeps its choice: strings stored as Python
    objects, the same values).
    """
    if "pandas" in sys.modules or "pyarrow" in sys.modules:
        return False
    sys.modules["pyarrow"] = None  # type: ignore[assignment]  # import pyarrow -> ImportError
    try:
        import pandas  # noqa: F401
    finally:
        del sys.modules["pyarrow"]
    return True
