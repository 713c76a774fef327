"""Rate limits on login, registration and password reset: per client IP and per account.

The limits are read from the config at request time, so each test sets small ones. Rotating IPs
must not escape the per-account limit, rotating e-mail addresses must not escape the per-IP one.
"""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

GENEROUS = "1000 per minute"


def ip(n: int) -> dict:
    return {"REMOTE_ADDR": f"203.0.113.{n}"}


def login_data(email: str, password: str = "") -> dict:
    """An empty password fails the form before any hashing: the limit is what is tested."""
    return {"email": email, "password": password}


def register_data(email: str) -> dict:
    return {
        "email": email,
        "display_name": "Neue Person",
        "password": "short",  # refused by the form: no hashing, the limit is what is tested
        "password_confirm": "short",
        "accept_terms": "y",
    }


def forgot_data(email: str) -> dict:
    return {"email": email}


FORMS = {
    "/login": login_data,
    "/register": register_data,
    "/password/forgot": forgot_data,
}


@pytest.fixture
def limits(app, monkeypatch):
    def set_limits(*, per_ip: str = GENEROUS, per_account: str = GENEROUS) -> None:
        monkeypatch.setitem(app.config, "AUTH_RATE_LIMIT_PER_IP", per_ip)
        monkeypatch.setitem(app.config, "AUTH_RATE_LIMIT_PER_ACCOUNT", per_account)

    return set_limits


def assert_readable_429(response, *, heading: str = "Zu viele Versuche") -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert f"<h1>{heading}</h1>" in page
    assert 'class="site-header"' in page and 'class="site-footer"' in page  # the layout
    assert response.headers["Retry-After"].isdigit()


@pytest.mark.parametrize("path", list(FORMS))
def test_per_account_limit_holds_when_the_attacker_rotates_ips(client, limits, path):
    limits(per_account="3 per minute")
    data = FORMS[path]("victim@example.org")
    for n in range(3):
        assert client.post(path, data=data, environ_overrides=ip(n)).status_code != 429

    assert_readable_429(client.post(path, data=data, environ_overrides=ip(99)))


@pytest.mark.parametrize("path", list(FORMS))
def test_per_ip_limit_holds_when_the_attacker_rotates_emails(client, limits, path):
    limits(per_ip="3 per minute")
    for n in range(3):
        data = FORMS[path](f"target{n}@example.org")
        assert client.post(path, data=data, environ_overrides=ip(1)).status_code != 429

    data = FORMS[path]("target99@example.org")
    assert_readable_429(client.post(path, data=data, environ_overrides=ip(1)))
    assert client.post(path, data=data, environ_overrides=ip(2)).status_code != 429


@pytest.mark.parametrize(
    "variant",
    [
        "VICTIM@example.org",
        "  victim@example.org ",
        "vic\x00tim@example.org",
        "victim@exam\x07ple.org",
        "victim@example.org\x1b",
    ],
)
def test_per_account_limit_cannot_be_dodged_by_spelling_the_address_differently(
    client, limits, variant
):
    """Whatever the form accepts as the same address must count against the same account."""
    limits(per_account="2 per minute")
    for n in range(2):
        client.post("/login", data=login_data("victim@example.org"), environ_overrides=ip(n))

    response = client.post("/login", data=login_data(variant), environ_overrides=ip(50))
    assert response.status_code == 429


def test_control_characters_in_the_email_name_the_same_account(client, make_user):
    """Why the variants above matter: the form cleans them into the victim's address."""
    user = make_user()
    local, domain = user.email.split("@")
    client.post("/login", data=login_data(f"{local}\x00@{domain}", PASSWORD))
    assert client.get("/account").status_code == 200


def test_per_account_limit_does_not_lock_out_other_accounts(client, limits):
    limits(per_account="2 per minute")
    for _ in range(3):
        client.post("/login", data=login_data("victim@example.org"))
    assert client.post("/login", data=login_data("someone@example.org")).status_code == 422


def test_limited_login_refuses_even_the_right_password(client, limits, make_user):
    user = make_user()
    limits(per_account="2 per minute")
    for n in range(2):
        client.post("/login", data=login_data(user.email), environ_overrides=ip(n))

    response = client.post("/login", data=login_data(user.email, PASSWORD), environ_overrides=ip(9))
    assert response.status_code == 429
    assert client.get("/account").status_code == 302


def test_empty_email_shares_the_ip_bucket_of_the_account_limit(client, limits):
    limits(per_account="2 per minute")
    for _ in range(2):
        client.post("/login", data={"email": "", "password": "x"})
    assert client.post("/login", data={"email": "", "password": "x"}).status_code == 429


def test_reset_form_behind_the_link_is_limited_per_ip(client, limits):
    limits(per_ip="2 per minute")
    data = {"password": "x", "password_confirm": "x"}
    for _ in range(2):
        assert client.post("/password/reset/not-a-token", data=data).status_code == 302
    assert_readable_429(client.post("/password/reset/not-a-token", data=data))


@pytest.mark.parametrize("path", [*FORMS, "/password/reset/not-a-token"])
def test_reading_the_forms_is_not_limited(client, limits, path):
    limits(per_ip="1 per minute", per_account="1 per minute")
    for _ in range(3):
        assert client.get(path).status_code in (200, 302)


def test_limits_are_separate_per_form(client, limits):
    limits(per_ip="2 per minute")
    for _ in range(2):
        client.post("/login", data=login_data("a@example.org"))
    assert client.post("/login", data=login_data("a@example.org")).status_code == 429
    assert client.post("/password/forgot", data=forgot_data("a@example.org")).status_code == 200


def test_default_limits_allow_normal_use_and_stop_brute_force(client):
    """The shipped limits: a person mistyping a few times passes; a script does not."""
    data = login_data("v@example.org")
    for n in range(5):
        assert client.post("/login", data=data, environ_overrides=ip(n)).status_code == 422
    assert client.post("/login", data=data, environ_overrides=ip(6)).status_code == 429


def test_429_page_speaks_english_after_switching(client, limits):
    limits(per_ip="1 per minute")
    client.get("/lang/en")
    client.post("/login", data=login_data("a@example.org"))
    response = client.post("/login", data=login_data("a@example.org"))
    assert_readable_429(response, heading="Too many attempts")
    assert '<html lang="en">' in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/account/password", "/account/email", "/account/delete"])
def test_current_password_checks_are_rate_limited_per_account(
    app, client, login, make_user, monkeypatch, path
):
    monkeypatch.setitem(app.config, "AUTH_RATE_LIMIT_PER_ACCOUNT", "3 per minute")
    login(client, make_user())
    statuses = [
        client.post(
            path,
            data={"current_password": f"guess-{n}", "email": f"n{n}@example.org"},
            environ_overrides={"REMOTE_ADDR": f"10.0.0.{n}"},
        ).status_code
        for n in range(5)
    ]
    assert statuses[:3] == [422, 422, 422]
    assert statuses[3:] == [429, 429]


def test_logging_out_and_in_again_does_not_renew_the_per_account_allowance(
    app, client, login, make_user, monkeypatch
):
    from app.accounts.models import User
    from app.extensions import db

    monkeypatch.setitem(app.config, "AUTH_RATE_LIMIT_PER_ACCOUNT", "2 per minute")
    user = make_user()
    login(client, user)
    guess = {"current_password": "guess", "email": "new@example.org"}
    assert [client.post("/account/email", data=guess).status_code for _ in range(3)] == [
        422,
        422,
        429,
    ]
    client.post("/logout")
    with app.app_context():  # the logout moved the session version
        again = db.session.get(User, user.id)
    login(client, again)
    assert client.post("/account/email", data=guess).status_code == 429
