"""Admin pages use the screen's width for tables; participant pages keep their column (issue 19)."""

from __future__ import annotations

from pathlib import Path

import app as app_package


def test_admin_pages_are_marked_to_use_the_screens_width(app, client, make_campaign, make_user,
                                                         login):
    slug = make_campaign()
    make_user()
    login(client)
    assert '<body class="admin">' in client.get(f"/admin/campaign/{slug}").get_data(as_text=True)
    assert "<body>" in app.test_client().get(f"/c/{slug}/").get_data(as_text=True)
    css = (Path(app_package.__file__).parent / "static" / "parley.css").read_text()
    assert ".admin .container { max-width: min(100%, 96rem); }" in css
    assert ".admin .wrap-cells td { overflow-wrap: break-word; }" in css
