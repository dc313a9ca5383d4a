"""The error-summary focus script runs under a per-response nonce; other pages allow no inline script."""

from __future__ import annotations

import re

from app.web.security import CSP


def test_a_page_with_errors_allows_exactly_its_own_script(client, make_campaign):
    make_campaign()
    html = client.get("/c/town/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    first = client.post("/c/town/start", data={"csrf_token": token})  # consent not ticked
    second = client.post("/c/town/start", data={"csrf_token": token})
    nonces = []
    for response in (first, second):
        page = response.get_data(as_text=True)
        nonce = re.search(r'<script nonce="([^"]+)">document.getElementById\("error-summary"\)'
                          r'\.focus\(\);</script>', page).group(1)
        policy = response.headers["Content-Security-Policy"]
        assert f"script-src 'self' 'nonce-{nonce}';" in policy
        assert "unsafe-inline" not in policy
        nonces.append(nonce)
    assert nonces[0] != nonces[1] and len(nonces[0]) >= 22


def test_a_page_without_errors_keeps_the_plain_policy(client, make_campaign):
    make_campaign()
    response = client.get("/c/town/")
    assert "<script" not in response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"] == CSP
