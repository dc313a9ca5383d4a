"""Configuration: defaults, then instance/config.py, then environment, then tests.

The secret key is never in the code: on first run a random one is written to
``instance/secret_key`` (mode 600) and read from there afterwards, so
sessions survive restarts and every installation has its own.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

__all__ = ["configure"]

#: Environment variables read on start (PARLEY_ prefix, or the usual DATABASE_URL).
ENV_KEYS = {
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "PARLEY_SECRET_KEY": "SECRET_KEY",
    "PARLEY_RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    "PARLEY_BASE_URL": "PARLEY_BASE_URL",
    "PARLEY_TRUSTED_PROXIES": "PARLEY_TRUSTED_PROXIES",
    "WEB_CONCURRENCY": "PARLEY_WORKERS",
    "PARLEY_WORKERS": "PARLEY_WORKERS",
    "PARLEY_JOBS": "PARLEY_JOBS",
    "PARLEY_REDIS_URL": "PARLEY_REDIS_URL",
    "PARLEY_RQ_QUEUE": "PARLEY_RQ_QUEUE",
    "PARLEY_JOBS_DIR": "PARLEY_JOBS_DIR",
    "PARLEY_JOB_FILES": "PARLEY_JOB_FILES",
}


def defaults(instance_path: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(instance_path, "parley.sqlite"),
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": 6 * 3600,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "MAX_CONTENT_LENGTH": 256 * 1024,
        #: Resume cookie lifetime: long enough to come back next week.
        "PARLEY_RESUME_DAYS": 30,
        #: Admin sessions end after this many minutes without a request.
        "PARLEY_SESSION_IDLE_MINUTES": 30,
        "PERMANENT_SESSION_LIFETIME": 30 * 60,
        #: Owners must set up a TOTP second factor before anything else.
        "PARLEY_REQUIRE_TOTP_FOR_OWNERS": False,
        #: Hours a one-time set-password link works, by purpose.
        "PARLEY_LINK_HOURS": {"invite": 72, "reset": 24},
        #: Where exports and reports run: "thread" (embedded), "rq" (Redis) or "inline".
        "PARLEY_JOBS": "thread",
        "PARLEY_REDIS_URL": "redis://127.0.0.1:6379/0",
        "PARLEY_RQ_QUEUE": "parley",
        "PARLEY_JOB_TIMEOUT_SECONDS": 3600,
        #: Where finished files are kept: "disk" or "database"; None chooses
        #: "database" with RQ and no shared PARLEY_JOBS_DIR (app/jobs/storage.py).
        "PARLEY_JOB_FILES": None,
        #: A running job's worker writes a heartbeat this often; a job whose
        #: heartbeat is older than PARLEY_JOB_DEAD_SECONDS lost its worker.
        "PARLEY_JOB_HEARTBEAT_SECONDS": 5,
        "PARLEY_JOB_DEAD_SECONDS": 30,
        #: Finished export and report files are deleted after this many hours.
        "PARLEY_JOB_KEEP_HOURS": 24,
        #: Largest panel submissions file the campaign page joins (bytes; held in memory).
        "PARLEY_PANEL_MATCH_BYTES": 5 * 1024 * 1024,
        #: The monitor page reloads itself this often.
        "PARLEY_MONITOR_REFRESH_SECONDS": 30,
        #: Sign-in attempts allowed per address.
        "PARLEY_LOGIN_LIMIT": "10 per minute;50 per hour",
        #: Wrong second-factor codes allowed per account (from any address);
        #: beyond it the account's code step answers 429 until the window passes.
        "PARLEY_TOTP_ACCOUNT_LIMIT": "5 per 15 minutes",
        #: Resume-code attempts allowed per address (codes cannot be guessed;
        #: the limit only stops free load).
        "PARLEY_RESUME_LIMIT": "20 per minute;200 per hour",
        #: Refused invite or follow-up codes allowed per address (app/participant/code_limit.py).
        "PARLEY_CODE_LIMIT": "20 per minute;200 per hour",
        #: Reverse proxies in front of the app whose X-Forwarded-* headers are
        #: trusted (0: none, the app faces clients directly).
        "PARLEY_TRUSTED_PROXIES": 0,
        #: Worker processes serving the app; above 1 the limiter needs Redis.
        "PARLEY_WORKERS": 1,
    }


def configure(app: Flask, test_config: dict | None) -> None:
    app.config.from_mapping(defaults(app.instance_path))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        for env, key in ENV_KEYS.items():
            if os.environ.get(env):
                app.config[key] = os.environ[env]
    else:
        app.config.from_mapping(test_config)
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgres://"):  # the form some hosts hand out
        uri = "postgresql://" + uri.removeprefix("postgres://")
    if uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri.removeprefix("postgresql://")
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    # Check a pooled connection before use, so a database restart costs one
    # reconnect instead of an error page (kept even when a config replaces
    # the engine options).
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "pool_pre_ping": True, **app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    }
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))


def _instance_secret(instance: Path) -> str:
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key
