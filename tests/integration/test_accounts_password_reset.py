"""Password reset by e-mail: the link works once, for one hour, and says nothing about addresses."""

from __future__ import annotations

import itsdangerous.timed
import pytest

from app.accounts.models import User
from app.extensions import db
from tests.conftest import PASSWORD

NEW_PASSWORD = "a fresh and long passphrase"


def travel(monkeypatch, seconds: int) -> None:
    """Move the clock of signed links ``seconds`` into the future."""
    real = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(
        itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: real(self) + seconds
    )


def reset_link(client, outbox, email: str) -> str:
    response = client.post("/password/forgot", data={"email": email})
    assert response.status_code == 200
    return outbox.link_in_last_to(email, "/password/reset/")


def choose(client, link: str, password: str = NEW_PASSWORD, repeat: str | None = None):
    return client.post(link, data={"password": password, "password_confirm": repeat or password})


def log_in(client, email: str, password: str):
    return client.post("/login", data={"email": email, "password": password})


def is_logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def stored(app, user) -> User:
    with app.app_context():
        found = db.session.get(User, user.id)
        db.session.expunge(found)
        return found


def test_reset_mail_link_lets_the_user_choose_a_new_password(app, client, make_user, outbox):
    user = make_user()
    link = reset_link(client, outbox, user.email)

    assert client.get(link).status_code == 200
    response = choose(client, link)

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert "Ihr Passwort wurde geändert. Bitte melden Sie sich an." in page
    assert stored(app, user).password_hash.startswith("scrypt:")
    log_in(client, user.email, PASSWORD)
    assert not is_logged_in(client)
    log_in(client, user.email, NEW_PASSWORD)
    assert is_logged_in(client)


def test_reset_mail_is_addressed_to_the_account_and_mentions_the_one_hour(
    client, make_user, outbox
):
    user = make_user()
    reset_link(client, outbox, user.email)
    body = outbox.body(outbox.last_to(user.email))
    assert "eine Stunde" in body


def test_reset_link_works_only_once(app, client, make_user, outbox):
    user = make_user()
    link = reset_link(client, outbox, user.email)
    choose(client, link)

    response = client.get(link)
    assert response.status_code == 302
    assert response.headers["Location"] == "/password/forgot"
    page = client.get("/password/forgot").get_data(as_text=True)
    assert "ungültig, abgelaufen oder wurde schon benutzt" in page

    response = choose(client, link, "yet another long passphrase")
    assert response.status_code == 302
    assert response.headers["Location"] == "/password/forgot"
    log_in(client, user.email, NEW_PASSWORD)
    assert is_logged_in(client)


def test_older_reset_links_die_when_the_password_changes(client, make_user, outbox):
    user = make_user()
    first = reset_link(client, outbox, user.email)
    second = reset_link(client, outbox, user.email)
    choose(client, second)
    assert client.get(first).headers["Location"] == "/password/forgot"


def test_reset_link_is_valid_for_one_hour(client, make_user, outbox, monkeypatch):
    user = make_user()
    link = reset_link(client, outbox, user.email)
    travel(monkeypatch, 3600 - 60)
    assert client.get(link).status_code == 200


def test_expired_reset_link_is_refused(app, client, make_user, outbox, monkeypatch):
    user = make_user()
    link = reset_link(client, outbox, user.email)
    travel(monkeypatch, 3600 + 60)

    assert client.get(link).headers["Location"] == "/password/forgot"
    assert choose(client, link).headers["Location"] == "/password/forgot"
    assert stored(app, user).password_hash == user.password_hash


def test_tampered_reset_link_is_refused(client, make_user, outbox):
    user = make_user()
    link = reset_link(client, outbox, user.email)
    tampered = link[:-2] + ("AA" if not link.endswith("AA") else "BB")
    assert client.get(tampered).headers["Location"] == "/password/forgot"


def test_verification_token_cannot_reset_a_password(client, make_user, outbox):
    user = make_user(verified=False)
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    verify_token = outbox.link_in_last_to(user.email, "/verify/").rsplit("/", 1)[1]
    assert client.get(f"/password/reset/{verify_token}").headers["Location"] == "/password/forgot"


def test_reset_link_dies_when_the_email_address_changes(app, client, make_user, outbox):
    """A link mailed to an address the person has since given up must not reset the account."""
    user = make_user()
    link = reset_link(client, outbox, user.email)
    with app.app_context():
        db.session.get(User, user.id).email = "new-home@example.org"
        db.session.commit()
    assert client.get(link).headers["Location"] == "/password/forgot"


def test_reset_link_dies_when_the_account_is_deleted(app, client, make_user, outbox):
    from app.core.time import utcnow

    user = make_user()
    link = reset_link(client, outbox, user.email)
    with app.app_context():
        db.session.get(User, user.id).deleted_at = utcnow()
        db.session.commit()
    assert client.get(link).headers["Location"] == "/password/forgot"


def test_reset_refuses_weak_passwords_with_422(app, client, make_user, outbox):
    user = make_user(xss=False)
    link = reset_link(client, outbox, user.email)
    for weak in ("short", "password123", user.email, user.display_name):
        response = choose(client, link, weak)
        assert response.status_code == 422, weak
    assert stored(app, user).password_hash == user.password_hash
    assert client.get(link).status_code == 200  # failed attempts do not use the link up


def test_reset_refuses_mismatched_repeat(client, make_user, outbox):
    user = make_user()
    link = reset_link(client, outbox, user.email)
    response = choose(client, link, NEW_PASSWORD, NEW_PASSWORD + "!")
    assert response.status_code == 422
    assert "Die Passwörter stimmen nicht überein." in response.get_data(as_text=True)


def test_reset_verifies_an_unverified_address(app, client, make_user, outbox):
    """The reset link arrived in the mailbox, which proves the address as well as a verify link."""
    user = make_user(verified=False)
    choose(client, reset_link(client, outbox, user.email))
    assert stored(app, user).is_verified


def test_reset_for_unknown_email_sends_nothing_and_answers_alike(client, make_user, outbox):
    known = make_user()
    answer_known = client.post("/password/forgot", data={"email": known.email})
    answer_unknown = client.post("/password/forgot", data={"email": "nobody@example.org"})
    assert answer_known.status_code == answer_unknown.status_code == 200
    assert outbox.to("nobody@example.org") == []
    assert len(outbox.to(known.email)) == 1


def test_reset_request_with_invalid_email_answers_422(client):
    response = client.post("/password/forgot", data={"email": "no-address"})
    assert response.status_code == 422
    assert 'value="no-address"' in response.get_data(as_text=True)


@pytest.mark.parametrize("remember", [False, True])
def test_reset_ends_all_sessions_of_the_user(app, make_user, outbox, remember):
    user = make_user()
    device = app.test_client()
    data = {"email": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    device.post("/login", data=data)
    if remember:
        device.delete_cookie("session")
    assert is_logged_in(device)

    stranger = app.test_client()
    choose(stranger, reset_link(stranger, outbox, user.email))

    assert not is_logged_in(device)
