"""Every route while PostgreSQL refuses connections (stopped, or ``DATABASE_URL`` at a closed
port): each answers at once with the 503 page or with what needs no database (a form, a
redirect to the login, 400 for a post without its CSRF token), never a 500 and never a wait.

``test_hardening_database`` proves the 503 page for a few pages with statements failing and for a
server that hangs; this walks every route and method, anonymous and logged in, as the outside
review does. A refused port is answered by the operating system, so this runs on SQLite too.
"""

from __future__ import annotations

import socket
import time

import pytest
from flask import Flask
from werkzeug.routing import Rule

DATABASE_PAGE = "Datenbank"
# A request that waits for a database that cannot be reached is a bug, whatever it answers.
QUICK = 3.0


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends: connections are refused


@pytest.fixture
def unreachable(monkeypatch) -> Flask:
    """The app with its database at a port where nothing listens; CSRF on, errors as pages."""
    from app import create_app

    monkeypatch.setenv("TEST_DATABASE_URL", f"postgresql://trialog@127.0.0.1:{_closed_port()}/x")
    app = create_app("testing")
    app.config.update(PROPAGATE_EXCEPTIONS=False, WTF_CSRF_ENABLED=True)
    return app


def _value(rule: Rule, name: str):
    converter = rule._converters[name]
    kind = type(converter).__name__
    if "Integer" in kind:
        return 1
    if kind == "AnyConverter":
        return sorted(converter.items)[0]
    return {"slug": "musterstadt", "process_slug": "marktplatz"}.get(name, "x")


def _requests(app: Flask) -> list[tuple[str, str]]:
    found = []
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = adapter.build(rule.endpoint, {n: _value(rule, n) for n in rule.arguments})
        found += [(method, path) for method in sorted(rule.methods & {"GET", "POST"})]
    return found


@pytest.mark.parametrize("visitor", ["anonymous", "logged in"])
def test_every_route_answers_at_once_without_a_database_and_never_500(unreachable, visitor):
    client = unreachable.test_client()
    if visitor == "logged in":  # the session names the account; loading it needs the database
        with client.session_transaction() as session:
            session["_user_id"] = "1:1"
            session["_fresh"] = True
            session["csrf_token"] = "t"
    failures = []
    unavailable = 0
    requests = _requests(unreachable)
    for method, path in requests:
        started = time.monotonic()
        response = client.open(path, method=method)
        took = time.monotonic() - started
        page = response.get_data(as_text=True)
        if took > QUICK:
            failures.append(f"{method} {path} took {took:.1f} s")
        if response.status_code == 503:
            unavailable += 1
            json = response.is_json and response.get_json().get("status") == 503
            if path == "/healthz":  # for load balancers: the status is the answer
                continue
            if not (json or DATABASE_PAGE in page) or not response.headers.get("Retry-After"):
                failures.append(f"{method} {path} 503 without the database page")
        elif response.status_code >= 500:
            failures.append(f"{method} {path} -> {response.status_code}")
        elif visitor == "logged in" and method == "GET":
            failures.append(f"{method} {path} -> {response.status_code} for a logged-in visitor")
    assert len(requests) > 250
    assert unavailable > len(requests) // 2
    assert not failures, "\n".join(failures)


def test_a_post_with_its_csrf_token_gets_the_503_page_not_a_lost_form(unreachable):
    """Writes of a logged-in member with a valid token: the database is the first thing they need,
    and they say so, where a mail server down would not matter (mails wait in the queue)."""
    client = unreachable.test_client()
    with unreachable.test_request_context():
        from flask_wtf.csrf import generate_csrf

        token = generate_csrf()
        from flask import session

        raw = session["csrf_token"]
    with client.session_transaction() as session:
        session["_user_id"] = "1:1"
        session["csrf_token"] = raw
    for path in (
        "/musterstadt/join",
        "/musterstadt/processes/marktplatz/proposals/1/support",
        "/musterstadt/comments/1/reaction",
        "/musterstadt/processes/marktplatz/events/1/register",
    ):
        response = client.post(path, data={"csrf_token": token, "reaction": "agree"})
        assert response.status_code == 503, path
        assert DATABASE_PAGE in response.get_data(as_text=True)
