"""PostgreSQL: participant requests read outside a transaction, and write inside one.

psycopg sends ``BEGIN`` before a transaction's first statement and the
session ends each request with ``ROLLBACK``: two round trips around the one
SELECT of a participant page view (app/participant/lookup.py), half of the
view's round trips. A participant request's reads need no transaction of
their own (each statement is its own snapshot under READ COMMITTED either
way), so in its reads-first scope the connection runs in autocommit, and
every write, which goes through ``app.web.database.writing``, opens a real
transaction on the same connection with an explicit ``BEGIN`` first
(:func:`begin_write`): a page is still saved whole or not at all. psycopg
commits and rolls back by the server's transaction status, so the session's
COMMIT and ROLLBACK work as before.

Only the participant blueprint's reads-first requests opt in (app/__init__.py): its views
write through ``writing`` alone, whereas a view elsewhere might change an
object and count on the request's final rollback to undo it. A connection
is put back to transactional mode when a transaction outside such a
request begins on it (every transaction begins through the engine's "begin"
event; nothing in the app uses a raw pooled connection). Nothing is changed
at check-in: a handler that raised there, on a connection the database had
dropped, would keep the connection from ever returning to the pool.
Snapshots (``read_snapshot``, REPEATABLE READ) and SQLite are untouched.
"""

from __future__ import annotations

from contextvars import ContextVar, Token

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

__all__ = ["configure_autocommit_reads", "begin_autocommit_reads", "end_autocommit_reads",
           "begin_write"]

_WANTED: ContextVar[bool] = ContextVar("parley_autocommit_reads", default=False)
#: Set in a pooled connection's info while this module put it in autocommit.
_MARK = "parley_autocommit_reads"
_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE


def begin_autocommit_reads() -> Token:
    """From now on in this context, transactions begin in autocommit (PostgreSQL)."""
    return _WANTED.set(True)


def end_autocommit_reads(token: Token) -> None:
    _WANTED.reset(token)


def configure_autocommit_reads(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Every transaction passes here, so the mode is set right before each
        # use; a connection in any state but idle (a broken one) is left alone
        # for its first statement to fail and be discarded as usual.
        fairy = conn.connection
        dbapi = fairy.dbapi_connection
        if dbapi.info.transaction_status != _IDLE:
            return
        wanted = _WANTED.get() and dbapi.isolation_level is None
        if wanted and not dbapi.autocommit:
            dbapi.autocommit = True
            fairy.info[_MARK] = True
        elif not wanted and fairy.info.pop(_MARK, False):
            dbapi.autocommit = False


def begin_write(conn: Connection) -> None:
    """Open a real transaction for a write on a connection reading in autocommit."""
    fairy = conn.connection
    if fairy.info.get(_MARK) and fairy.dbapi_connection.info.transaction_status == _IDLE:
        conn.exec_driver_sql("BEGIN")
