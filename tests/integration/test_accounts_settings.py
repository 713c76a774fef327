"""The account pages: profile, password change, e-mail change with re-verification, deletion."""

from __future__ import annotations

from email.header import decode_header, make_header

import itsdangerous.timed
import pytest
from flask import session
from sqlalchemy import func, select

from app.accounts.models import User
from app.extensions import db
from app.municipalities.models import Membership
from tests.conftest import PASSWORD, XSS

NEW_PASSWORD = "a fresh and long passphrase"
NEW_EMAIL = "neue-adresse@example.org"


def log_in(client, email: str, password: str = PASSWORD, *, remember: bool = False):
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data)


def is_logged_in(client) -> bool:
    response = client.get("/account")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def stored(app, user) -> User:
    with app.app_context():
        found = db.session.get(User, user.id)
        db.session.expunge(found)
        return found


def subject(mail) -> str:
    return str(make_header(decode_header(mail["Subject"])))


def flash_after(client, response) -> str:
    assert response.status_code == 302, response.status_code
    return client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.fixture
def me(app, make_user, login):
    """A verified user and a client logged in as them (without the form: no password hashing)."""
    user = make_user()
    return user, login(app.test_client(), user)


@pytest.fixture
def devices(app, make_user):
    """A user logged in through the real form here, on another device, and on a device that kept
    only its remember cookie over a browser restart."""
    user = make_user()
    here, other, remembered = app.test_client(), app.test_client(), app.test_client()
    for client in (here, other):
        log_in(client, user.email)
    log_in(remembered, user.email, remember=True)
    remembered.delete_cookie("session")
    assert all(is_logged_in(c) for c in (here, other, remembered))
    return user, here, [other, remembered]


@pytest.mark.parametrize(
    "page", ["/account", "/account/password", "/account/email", "/account/delete"]
)
def test_account_pages_need_login(client, page):
    response = client.get(page)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


# --- profile ----------------------------------------------------------------------------------


def test_profile_shows_email_and_display_name_escaped(me):
    user, here = me
    page = here.get("/account").get_data(as_text=True)
    assert user.email in page
    assert XSS not in page
    assert 'value="Person 1&lt;script&gt;window.__xss=1&lt;/script&gt;"' in page


def test_profile_edits_the_display_name(app, me):
    user, here = me
    response = here.post("/account", data={"display_name": "Anna aus Ulm"})
    assert "Ihr Profil wurde gespeichert." in flash_after(here, response)
    assert stored(app, user).display_name == "Anna aus Ulm"


def test_profile_strips_control_characters_and_surrounding_space(app, me):
    user, here = me
    here.post("/account", data={"display_name": "  An\x00na\x1b aus\x7f Ulm\x08 "})
    assert stored(app, user).display_name == "Anna aus Ulm"


def test_profile_stores_markup_as_text_and_escapes_it_everywhere(app, me):
    user, here = me
    here.post("/account", data={"display_name": '<img src=x onerror="alert(1)">'})
    assert stored(app, user).display_name == '<img src=x onerror="alert(1)">'
    page = here.get("/account").get_data(as_text=True)
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=" in page


@pytest.mark.parametrize("name", ["", "   ", "\x00\x01", "x" * 81])
def test_profile_refuses_empty_or_overlong_names(app, me, name):
    user, here = me
    response = here.post("/account", data={"display_name": name})
    assert response.status_code == 422
    assert stored(app, user).display_name == user.display_name


# --- password change --------------------------------------------------------------------------


def change_password(client, current=PASSWORD, new=NEW_PASSWORD, repeat=None):
    return client.post(
        "/account/password",
        data={"current_password": current, "password": new, "password_confirm": repeat or new},
    )


def test_password_change_requires_the_current_password(app, devices, outbox):
    user, here, others = devices
    response = change_password(here, current="not my password")
    assert response.status_code == 422
    assert "Das aktuelle Passwort ist falsch." in response.get_data(as_text=True)
    assert stored(app, user).password_hash == user.password_hash
    assert outbox.to(user.email) == []
    assert all(is_logged_in(c) for c in others)


def test_password_change_sets_a_new_scrypt_hash_and_mails_a_notice(app, me, outbox):
    user, here = me
    response = change_password(here)
    assert "Ihr Passwort wurde geändert" in flash_after(here, response)
    new_hash = stored(app, user).password_hash
    assert new_hash.startswith("scrypt:")
    assert new_hash != user.password_hash
    assert subject(outbox.last_to(user.email)) == "Ihr Passwort wurde geändert"


def test_password_change_keeps_this_session_and_ends_the_others(devices):
    _user, here, others = devices
    change_password(here)
    assert is_logged_in(here)
    for other in others:
        assert not is_logged_in(other)


def test_password_change_keeps_stay_logged_in_on_this_device(app, make_user):
    user = make_user()
    device = app.test_client()
    log_in(device, user.email, remember=True)
    change_password(device)
    device.delete_cookie("session")  # browser restart
    assert is_logged_in(device)


def test_password_change_makes_the_old_password_useless(app, me):
    user, here = me
    change_password(here)
    fresh = app.test_client()
    log_in(fresh, user.email, PASSWORD)
    assert not is_logged_in(fresh)
    log_in(fresh, user.email, NEW_PASSWORD)
    assert is_logged_in(fresh)


@pytest.mark.parametrize("weak", ["short", "password123", "qwertyuiop", "EMAIL", "NAME"])
def test_password_change_refuses_weak_passwords(app, make_user, weak):
    user = make_user(xss=False, display_name="Anna Schmidt aus Ulm")
    weak = {"EMAIL": user.email, "NAME": user.display_name}.get(weak, weak)
    client = app.test_client()
    log_in(client, user.email)
    response = change_password(client, new=weak)
    assert response.status_code == 422
    assert stored(app, user).password_hash == user.password_hash


# --- e-mail change ----------------------------------------------------------------------------


def request_email_change(client, email=NEW_EMAIL, password=PASSWORD):
    return client.post("/account/email", data={"email": email, "current_password": password})


def test_email_change_needs_the_current_password(app, me, outbox):
    _user, here = me
    response = request_email_change(here, password="not my password")
    assert response.status_code == 422
    assert f'value="{NEW_EMAIL}"' in response.get_data(as_text=True)
    assert outbox.to(NEW_EMAIL) == []


def test_email_change_to_the_same_address_is_refused(me):
    user, here = me
    response = request_email_change(here, email=user.email.upper())
    assert response.status_code == 422
    assert "Das ist bereits Ihre E-Mail-Adresse." in response.get_data(as_text=True)


def test_email_change_takes_effect_only_after_the_new_address_confirms(app, me, outbox):
    user, here = me
    response = request_email_change(here)
    assert "Bestätigungslink an die neue Adresse" in flash_after(here, response)

    # Until the link is followed, the old address is the one that works.
    assert stored(app, user).email == user.email
    assert subject(outbox.last_to(NEW_EMAIL)) == "Bestätigen Sie Ihre neue E-Mail-Adresse"
    link = outbox.link_in_last_to(NEW_EMAIL, "/account/email/confirm/")
    probe = app.test_client()
    log_in(probe, NEW_EMAIL)
    assert not is_logged_in(probe)
    log_in(probe, user.email)
    assert is_logged_in(probe)

    response = here.get(link)
    assert "Ihre neue E-Mail-Adresse ist bestätigt." in flash_after(here, response)
    changed = stored(app, user)
    assert changed.email == NEW_EMAIL
    assert changed.is_verified

    notice = outbox.last_to(user.email)
    assert subject(notice) == "Ihre E-Mail-Adresse wurde geändert"
    assert "/account/email/confirm/" not in outbox.body(notice)

    fresh = app.test_client()
    log_in(fresh, user.email)
    assert not is_logged_in(fresh)
    log_in(fresh, NEW_EMAIL)
    assert is_logged_in(fresh)


def test_email_change_link_works_when_opened_logged_out(app, me, outbox):
    user, here = me
    request_email_change(here)
    link = outbox.link_in_last_to(NEW_EMAIL, "/account/email/confirm/")
    response = app.test_client().get(link)
    assert response.headers["Location"] == "/login"
    assert stored(app, user).email == NEW_EMAIL


def test_email_change_link_works_only_once(app, me, outbox):
    _user, here = me
    request_email_change(here)
    link = outbox.link_in_last_to(NEW_EMAIL, "/account/email/confirm/")
    here.get(link)
    response = here.get(link)
    assert "Dieser Bestätigungslink ist ungültig oder abgelaufen." in flash_after(here, response)


def test_email_change_link_expires_after_48_hours(app, me, outbox, monkeypatch):
    user, here = me
    request_email_change(here)
    link = outbox.link_in_last_to(NEW_EMAIL, "/account/email/confirm/")
    real = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(
        itsdangerous.timed.TimestampSigner,
        "get_timestamp",
        lambda self: real(self) + 48 * 3600 + 60,
    )
    response = here.get(link)
    assert "ungültig oder abgelaufen" in flash_after(here, response)
    assert stored(app, user).email == user.email


def test_email_change_to_a_taken_address_answers_alike_and_changes_nothing(
    app, me, make_user, outbox
):
    user, here = me
    owner = make_user()
    taken = request_email_change(here, email=owner.email)
    free = request_email_change(here, email=NEW_EMAIL)
    assert taken.status_code == free.status_code == 302
    assert taken.headers["Location"] == free.headers["Location"]
    assert outbox.to(owner.email) == []
    assert stored(app, user).email == user.email


def test_email_change_link_fails_when_the_address_was_taken_meanwhile(app, me, make_user, outbox):
    user, here = me
    request_email_change(here)
    link = outbox.link_in_last_to(NEW_EMAIL, "/account/email/confirm/")
    make_user(email=NEW_EMAIL)
    here.get(link)
    assert stored(app, user).email == user.email


def test_email_change_link_is_refused_when_tampered(app, me, outbox):
    user, here = me
    request_email_change(here)
    link = outbox.link_in_last_to(NEW_EMAIL, "/account/email/confirm/")
    here.get(link[:-2] + ("AA" if not link.endswith("AA") else "BB"))
    assert stored(app, user).email == user.email


# --- deletion ---------------------------------------------------------------------------------


def delete(client, password=PASSWORD, confirm=True):
    data = {"current_password": password}
    if confirm:
        data["confirm"] = "y"
    return client.post("/account/delete", data=data)


def test_deletion_needs_password_and_confirmation(app, me):
    user, here = me
    assert here.get("/account/delete").status_code == 200
    response = delete(here, confirm=False)
    assert response.status_code == 422
    assert "Bitte bestätigen Sie das Löschen." in response.get_data(as_text=True)
    response = delete(here, password="not my password")
    assert response.status_code == 422
    assert "Das aktuelle Passwort ist falsch." in response.get_data(as_text=True)
    assert stored(app, user).is_active
    assert is_logged_in(here)


def test_deletion_removes_meal_data_and_memberships(app, me, make_municipality, make_member):
    user, here = me
    make_member(make_municipality(), user=user)
    make_member(make_municipality(), "staff", user=user)

    response = delete(here)

    assert response.headers["Location"] == "/"
    assert "Ihr Konto wurde gelöscht." in flash_after(here, response)
    with app.app_context():
        gone = db.session.get(User, user.id)
        assert gone.email != user.email
        assert gone.email.endswith("@deleted.invalid")
        assert gone.display_name == ""
        assert gone.deleted_at is not None
        assert not gone.is_active
        assert not gone.is_verified
        assert gone.password_hash != user.password_hash
        count = select(func.count()).select_from(Membership).where(Membership.user_id == user.id)
        assert db.session.scalar(count) == 0
        assert db.session.scalar(select(func.count()).select_from(User)) == 1  # row kept


def test_deleted_account_is_shown_anonymised_in_both_languages(app, me):
    user, here = me
    delete(here)
    with app.test_request_context():
        assert db.session.get(User, user.id).public_name == "Gelöschtes Konto"
    with app.test_request_context():
        session["lang"] = "en"
        assert db.session.get(User, user.id).public_name == "Deleted account"


def test_deleted_user_cannot_log_in_and_all_sessions_end(app, devices):
    user, here, others = devices
    delete(here)
    assert not is_logged_in(here)
    for other in others:
        assert not is_logged_in(other)
    fresh = app.test_client()
    response = log_in(fresh, user.email)
    assert response.status_code == 422
    assert not is_logged_in(fresh)


def test_deletion_frees_the_address_for_a_new_registration(app, me, outbox):
    user, here = me
    delete(here)
    app.test_client().post(
        "/register",
        data={
            "email": user.email,
            "display_name": "Wieder da",
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
            "accept_terms": "y",
        },
    )
    assert outbox.link_in_last_to(user.email, "/verify/")


def test_deletion_kills_pending_email_change_and_reset_links(app, me, outbox):
    user, here = me
    request_email_change(here)
    change_link = outbox.link_in_last_to(NEW_EMAIL, "/account/email/confirm/")
    app.test_client().post("/password/forgot", data={"email": user.email})
    reset_link = outbox.link_in_last_to(user.email, "/password/reset/")

    delete(here)

    probe = app.test_client()
    probe.get(change_link)
    assert stored(app, user).email != NEW_EMAIL
    assert probe.get(reset_link).headers["Location"] == "/password/forgot"
