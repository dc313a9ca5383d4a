"""Web plumbing every feature shares; no feature lives here.

database.py (sessions, SQLite's write lock, ``writing``, ``reads_first``),
autocommit_reads.py (PostgreSQL reads outside a transaction), security.py
(headers, proxy, rate-limit storage), edge.py (checks before a view runs),
errors.py (error pages and request ids), i18n.py (the page's language),
markdown.py (sanitised survey Markdown). These import only app.extensions
and app.models; features import them, never the other way round.
"""
