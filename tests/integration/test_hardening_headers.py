"""Security headers on every answer of an app configured like production (secure cookies, so HSTS;
the page cache on): pages, pages served from the page cache, redirects, every error page
including a crash, JSON, files. A kept page must not lose a header on its way out of the cache."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


@pytest.fixture
def production_like(app, monkeypatch) -> Iterator[Flask]:
    """A second app on the test database with secure cookies and the page cache in memory."""
    from app import create_app
    from app.extensions import db
    from config import TestingConfig

    monkeypatch.setenv("TEST_PAGE_CACHE_URL", "memory://")
    monkeypatch.setattr(TestingConfig, "SESSION_COOKIE_SECURE", True)
    monkeypatch.setattr(TestingConfig, "REMEMBER_COOKIE_SECURE", True)
    application = create_app("testing")
    application.config["PROPAGATE_EXCEPTIONS"] = (
        False  # a crash gets the 500 page, as in production
    )
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _crash():
    raise RuntimeError("boom")


def _answers(application: Flask, town) -> dict[str, object]:
    client = application.test_client()
    answers = {
        "page": client.get(f"/{town.slug}/"),
        "page from the cache": client.get(f"/{town.slug}/"),
        "redirect": client.get("/account"),
        "not found": client.get("/gibt-es-nicht/"),
        "method not allowed": client.put("/login"),
        "bad request": client.get("/search?q=%00"),
        "form error": client.post("/login", data={}),
        "json": client.get("/api/v1/municipalities"),
        "json error": client.get("/api/v1/municipalities/gibt-es-nicht"),
        "static": client.get("/static/css/app.css"),
        "calendar": client.get(f"/{town.slug}/events.ics"),
    }
    application.view_functions["site.healthz"] = _crash
    answers["crash"] = client.get("/healthz")
    return answers


def test_every_answer_carries_the_security_headers(production_like, make_municipality):
    town = make_municipality(xss=False)
    answers = _answers(production_like, town)
    assert answers["page from the cache"].headers.get("X-Page-Cache") == "hit"
    assert answers["crash"].status_code == 500
    for kind, response in answers.items():
        for name, value in HEADERS.items():
            assert response.headers.get(name) == value, (kind, name)
        policy = response.headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in policy or "sandbox" in policy, kind
        assert "script-src 'self'" in policy or "default-src 'none'" in policy, kind
