"""No page makes a request to a third party by default, and only necessary cookies are set."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# A resource the browser loads by itself (not a link the person chooses to follow).
EXTERNAL_RESOURCE = re.compile(
    r"<(?:script|img|iframe|audio|video|source|embed|object)\b[^>]*\bsrc=[\"']?(?:https?:)?//"
    r"|<link\b[^>]*\bhref=[\"']?(?:https?:)?//"
    r"|url\(\s*[\"']?(?:https?:)?//"
    r"|@import\s+[\"']?(?:url\()?[\"']?(?:https?:)?//",
    re.IGNORECASE,
)
# The cookies the privacy page lists: all strictly necessary.
NECESSARY_COOKIES = {"session", "remember_token", "trialog_survey_browser"}


def test_the_default_content_security_policy_names_no_other_host(app):
    from app.core.security import content_security_policy

    assert app.config["MAP_TILE_URL"] == ""
    policy = content_security_policy(app)
    assert "http" not in policy and "*" not in policy, policy


def test_map_tiles_are_the_only_allowed_host_and_only_when_configured(monkeypatch):
    import config
    from app import create_app
    from app.core.security import content_security_policy

    monkeypatch.setattr(config.Config, "MAP_TILE_URL", "https://{s}.tiles.example/{z}/{x}/{y}.png")
    tiled = create_app("testing")
    policy = content_security_policy(tiled)
    img = next(part for part in policy.split("; ") if part.startswith("img-src"))
    assert "https://*.tiles.example" in img
    others = policy.replace(img, "")
    assert "http" not in others


@pytest.mark.parametrize(
    "path", sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "templates").rglob("*.html"))
)
def test_no_template_loads_a_resource_from_another_host(path):
    text = (ROOT / path).read_text()
    assert not EXTERNAL_RESOURCE.search(text), path


@pytest.mark.parametrize(
    "path",
    sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "static" / "css").rglob("*.css")),
)
def test_no_stylesheet_loads_fonts_or_images_from_another_host(path):
    text = (ROOT / path).read_text()
    assert not EXTERNAL_RESOURCE.search(text), path


def test_public_pages_load_nothing_from_another_host_and_set_no_cookie(
    app, client, make_municipality, make_process
):
    town = make_municipality(slug="ohne-tracking")
    process = make_process(town)
    for url in (
        "/",
        "/ohne-tracking/",
        f"/ohne-tracking/processes/{process.slug}/",
        "/login",
        "/register",
        "/datenschutz",
        "/impressum",
        "/barrierefreiheit",
        "/nutzungsbedingungen",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not EXTERNAL_RESOURCE.search(response.get_data(as_text=True)), url
        assert "Set-Cookie" not in response.headers, url


def test_logged_in_pages_set_only_necessary_cookies(app, client, make_user):
    from tests.conftest import PASSWORD

    user = make_user()
    client.get("/login")
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "remember": "y"}
    )
    names = {header.split("=", 1)[0] for header in response.headers.getlist("Set-Cookie")}
    assert names and names <= NECESSARY_COOKIES, names
