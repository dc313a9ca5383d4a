"""Fuzzing the audit trail's filters and the contents of uploaded survey zips (issue 23).

Found by a probe: an out-of-range ``until=`` date (9999-12-31) or a huge
``page=`` number answered 500, and a deeply nested TOML definition in an
upload answered 500 (the parser's RecursionError). Asserts for every
request: no 5xx, no error or traceback in the log (``log_watch``), and for
an upload: stored (303) or explained on the page (400), nothing else.
"""

from __future__ import annotations

import io
import re
import urllib.parse

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from app.audit import record_audit
from app.extensions import db
from tests.fuzz.conftest import FIGURES, fuzz_settings
from tests.fuzz.strategies import nasty_number, nasty_text
from tests.survey_zips import survey_zip

pytestmark = pytest.mark.fuzz
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

EDGE_DATES = ["9999-12-31", "9999-12-30", "0001-01-01", "0000-01-01", "2026-02-30",
              "10000-01-01", "-0001-01-01", "2026-12-07", "20261207", "2026-W49-1"]
a_date = st.one_of(st.sampled_from(EDGE_DATES), st.dates().map(str), nasty_text)
a_page = st.one_of(st.sampled_from(["9" * 30, str(2**63), str(2**31), "-1", "0", "1e9"]),
                   nasty_number, st.integers().map(str))


@given(since=a_date, until=a_date, page=a_page, actor=nasty_text)
@fuzz_settings()
@example(since="", until="9999-12-31", page="1", actor="")
@example(since="", until="", page="9" * 30, actor="")
def _audit_case(client, since, until, page, actor):
    query = urllib.parse.urlencode({"since": since, "until": until, "page": page,
                                    "actor": actor})
    for path in ("/admin/audit", "/admin/audit.csv"):
        response = client.get(f"{path}?{query}")
        FIGURES[("audit filter GET", response.status_code)] += 1
        assert response.status_code < 500, (path, query)
        response.get_data()  # the CSV streams: its errors come while reading


def test_audit_filters_never_fail(app, client, log_watch, make_user, login):
    make_user()
    with app.app_context():
        record_audit(db.session, "account.create", detail="one row to find")
        db.session.commit()
    login(client)
    _audit_case(client)


def _nested(depth: int, kind: str) -> str:
    if kind == "array":
        return "deep = " + "[" * depth + "]" * depth + "\n"
    if kind == "inline":
        return "deep = " + "{ a = " * depth + "1" + " }" * depth + "\n"
    return "[" + ".".join(["t"] * depth) + "]\nx = 1\n"


definition_edit = st.one_of(
    st.tuples(st.integers(1, 6000), st.sampled_from(["array", "inline", "dotted"])).map(
        lambda t: ("nested", _nested(*t))),
    st.tuples(st.just("text"), nasty_text),
    st.tuples(st.just("bytes"), st.binary(max_size=200).map(
        lambda b: b.decode("utf-8", "surrogateescape").encode("utf-8", "surrogateescape")
        .decode("utf-8", "replace"))),
)


@given(edit=definition_edit)
@fuzz_settings(0.5)
@example(edit=("nested", _nested(5000, "array")))
@example(edit=("nested", _nested(2000, "inline")))
def _upload_case(client, edit):
    how, text = edit
    data = survey_zip(edit=lambda toml: text + toml if how == "nested" else toml + "\n" + text)
    token = CSRF.search(client.get("/admin/surveys").get_data(as_text=True)).group(1)
    response = client.post("/admin/surveys/upload", data={
        "csrf_token": token, "archive": (io.BytesIO(data), "survey.zip")},
        content_type="multipart/form-data")
    FIGURES[("survey upload POST", response.status_code)] += 1
    assert response.status_code in (303, 400), (how, text[:80])
    if how == "nested" and text.count("[") + text.count("{") >= 1000:
        assert response.status_code == 400
        assert "nested too deeply" in response.get_data(as_text=True)


def test_uploaded_definitions_are_stored_or_explained(app, client, log_watch, make_user, login):
    make_user()
    login(client)
    _upload_case(client)
