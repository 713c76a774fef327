"""What every page carries besides its content."""

from __future__ import annotations

import re


def test_every_page_names_a_favicon_that_is_served(client):
    page = client.get("/").get_data(as_text=True)
    href = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page).group(1)
    icon = client.get(href)
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml"
    assert b"<svg" in icon.data
