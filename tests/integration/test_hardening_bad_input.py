"""Bad input a browser never sends is a 4xx on every route of ``app.url_map``, never a 500.

What a fuzzing run found, sent to every rule and method, anonymously and as staff: ids beyond
PostgreSQL's ``integer`` (2^31 and 2^64), a NUL byte in each text segment and in the query string,
and a multipart part without a field name (with CSRF protection on, as in production). Run it on
PostgreSQL too (``make test-postgres``): that is where the 2^31 and NUL errors showed. Parallel
registrations with one address and parallel joins by one person end in the normal flow.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Rule

from app.core.requests import MAX_ID
from app.core.roles import Role
from tests.conftest import PASSWORD

BIG_IDS = (MAX_ID + 1, 2**63, 2**64)
NUL = "a\x00b"
PLACEHOLDER = re.compile(r"<(?:[^<>:]+:)?(\w+)>")  # <name>, <conv:name>, <conv(args):name>
NAMELESS_PART = (
    b"--XX\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n"
    b'--XX\r\nContent-Disposition: form-data; name="title"\r\n\r\nx\r\n--XX--\r\n'
)


@dataclass
class World:
    slug: str
    process_slug: str
    staff: object


def _converter(rule: Rule, name: str) -> str:
    return type(rule._converters[name]).__name__


def _values(rule: Rule, world: World, *, int_value: int = 1, nul_in: str | None = None) -> dict:
    """Arguments for ``rule``: the world's real slugs, ``int_value`` for ids, NUL where asked."""
    values = {}
    for name in rule.arguments:
        kind = _converter(rule, name)
        if name == nul_in:
            values[name] = NUL
        elif "Integer" in kind:
            values[name] = int_value
        elif kind == "AnyConverter":
            values[name] = sorted(rule._converters[name].items)[0]
        elif name == "slug":
            values[name] = world.slug
        elif name == "process_slug":
            values[name] = world.process_slug
        else:
            values[name] = "x"
    return values


def _path(rule: Rule, values: dict) -> str:
    """The URL for ``rule`` built by hand, since no converter would accept the bad values."""
    return PLACEHOLDER.sub(lambda m: quote(str(values[m.group(1)]), safe=""), rule.rule)


def _methods(rule: Rule) -> list[str]:
    return sorted(rule.methods & {"GET", "POST"})


@pytest.fixture
def world(make_municipality, make_member, make_process) -> World:
    town = make_municipality(xss=False)
    process = make_process(town, formats=("proposals", "comments", "surveys"))
    return World(slug=town.slug, process_slug=process.slug, staff=make_member(town, Role.STAFF))


@pytest.fixture
def no_propagation(app, monkeypatch) -> Iterator[None]:
    """Let a 500 be a response the test collects, with CSRF on as in production."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    yield


def _rules(app) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


def test_an_id_beyond_the_integer_range_matches_no_route(app, world):
    """The mechanism: every ``int`` converter is bounded, so no view ever sees such an id."""
    adapter = app.url_map.bind("localhost")
    with_ids = [r for r in _rules(app) if any("Integer" in _converter(r, a) for a in r.arguments)]
    assert len(with_ids) > 30
    for rule in with_ids:
        for big in BIG_IDS:
            path = _path(rule, _values(rule, world, int_value=big))
            for method in _methods(rule):
                # 405 where a rule for another method shares the path: it never reaches a view
                with pytest.raises((NotFound, MethodNotAllowed)):
                    adapter.match(path, method=method)
        ok = _path(rule, _values(rule, world, int_value=MAX_ID))
        for method in _methods(rule):
            assert adapter.match(ok, method=method)[0] == rule.endpoint, (rule.rule, method)


def _requests(app, world: World) -> Iterator[tuple[str, str, dict]]:
    """(method, path, extra client arguments) for every bad input on every rule."""
    for rule in _rules(app):
        ints = [a for a in rule.arguments if "Integer" in _converter(rule, a)]
        texts = [
            a for a in rule.arguments if _converter(rule, a) != "AnyConverter" and a not in ints
        ]
        for method in _methods(rule):
            if ints:
                for big in BIG_IDS:
                    yield method, _path(rule, _values(rule, world, int_value=big)), {}
            for name in texts:
                yield method, _path(rule, _values(rule, world, nul_in=name)), {}
            plain = _path(rule, _values(rule, world))
            yield method, plain + "?page=%00&q=a%00b", {}
            if method == "POST":
                yield (
                    method,
                    plain,
                    {"data": NAMELESS_PART, "content_type": "multipart/form-data; boundary=XX"},
                )


@pytest.mark.parametrize("actor", ["anonymous", "staff"])
def test_bad_input_on_every_route_is_never_a_server_error(
    app, client, login, world, no_propagation, actor
):
    if actor == "staff":
        login(client, world.staff)
    failures = []
    count = 0
    for method, path, extra in _requests(app, world):
        count += 1
        response = client.open(path, method=method, **extra)
        if response.status_code >= 500:
            failures.append(f"{method} {path!r} -> {response.status_code}")
        elif "data" in extra and not 400 <= response.status_code < 500:
            # 400 where the form is read; routes without CSRF (the API) refuse earlier
            failures.append(f"{method} {path!r} nameless part -> {response.status_code}")
        elif "%00" in path and response.status_code not in (400, 404, 405):
            # refused before any view: the converters and the query check
            failures.append(f"{method} {path!r} NUL -> {response.status_code}")
    assert count > 300
    assert not failures, "\n".join(failures)


def test_a_nul_byte_in_a_form_field_never_reaches_the_database(app, client, login, world):
    login(client, world.staff)
    response = client.post("/account", data={"display_name": "Anna\x00 Beispiel"})
    assert response.status_code in (200, 302)


# --- parallel requests -------------------------------------------------------------------------


def _in_parallel(app, count: int, send) -> list[int]:
    """Run ``send(client)`` from ``count`` threads at once; their status codes."""
    barrier = threading.Barrier(count)
    statuses: list[int] = []
    lock = threading.Lock()

    def run(client) -> None:
        barrier.wait()
        status = send(client).status_code
        with lock:
            statuses.append(status)

    clients = [app.test_client() for _ in range(count)]
    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_parallel_registrations_with_one_address_make_one_account(app, monkeypatch):
    from app.accounts.models import User
    from app.extensions import db

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    form = {
        "email": "zwilling@example.org",
        "display_name": "Zwilling",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "accept_terms": "y",
    }
    statuses = _in_parallel(app, 6, lambda c: c.post("/register", data=form))
    assert all(s < 500 for s in statuses), statuses
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_parallel_joins_by_one_person_make_one_membership(app, make_municipality, make_user):
    from app.extensions import db
    from app.municipalities.models import Membership

    app_config = app.config
    town = make_municipality()
    user = make_user()

    def join(client):
        with client.session_transaction() as session:
            session["_user_id"] = f"{user.id}:{user.session_version}"
        return client.post(f"/{town.slug}/join")

    propagate = app_config.get("PROPAGATE_EXCEPTIONS")
    app_config["PROPAGATE_EXCEPTIONS"] = False
    try:
        statuses = _in_parallel(app, 6, join)
    finally:
        app_config["PROPAGATE_EXCEPTIONS"] = propagate
    assert statuses == [302] * 6
    with app.app_context():
        count = db.session.scalar(
            select(func.count()).select_from(Membership).where(Membership.user_id == user.id)
        )
    assert count == 1
