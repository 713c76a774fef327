"""What the browser tests share: the Chromium launch, their marks, the demo logins, logging in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
DEMO_PASSWORD = "trialog-demo"  # the published demo login (app/demo.py)

# Every e2e module sets ``pytestmark = E2E_MARKS``: the marker, one xdist group (so one worker owns
# the browser and the server), and a clear skip where Debian's Chromium is not installed.
E2E_MARKS = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("e2e"),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"browser tests need Chromium at {CHROMIUM} (not installed)"
    ),
]


@dataclass(frozen=True)
class DemoRole:
    """A demo login and what it should find in Musterstadt (and its own municipality)."""

    key: str
    email: str
    name: str
    home: str | None  # the municipality slug of its membership
    role: str | None  # its role there (app.core.roles.Role value)
    backoffice: bool = False  # may use /musterstadt/admin/
    manage_members: bool = False  # may use /musterstadt/admin/members
    platform_admin: bool = False


ROLES = [
    DemoRole(
        "platform-admin",
        "admin@trialog.example",
        "Plattform-Admin",
        None,
        None,
        backoffice=True,
        manage_members=True,
        platform_admin=True,
    ),
    DemoRole(
        "staff",
        "verwaltung@musterstadt.example",
        "Petra Verwaltung",
        "musterstadt",
        "staff",
        backoffice=True,
    ),
    DemoRole(
        "moderator",
        "moderation@musterstadt.example",
        "Moritz Moderation",
        "musterstadt",
        "moderator",
        backoffice=True,
    ),
    DemoRole(
        "council",
        "rat@musterstadt.example",
        "Rita Gemeinderätin",
        "musterstadt",
        "council",
    ),
    DemoRole(
        "facilitator",
        "begleitung@musterstadt.example",
        "Bernd Begleitung",
        "musterstadt",
        "facilitator",
        backoffice=True,
    ),
    DemoRole(
        "citizen",
        "buerger@musterstadt.example",
        "Bea Bürgerin",
        "musterstadt",
        "citizen",
    ),
    DemoRole(
        "beispielheim-staff",
        "verwaltung@beispielheim.example",
        "Valentin Verwaltung",
        "beispielheim",
        "staff",
    ),
    DemoRole(
        "beispielheim-citizen",
        "buerger@beispielheim.example",
        "Ben Bürger",
        "beispielheim",
        "citizen",
    ),
]
ROLES_BY_KEY = {role.key: role for role in ROLES}


def page_key(url: str) -> str:
    """A URL as the tests compare it: path and sorted query, without origin and fragment."""
    parts = urlsplit(url)
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return urlunsplit(("", "", parts.path or "/", query, ""))


def log_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the real form at /login and wait for the page it lands on."""
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.locator("main form [type=submit]").click()
    assert "/login" not in page.url, f"logging in as {email} failed: still on {page.url}"
