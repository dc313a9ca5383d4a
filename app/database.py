"""Engine set-up per backend: SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE.

SQLite's default deferred transactions fail with "database is locked" when
two requests read and then both try to write; taking the write lock at BEGIN
makes concurrent page submits and starts queue up behind the busy timeout
instead. WAL lets readers proceed while one writer works.
"""

from sqlalchemy import event
from sqlalchemy.engine import Engine

__all__ = ["configure_engine"]

BUSY_TIMEOUT_MS = 15_000


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
