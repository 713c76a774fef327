"""Another municipality's ids through one's own addresses: Beispielheim's staff and admin ask every
route of ``/beispielheim/...`` (and the API's ``/api/v1/municipalities/beispielheim/...``) with the
ids of Musterstadt's objects put in, one at a time and all at once. Every answer is 403 or 404, and
no such request writes anything.

``test_route_matrix.py`` proves that other towns' people get 403 on Musterstadt's own addresses;
this proves the loaders behind a town's addresses scope every id by that town (and by the process,
survey, draft or event the address names), whatever ids are typed. Both towns are built by the
matrix's own helpers, so each new route declared there is asked here too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import test_route_matrix as matrix
from rollback_support import rolled_back, wipe
from sqlalchemy import event

from app.core.roles import Role

ACTORS = ("other_staff", "other_admin")
# The API's writes take a token, never a session (401 for every browser); they have tests of their
# own for tokens of other municipalities (test_api_write.py).
SKIP_ACCESS = {matrix.API_TOKEN}


class Towns:
    """Musterstadt (``home``, the matrix's world) and Beispielheim (``own``) with the same objects."""

    home: matrix.World
    own: matrix.World


_TOWNS: Towns | None = None


def _build(app, make_municipality, make_member, make_user, make_process) -> Towns:
    towns = Towns()
    towns.home = matrix._build_world(app, make_municipality, make_member, make_user, make_process)
    other = towns.home.other
    users = {
        "citizen": make_member(other, Role.CITIZEN),
        "staff": towns.home.users["other_staff"],
        "moderator": make_member(other, Role.MODERATOR),
        "council": make_member(other, Role.COUNCIL),
        "facilitator": make_member(other, Role.FACILITATOR),
        "admin": towns.home.users["other_admin"],
        "other_staff": towns.home.users["other_staff"],
        "other_admin": towns.home.users["other_admin"],
        "platform_admin": towns.home.users["platform_admin"],
    }
    own = matrix.World(other, towns.home.municipality, users)
    own.ids.update(matrix.town_ids(app, other, users, make_member, make_user, make_process))
    towns.own = own
    return towns


@pytest.fixture(scope="module", autouse=True)
def _wipe_after(app) -> Iterator[None]:
    global _TOWNS
    yield
    _TOWNS = None
    wipe(app)


@pytest.fixture(autouse=True)
def _clean_state(request, app, smtp_server) -> Iterator[None]:
    """As in the route matrix: both towns built once, each case's writes rolled back."""
    global _TOWNS
    from app.extensions import limiter, write_limiter

    smtp_server[1].clear()
    limiter.reset()
    write_limiter.reset()
    if _TOWNS is None:
        _TOWNS = _build(
            app,
            request.getfixturevalue("make_municipality"),
            request.getfixturevalue("make_member"),
            request.getfixturevalue("make_user"),
            request.getfixturevalue("make_process"),
        )
    with rolled_back(app):
        yield


@pytest.fixture
def towns(_clean_state) -> Towns:
    return _TOWNS


@contextmanager
def writes_recorded(app) -> Iterator[list[str]]:
    """The INSERT, UPDATE and DELETE statements the app runs inside the block."""
    from app.extensions import db

    seen: list[str] = []

    def record(_conn, _cursor, statement, _parameters, context, _executemany) -> None:
        if context is not None and (context.isinsert or context.isupdate or context.isdelete):
            seen.append(statement.split("\n", 1)[0][:120])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "after_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "after_cursor_execute", record)


def _tenant_routes() -> list[tuple[str, str]]:
    return sorted(
        key
        for key, route in matrix.ROUTES.items()
        if route.access not in SKIP_ACCESS
        and "slug" in _probe_args(route)
        and len(_probe_args(route)) > 1
    )


def _probe_args(route: matrix.Route) -> set[str]:
    """The argument names of ``route`` (asked with a world of dummy ids)."""
    probe = matrix.World(_Dummy(), _Dummy(), {}, _AnyIds())
    try:
        return set(route.args(probe))
    except Exception:  # arguments that are no ids
        return set()


class _Dummy:
    slug = "x"
    id = 0


class _AnyIds(dict):
    def __getitem__(self, key):
        return 1

    def __contains__(self, key) -> bool:
        return True


def _variants(own: dict, home: dict) -> list[tuple[str, dict]]:
    """Own arguments with each foreign id put in alone, then with all of them at once."""
    foreign = [k for k in own if k != "slug" and own[k] != home.get(k, own[k])]
    variants = [(k, {**own, k: home[k]}) for k in foreign]
    if len(foreign) > 1:
        variants.append(("all", {**own, **{k: home[k] for k in foreign}}))
    return variants


CASES = [
    pytest.param(endpoint, method, actor, id=f"{endpoint}-{method}-{actor}")
    for endpoint, method in _tenant_routes()
    for actor in ACTORS
]


@pytest.mark.parametrize(("endpoint", "method", "actor"), CASES)
def test_foreign_ids_through_own_addresses_find_nothing_and_change_nothing(
    app, client, login, towns, endpoint, method, actor
):
    from flask import url_for

    route = matrix.ROUTES[(endpoint, method)]
    own_args = route.args(towns.own)
    home_args = route.args(towns.home)
    login(client, towns.own.users[actor])
    for label, args in _variants(own_args, home_args):
        with app.test_request_context():
            url = url_for(endpoint, **args)
        with writes_recorded(app) as writes:
            response = client.open(url, method=method, data={})
        assert response.status_code in (403, 404), (url, label, response.status_code)
        assert not writes, (url, label, writes)
