"""Login, remember-me, logout, session fixation, ending other sessions and safe redirects.

Sessions are opened through the real ``/login`` form, so that what a browser holds (session and
remember cookies) is what the tests hold.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from app.accounts.models import User
from app.extensions import db
from tests.conftest import PASSWORD

REMEMBER = "remember_token"
SESSION = "session"


def log_in(client, email: str, password: str = PASSWORD, *, remember: bool = False, next=None):
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    url = "/login" if next is None else f"/login?next={next}"
    return client.post(url, data=data)


def is_logged_in(client) -> bool:
    response = client.get("/account")
    if response.status_code == 200:
        return True
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    return False


def browser_restart(client) -> None:
    """What closing the browser does: session cookies go, persistent ones stay."""
    client.delete_cookie(SESSION)


# --- logging in -------------------------------------------------------------------------------


def test_login_with_correct_credentials_starts_a_session(client, make_user):
    user = make_user()
    response = log_in(client, user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert is_logged_in(client)


def test_login_accepts_the_email_in_any_case_and_with_spaces(client, make_user):
    user = make_user()
    log_in(client, f"  {user.email.upper()} ")
    assert is_logged_in(client)


def test_login_greets_the_user_with_escaped_name(client, make_user):
    user = make_user()
    response = log_in(client, user.email)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Willkommen, Person" in page
    assert "<script>window.__xss" not in page
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page


def test_login_with_wrong_password_is_refused_and_keeps_the_email(client, make_user):
    user = make_user()
    response = log_in(client, user.email, "wrong password!")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "E-Mail-Adresse oder Passwort ist falsch." in page
    assert f'value="{user.email}"' in page
    assert "wrong password!" not in page  # the password is never sent back
    assert not is_logged_in(client)


def test_login_with_empty_fields_answers_422_with_field_errors(client):
    response = client.post("/login", data={"email": "", "password": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Bitte geben Sie Ihre E-Mail-Adresse ein." in page
    assert "Bitte geben Sie Ihr Passwort ein." in page


def test_deleted_account_cannot_log_in_even_with_its_old_hash(app, client, make_user):
    from app.core.time import utcnow

    user = make_user(deleted_at=utcnow())  # keeps a valid hash, to prove is_active is checked
    response = log_in(client, user.email)
    assert response.status_code == 422
    assert not is_logged_in(client)


def test_logged_in_user_visiting_login_is_sent_on(client, make_user, login):
    login(client, make_user())
    response = client.get("/login?next=/musterstadt/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/musterstadt/"


def test_login_page_is_linked_from_protected_pages_with_next(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Faccount"


# --- remember me ------------------------------------------------------------------------------


def test_remember_cookie_is_set_only_when_asked(client, app, make_user):
    user = make_user()
    log_in(client, user.email)
    assert client.get_cookie(REMEMBER) is None

    other = app.test_client()
    log_in(other, user.email, remember=True)
    cookie = other.get_cookie(REMEMBER)
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert cookie.expires is not None  # persistent, unlike the session cookie


def test_remember_cookie_keeps_the_user_logged_in_after_a_browser_restart(client, make_user):
    user = make_user()
    log_in(client, user.email, remember=True)
    browser_restart(client)
    assert is_logged_in(client)


def test_without_remember_me_a_browser_restart_ends_the_session(client, make_user):
    user = make_user()
    log_in(client, user.email)
    assert client.get_cookie(SESSION).expires is None  # a browser-session cookie
    browser_restart(client)
    assert not is_logged_in(client)


# --- logout -----------------------------------------------------------------------------------


def test_logout_needs_post(client, make_user):
    """A link or an image pointing at /logout must not log anybody out."""
    user = make_user()
    log_in(client, user.email)
    response = client.get("/logout", follow_redirects=True)
    assert response.status_code >= 400
    assert is_logged_in(client)


def test_logout_ends_the_session_and_removes_the_remember_cookie(client, make_user):
    user = make_user()
    log_in(client, user.email, remember=True)

    response = client.post("/logout")

    assert response.status_code == 302
    assert "Sie sind abgemeldet." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get_cookie(REMEMBER) is None
    assert not is_logged_in(client)


def test_logout_keeps_the_chosen_language(client, make_user):
    user = make_user()
    client.get("/lang/en")
    log_in(client, user.email)
    response = client.post("/logout")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "You are logged out." in page


def test_replayed_session_cookie_is_dead_after_logout(app, client, make_user):
    """A copied session cookie (say, from a shared computer) must not outlive the logout."""
    user = make_user()
    log_in(client, user.email)
    stolen = client.get_cookie(SESSION).value

    client.post("/logout")

    thief = app.test_client()
    thief.set_cookie(SESSION, stolen)
    assert not is_logged_in(thief)


# --- session fixation -------------------------------------------------------------------------


def test_login_issues_a_new_session_and_drops_data_from_before(client, make_user):
    user = make_user()
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    before = client.get_cookie(SESSION).value

    log_in(client, user.email)

    assert client.get_cookie(SESSION).value != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == f"{user.id}:{user.session_version}"


def test_login_keeps_the_chosen_language(client, make_user):
    user = make_user()
    client.get("/lang/en")
    log_in(client, user.email)
    assert '<html lang="en">' in client.get("/account").get_data(as_text=True)


# --- other sessions end -----------------------------------------------------------------------


@pytest.fixture
def two_devices(app, make_user):
    """The same person logged in on a laptop, on a phone (remember-me) and a phone after restart."""
    user = make_user()
    laptop, phone, restarted_phone = app.test_client(), app.test_client(), app.test_client()
    log_in(laptop, user.email)
    log_in(phone, user.email, remember=True)
    log_in(restarted_phone, user.email, remember=True)
    browser_restart(restarted_phone)
    for device in (laptop, phone, restarted_phone):
        assert is_logged_in(device)
    return user, laptop, [phone, restarted_phone]


def test_logout_ends_the_users_other_sessions(two_devices):
    _user, laptop, others = two_devices
    laptop.post("/logout")
    for other in others:
        assert not is_logged_in(other)


def test_logout_leaves_other_users_logged_in(app, two_devices, make_user):
    _user, laptop, _others = two_devices
    someone_else = app.test_client()
    log_in(someone_else, make_user().email)

    laptop.post("/logout")

    assert is_logged_in(someone_else)


def test_sessions_from_before_logout_stay_dead_after_the_next_login(app, two_devices):
    user, laptop, others = two_devices
    laptop.post("/logout")
    log_in(laptop, user.email)
    assert is_logged_in(laptop)
    for other in others:
        assert not is_logged_in(other)


def test_session_version_survives_in_the_database(app, two_devices):
    user, laptop, _others = two_devices
    laptop.post("/logout")
    with app.app_context():
        assert db.session.get(User, user.id).session_version == user.session_version + 1


# --- redirects after login --------------------------------------------------------------------


def test_login_redirects_to_a_local_next_page(client, make_user):
    user = make_user()
    response = log_in(client, user.email, next="/musterstadt/")
    assert response.headers["Location"] == "/musterstadt/"


def test_login_form_keeps_next_in_its_action(client):
    page = client.get("/login?next=/musterstadt/").get_data(as_text=True)
    assert '<form method="post" action=""' in page  # posts back to the URL that carries next


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example",
        "https://evil.example/musterstadt/",
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "http:evil.example",
    ],
)
def test_login_never_redirects_off_site(client, make_user, target):
    user = make_user()
    response = log_in(client, user.email, next=quote(target, safe=""))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert is_logged_in(client)
