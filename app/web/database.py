"""Engine set-up per backend, and when SQLite takes its write lock.

SQLite gets WAL (readers never wait for the writer), a busy timeout and
``synchronous = NORMAL``. SQLite has one writer at a time, and a deferred
transaction that read first and then writes fails at once with "database is
locked" if another connection wrote in between (WAL cannot upgrade a stale
snapshot, and the busy timeout does not help). So:

- By default a transaction starts with ``BEGIN IMMEDIATE``: it takes the
  write lock at its first statement, and concurrent writers queue behind the
  busy timeout instead of failing. Admin views and commands keep this.
- Reads need no write lock. A scope marked with :func:`reads_first` (every
  GET and HEAD request, and views decorated with ``@reads_first``) begins
  deferred transactions, so the two workers read and render side by side.
  Code in such a scope writes only inside :func:`writing`, which ends the
  read transaction and runs the write in its own ``BEGIN IMMEDIATE`` one,
  holding the lock only around the write itself. Anything a write decides
  from the earlier reads must be re-checked by the write (the page claim is
  a conditional UPDATE), because another request may have written between.

On PostgreSQL none of this changes how transactions begin. There,
:func:`writing` in a reads-first scope carries on in the transaction the
reads opened (READ COMMITTED: each statement sees what others committed
before it, so nothing the write re-checks is stale), instead of committing
it and checking a connection out again: that saved three round trips per
write (COMMIT, the pool's pre-ping, BEGIN). Outside such a scope, and always
on SQLite, it commits what came before and begins a transaction of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

from flask import Flask
from sqlalchemy import Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, scoped_session

from app.web.autocommit_reads import begin_write

__all__ = [
    "configure_engine", "reads_first", "writing", "deferred_scope", "begin_deferred_request",
    "end_deferred_request", "insert_ignoring_duplicates", "configure_session_teardown",
    "read_snapshot",
]

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 15_000

#: The statement that begins the next SQLite transaction in this context.
_BEGIN: ContextVar[str] = ContextVar("parley_sqlite_begin", default="BEGIN IMMEDIATE")


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        # Deleted rows are overwritten with zeros, not left in free pages: a
        # purge or a withdrawal must not leave answers readable in the file.
        cur.execute("PRAGMA secure_delete = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql(_BEGIN.get())


@contextmanager
def deferred_scope() -> Iterator[None]:
    """Transactions begun inside this block read without taking the write lock."""
    token = _BEGIN.set("BEGIN")
    try:
        yield
    finally:
        _BEGIN.reset(token)


@contextmanager
def read_snapshot(session: Session) -> Iterator[Session]:
    """Run the block's reads in one consistent snapshot that blocks no writer.

    Ends the transaction open before it (committing it), then begins a
    deferred transaction on SQLite (WAL gives it a snapshot, and it takes no
    write lock) or a REPEATABLE READ one on PostgreSQL (one snapshot for
    every statement, so the files of one export agree with each other). The
    block's transaction is ended when it leaves.
    """
    real = session() if isinstance(session, scoped_session) else session
    if real.in_transaction():
        real.commit()
    options = {}
    if real.get_bind().dialect.name == "postgresql":
        options = {"isolation_level": "REPEATABLE READ"}
    with deferred_scope():
        real.connection(execution_options=options)
        try:
            yield session
        except BaseException:
            real.rollback()
            raise
        real.commit()


def begin_deferred_request(view: Callable | None, method: str) -> Token | None:
    """At the start of a request: GET, HEAD and ``@reads_first`` views read first.

    Returns the token to give :func:`end_deferred_request` at its end, or None.
    """
    if method in ("GET", "HEAD") or getattr(view, "parley_reads_first", False):
        return _BEGIN.set("BEGIN")
    return None


def end_deferred_request(token: Token | None) -> None:
    if token is not None:
        _BEGIN.reset(token)


def reads_first(view: Callable) -> Callable:
    """Mark a view whose writes all go through :func:`writing` (see the module docstring)."""
    view.parley_reads_first = True  # type: ignore[attr-defined]
    return view


@contextmanager
def writing(session: Session) -> Iterator[Session]:
    """Run the block in a transaction of its own that holds the write lock; commits.

    The transaction open before it (reads only, in a reads-first scope) is
    committed first, so objects loaded there stay usable (the session does
    not expire them on commit); on PostgreSQL in a reads-first scope the
    write continues that read-only transaction instead (module docstring).
    On an exception the write is rolled back and the exception propagates.
    """
    real = session() if isinstance(session, scoped_session) else session
    if _continues_reads(real):
        begin_write(real.connection())  # a real transaction if the reads ran in autocommit
    elif real.in_transaction():
        real.commit()
    token = _BEGIN.set("BEGIN IMMEDIATE")
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        _BEGIN.reset(token)


def _continues_reads(session: Session) -> bool:
    """Whether a write may join the open transaction: PostgreSQL, reads-first scope.

    In a reads-first scope every write goes through :func:`writing`, so the
    open transaction holds reads only, and joining it changes nothing a
    rollback of the write could lose.
    """
    return _BEGIN.get() == "BEGIN" and session.get_bind().dialect.name == "postgresql"


def insert_ignoring_duplicates(session: Session, table: Table):
    """``INSERT ... ON CONFLICT DO NOTHING`` for the session's backend."""
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing()


def configure_session_teardown(app: Flask, db) -> None:
    """End each request's session so that a dead connection cannot undo a response.

    When the database drops a connection after a page was committed (a
    restart, ``pg_terminate_backend``), the rollback that closes the session
    at teardown fails. Flask-SQLAlchemy's own teardown would let that error
    escape after the response was made, and the server would answer 500 for
    a page that was saved. This teardown runs first (teardowns run in
    reverse order of registration), removes the session itself and, if the
    connection is gone, only logs a warning: the pool discards the broken
    connection and the next request gets a new one.
    """

    @app.teardown_appcontext
    def _remove_session(_exc):
        try:
            db.session.remove()
        except DBAPIError as exc:
            log.warning("closing the database session failed (connection lost): %s",
                        str(exc).splitlines()[0])
            db.session.registry.clear()
