"""Rendered journey pages, kept per process without their CSRF token.

Rendering the layout (title, language form, progress, footer, about fifteen
translated strings) and building the page's form was the largest part of a
page view's time. A fresh page (no answers, no errors, no flashed message)
renders the same for everyone at the same point of the same journey, except
for its CSRF token. So it is rendered once with a placeholder where the
token goes, kept, and each view puts its own token in (the same token
Flask-WTF gives the request, written into the session as usual).

The pages live in the campaign's entry of this app's campaign cache
(app/campaigns/cache.py), which is replaced whenever the campaign changes
(its revision rises), so they are never older than the campaign they show
and never shared between campaigns or apps. Within the entry the key holds
everything else such a page shows: the step, the survey language and the
interface language, progress, and whether the participant is a test run or
still going. A page with form errors or a
flashed message is never cached. With template auto-reload on (the
development server) nothing is cached, so an edited template shows at once.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable

from flask import current_app, g, session
from flask_wtf.csrf import generate_csrf

__all__ = ["page_html", "cacheable"]

#: Stands for the CSRF token in a kept page; random per process, so no
#: answer text can contain it by chance.
_PLACEHOLDER = f"parley-csrf-{secrets.token_hex(16)}"
_LIMIT = 2048


def cacheable() -> bool:
    """Whether this request's page may come from (and go to) the cache."""
    return "_flashes" not in session and not current_app.jinja_env.auto_reload


def page_html(pages: dict, key: Hashable, render: Callable[[], str]) -> str:
    """The page of ``key`` in ``pages``, with this request's CSRF token.

    ``pages`` is the campaign's cache entry's ``pages``; ``render()`` makes
    the page on a miss.

    ``render`` must build the page's form inside it, so the form takes the
    placeholder for its token.
    """
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    html = pages.get(key)
    if html is None:
        token = g.pop(field, None)  # a token made earlier in this request stays
        setattr(g, field, _PLACEHOLDER)
        try:
            html = render()
        finally:
            g.pop(field, None)
            if token is not None:
                setattr(g, field, token)
        if len(pages) >= _LIMIT:
            pages.clear()
        pages[key] = html
    return html.replace(_PLACEHOLDER, generate_csrf())
