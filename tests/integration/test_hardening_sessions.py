"""Session lifetimes (idle and absolute, checked on the server) and no caching of personal pages.

Time travels by moving the clock the session rule reads (``app.core.time.utcnow``).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import PASSWORD

DAY = timedelta(days=1)


class Clock:
    """The session rule's clock, moved by hand."""

    def __init__(self, monkeypatch) -> None:
        from app.core import time

        self.real = time.utcnow
        self.offset = timedelta()
        monkeypatch.setattr(time, "utcnow", lambda: self.real() + self.offset)

    def travel(self, delta: timedelta) -> None:
        self.offset += delta


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


def log_in(client, email: str, *, remember: bool = False):
    data = {"email": email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302
    return response


def logged_in(client) -> bool:
    response = client.get("/account")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    return False


def _set_cookie(response, name: str) -> str:
    found = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    assert found, f"no {name} cookie set"
    return found[-1]


def test_without_stay_logged_in_the_session_cookie_ends_with_the_browser(client, make_user):
    response = log_in(client, make_user().email)
    assert "Expires=" not in _set_cookie(response, "session")


def test_stay_logged_in_keeps_the_session_cookie_for_the_idle_timeout(client, make_user, app):
    response = log_in(client, make_user().email, remember=True)
    cookie = _set_cookie(response, "session")
    assert "Expires=" in cookie
    assert app.permanent_session_lifetime == 14 * DAY


@pytest.mark.parametrize("remember", [False, True])
def test_a_session_idle_longer_than_the_timeout_ends(client, make_user, clock, remember):
    log_in(client, make_user().email, remember=remember)
    clock.travel(13 * DAY)
    assert logged_in(client)
    clock.travel(13 * DAY)  # 13 idle days again: still within the timeout
    assert logged_in(client)
    clock.travel(14 * DAY + timedelta(seconds=1))
    assert not logged_in(client)
    page = client.get("/login").get_data(as_text=True)
    assert "Ihre Sitzung ist abgelaufen" in page


def test_an_expired_stay_logged_in_session_also_drops_the_remember_cookie(client, make_user, clock):
    log_in(client, make_user().email, remember=True)
    clock.travel(15 * DAY)
    response = client.get("/account")
    assert response.status_code == 302
    remember = _set_cookie(response, "remember_token")
    assert "Expires=Thu, 01 Jan 1970" in remember
    client.delete_cookie("session")  # a browser restart: the remember cookie must not revive it
    assert not logged_in(client)


def test_an_active_login_ends_after_the_absolute_lifetime(client, make_user, clock, app):
    log_in(client, make_user().email, remember=True)
    for _visit in range(3):  # a visit every 9 days: never idle
        clock.travel(9 * DAY)
        assert logged_in(client)
    clock.travel(4 * DAY)  # 31 days after the password was given
    assert not logged_in(client)
    assert app.config["SESSION_MAX_AGE"] == 30 * 24 * 3600


def test_session_timeouts_are_configurable(client, make_user, clock, app, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_TIMEOUT", 3600)
    log_in(client, make_user().email)
    clock.travel(timedelta(minutes=59))
    assert logged_in(client)
    clock.travel(timedelta(minutes=61))
    assert not logged_in(client)


# --- no caching of personal and back-office pages -------------------------------------------


def test_every_page_for_a_logged_in_person_is_not_stored(client, make_user, login):
    login(client, make_user())
    for path in ("/", "/account", "/impressum", "/no-such-page"):
        assert client.get(path).headers.get("Cache-Control") == "no-store", path


def test_public_pages_for_anonymous_visitors_may_be_cached(client):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")


@pytest.mark.parametrize(
    "path",
    ["/account", "/platform/municipalities", "/gemeinde-1/admin/", "/gemeinde-1/admin/audit"],
)
def test_back_office_and_account_pages_are_never_stored(client, path, make_municipality):
    make_municipality()
    response = client.get(path)
    assert response.status_code in (302, 404)
    assert response.headers["Cache-Control"] == "no-store"


def test_static_files_keep_their_caching_for_logged_in_people(client, make_user, login):
    login(client, make_user())
    assert client.get("/static/css/app.css").headers.get("Cache-Control") != "no-store"
