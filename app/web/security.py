"""Strict security headers on every response; proxies and rate-limit storage.

A few clear lines rather than a dependency: the policy allows only this
site's own scripts, styles and images, no framing, and no inline script.

Behind a reverse proxy every request comes from the proxy's address, so a
per-address limit (sign-in, resume) would lock out everyone at once.
``PARLEY_TRUSTED_PROXIES=N`` says that exactly N proxies stand in front of
the app; werkzeug's ProxyFix then takes the client address (and scheme and
host) from the last N ``X-Forwarded-*`` entries. Never set it higher than
the real number of proxies: a client could then forge its address.

With more than one worker process, the default in-memory limiter storage
would give each worker its own counts (N workers: N times the limit), so
declaring ``PARLEY_WORKERS`` (or ``WEB_CONCURRENCY``) above 1 with
``memory://`` storage is a start-up error: use Redis. A plain
``gunicorn -w N`` start is detected from gunicorn's own configuration.
"""

import secrets
import sys
from pathlib import Path

from flask import Flask, Response, g
from werkzeug.middleware.proxy_fix import ProxyFix

__all__ = ["configure_security_headers", "configure_proxy", "check_rate_limit_storage",
           "ConfigurationError", "csp_nonce"]


class ConfigurationError(RuntimeError):
    """A setting that would make the app unsafe or wrong; raised at start-up."""


def _count(app: Flask, key: str) -> int:
    raw = app.config.get(key) or 0
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ConfigurationError(f"{key} must be a whole number, got {raw!r}") from None
    if value < 0:
        raise ConfigurationError(f"{key} must not be negative, got {value}")
    return value


def configure_proxy(app: Flask) -> None:
    """Trust ``PARLEY_TRUSTED_PROXIES`` proxies' X-Forwarded-For/-Proto/-Host/-Port."""
    n = _count(app, "PARLEY_TRUSTED_PROXIES")
    if n:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)


def gunicorn_workers() -> int | None:
    """The worker count of the gunicorn command that runs this process, or None.

    A plain ``gunicorn -w 2 'app:create_app()'`` says nothing to Parley's
    settings, so gunicorn's own configuration is read the way gunicorn
    reads it: the command line, the config file (``-c`` or
    ``./gunicorn.conf.py``) and ``GUNICORN_CMD_ARGS``.
    """
    if "gunicorn" not in Path(sys.argv[0]).as_posix():
        return None
    from gunicorn.app.wsgiapp import WSGIApplication

    class _Probe(WSGIApplication):  # reads the configuration, serves nothing
        def chdir(self) -> None:
            pass

    try:
        return int(_Probe("%(prog)s [OPTIONS] [APP_MODULE]").cfg.workers)
    except (SystemExit, Exception):  # not a gunicorn command line after all
        return None


def check_rate_limit_storage(app: Flask) -> None:
    """Refuse per-process (memory) limit counts when several workers serve."""
    configured, started = _count(app, "PARLEY_WORKERS"), gunicorn_workers() or 0
    workers = max(configured, started)
    said = (f"PARLEY_WORKERS={configured}" if configured >= started
            else f"gunicorn --workers {started}")
    storage = str(app.config.get("RATELIMIT_STORAGE_URI", "memory://"))
    if workers > 1 and storage.startswith("memory://"):
        raise ConfigurationError(
            f"{said} with RATELIMIT_STORAGE_URI={storage}: every worker "
            "would count sign-in and resume attempts on its own. Set "
            "PARLEY_RATELIMIT_STORAGE_URI=redis://HOST:6379 (see README, 'Behind a reverse "
            "proxy, with several workers')."
        )

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def csp_nonce() -> str:
    """A per-response nonce for one small inline script (templates: ``csp_nonce()``).

    Only a page that asks for it gets it, and only that page's policy allows
    ``'nonce-…'``; every other page keeps ``script-src 'self'``. Pages must
    work without the script (it only improves focus after an error).
    """
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def configure_security_headers(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _headers(response: Response) -> Response:
        h = response.headers
        nonce = g.get("csp_nonce")
        policy = CSP.replace("script-src 'self'", f"script-src 'self' 'nonce-{nonce}'") if nonce \
            else CSP
        h.setdefault("Content-Security-Policy", policy)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if "attachment" in h.get("Content-Disposition", ""):
            # Exports and reports hold every participant's answers: no cache
            # (browser or shared) may keep a copy, whatever send_file chose.
            h["Cache-Control"] = "no-store"
        elif response.mimetype == "text/html":
            # Survey pages hold personal answers: never serve them from a shared cache.
            h.setdefault("Cache-Control", "no-store")
        return response
