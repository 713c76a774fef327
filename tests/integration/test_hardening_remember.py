"""A copied "stay logged in" cookie is worth no more than the login it came from: it restores a
login for ``REMEMBER_COOKIE_DURATION`` after the password was given and never again, and a
restored login still ends ``SESSION_MAX_AGE`` after the password. Before, the cookie carried no
time the server checked: a copy logged its holder in for ever, each time as a fresh login.

Time travels by moving the clock the session rules read (``app.core.time.utcnow``).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_login.utils import decode_cookie, encode_cookie
from test_hardening_sessions import Clock, log_in, logged_in

DAY = timedelta(days=1)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


def stolen_cookie(app, make_user) -> str:
    """The remember cookie of a login with "stay logged in", as a thief copies it."""
    victim = app.test_client()
    log_in(victim, make_user().email, remember=True)
    return victim.get_cookie("remember_token").value


def thief(app, cookie: str):
    client = app.test_client()
    client.set_cookie("remember_token", cookie)
    return client


@pytest.mark.parametrize(("days", "works"), [(1, True), (13, True), (15, False), (200, False)])
def test_a_copied_remember_cookie_ends_with_the_remember_duration(
    app, make_user, clock, days, works
):
    cookie = stolen_cookie(app, make_user)
    clock.travel(days * DAY)
    assert logged_in(thief(app, cookie)) is works
    assert app.config["REMEMBER_COOKIE_DURATION"] == 14 * 24 * 3600


def test_a_refused_remember_cookie_is_deleted(app, make_user, clock):
    cookie = stolen_cookie(app, make_user)
    clock.travel(15 * DAY)
    response = thief(app, cookie).get("/account")
    assert response.status_code == 302
    removal = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token=")]
    assert removal and "Expires=Thu, 01 Jan 1970" in removal[0]


def test_a_restored_login_still_ends_thirty_days_after_the_password(app, make_user, clock):
    cookie = stolen_cookie(app, make_user)
    clock.travel(13 * DAY)
    client = thief(app, cookie)
    assert logged_in(client)  # restored: a session of its own from now on
    for _visit in range(3):  # active every 5 days: never idle
        clock.travel(5 * DAY)
        assert logged_in(client)
    clock.travel(3 * DAY)  # 31 days after the password was given
    assert not logged_in(client)


def test_a_remember_cookie_without_its_login_time_is_refused(app, make_user):
    cookie = stolen_cookie(app, make_user)
    with app.test_request_context():
        key = decode_cookie(cookie)
        assert key is not None and "@" in key  # signed together with the time of the login
        old_style = encode_cookie(key.rpartition("@")[0])  # as Flask-Login alone issued it
    assert not logged_in(thief(app, old_style))


def test_the_login_time_in_the_cookie_cannot_be_moved(app, make_user, clock):
    cookie = stolen_cookie(app, make_user)
    clock.travel(15 * DAY)
    payload, digest = cookie.rsplit("|", 1)
    key, _at, login_at = payload.rpartition("@")
    moved = f"{key}@{int(login_at) + 15 * 24 * 3600}|{digest}"
    assert not logged_in(thief(app, moved))
