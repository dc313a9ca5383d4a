"""The access log shows no set-password token, follow-up code, invite code or panel id."""

from __future__ import annotations

import datetime
import logging
import types

import pytest
from gunicorn.app.base import BaseApplication
from gunicorn.config import Config

from app.serve import serve
from app.web.access_log import RedactingLogger

SECRETS = ["Tok3nS3cr3t", "FUCODE1234", "INVITE9876", "PANEL-ID-42"]


def _line(path: str, query: str = "", referer: str = "-") -> str:
    config = Config()
    config.set("accesslog", "-")
    logger = RedactingLogger(config)
    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())
    logger.access_log.addHandler(handler)
    raw = path + (f"?{query}" if query else "")
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": raw, "PATH_INFO": path,
               "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "192.0.2.1",
               "HTTP_REFERER": referer}
    resp = types.SimpleNamespace(status="200 OK", sent=10, headers=[])
    req = types.SimpleNamespace(headers=[("REFERER", referer)])
    logger.access(resp, req, environ, datetime.timedelta(seconds=0, microseconds=1500))
    assert records, "nothing logged"
    return records[-1]


def test_tokens_and_codes_never_reach_the_access_log():
    lines = [
        _line("/admin/set-password/Tok3nS3cr3t"),
        _line("/c/town/followup/FUCODE1234"),
        _line("/c/town/followup/FUCODE1234/step/followup:after"),
        _line("/c/town/", "invite=INVITE9876&lang=de"),
        _line("/c/town/", "PROLIFIC_PID=PANEL-ID-42"),
        _line("/c/town/go", referer="https://example.org/c/town/?invite=INVITE9876"),
    ]
    for line in lines:
        assert not any(secret in line for secret in SECRETS), line
    assert "/admin/set-password/[redacted]" in lines[0]
    assert "/c/town/followup/[redacted]/step/followup:after" in lines[2]
    assert "GET /c/town/?[redacted] HTTP/1.1" in lines[3]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_parley_run_gives_gunicorn_the_redacting_logger(app, monkeypatch):
    seen = {}

    def run(self):  # instead of serving: what gunicorn would log with
        seen["logger"] = self.cfg.logger_class

    monkeypatch.setattr(BaseApplication, "run", run)
    serve(app, "127.0.0.1", 0, workers=1, threads=1)
    assert seen["logger"] is RedactingLogger
