"""Calls in templates that only fail once a page has data enough to show them."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# ``pager(page)`` alone builds its links with ``url_for(None, ...)``: a 500 as soon as a list has a
# second page (the residency members' list did, in a town with more members than a page holds).
BARE_PAGER = re.compile(r"\bpager\(\s*\w+\s*\)")


def test_every_pager_is_told_where_its_pages_are():
    bare = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in TEMPLATES.rglob("*.html")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if BARE_PAGER.search(line)
    ]
    assert not bare, f"pager() without an endpoint or page_url: {bare}"
