"""One-time account links use PARLEY_BASE_URL, as the README says, in the browser as on the CLI."""

from __future__ import annotations

import re

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
LINK = re.compile(r'id="one-time-link" href="([^"]+)"')


def test_invitation_and_reset_links_use_the_public_address(app, client, make_user, login):
    app.config["PARLEY_BASE_URL"] = "https://survey.example.org/"
    make_user()
    login(client)
    token = CSRF.search(client.get("/admin/accounts").get_data(as_text=True)).group(1)
    page = client.post("/admin/accounts/invite", data={
        "csrf_token": token, "email": "ana@example.org", "role": "analyst"})
    link = LINK.search(page.get_data(as_text=True)).group(1)
    assert link.startswith("https://survey.example.org/admin/set-password/")
    assert client.get(link.removeprefix("https://survey.example.org")).status_code == 200


def test_without_a_public_address_the_link_uses_the_request_host(app, client, make_user, login):
    make_user()
    login(client)
    token = CSRF.search(client.get("/admin/accounts").get_data(as_text=True)).group(1)
    page = client.post("/admin/accounts/invite", data={
        "csrf_token": token, "email": "ana@example.org", "role": "analyst"})
    assert LINK.search(page.get_data(as_text=True)).group(1).startswith(
        "http://localhost/admin/set-password/")
