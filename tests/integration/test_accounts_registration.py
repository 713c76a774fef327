"""Registration and e-mail verification: the rules of the foundation issue, through the real forms.

Mail goes to the test SMTP server (``outbox``); links are followed as a person would.
"""

from __future__ import annotations

import re
from email.header import decode_header, make_header

import itsdangerous.timed
import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.core.time import utcnow
from app.extensions import db
from tests.conftest import PASSWORD, XSS

NEW_EMAIL = "neu@example.org"


def registration(**overrides) -> dict:
    data = {
        "email": NEW_EMAIL,
        "display_name": "Neue Person",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "accept_terms": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def user_by_email(app, email: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


def subject(mail) -> str:
    return str(make_header(decode_header(mail["Subject"])))


def travel(monkeypatch, seconds: int) -> None:
    """Move the clock of signed links ``seconds`` into the future."""
    real = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(
        itsdangerous.timed.TimestampSigner,
        "get_timestamp",
        lambda self: real(self) + seconds,
    )


def flashes_after(client, response) -> str:
    """The page a redirect leads to, where the flash message is shown."""
    assert response.status_code == 302, response.status_code
    return client.get(response.headers["Location"]).get_data(as_text=True)


# --- registering ------------------------------------------------------------------------------


def test_registration_creates_unverified_account_with_consent_time_and_scrypt_hash(app, client):
    before = utcnow()
    response = client.post("/register", data=registration())
    after = utcnow()

    assert response.status_code == 200
    assert "Prüfen Sie Ihr E-Mail-Postfach" in response.get_data(as_text=True)
    user = user_by_email(app, NEW_EMAIL)
    assert user is not None
    assert user.display_name == "Neue Person"
    assert not user.is_verified
    assert before <= user.consented_at <= after
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("kurz", "Das Passwort muss mindestens 10 Zeichen haben."),
        ("password123", "Dieses Passwort steht auf einer Liste häufig verwendeter Passwörter."),
        ("qwertyuiop", "Dieses Passwort steht auf einer Liste häufig verwendeter Passwörter."),
        (NEW_EMAIL, "Das Passwort darf nicht Ihre E-Mail-Adresse oder Ihr Name sein."),
        ("Anna Schmidt aus Ulm", "Das Passwort darf nicht Ihre E-Mail-Adresse oder Ihr Name sein."),
    ],
)
def test_registration_refuses_weak_passwords_with_422_and_keeps_what_was_typed(
    app, client, outbox, password, message
):
    data = registration(display_name="Anna Schmidt aus Ulm", password=password)
    data["password_confirm"] = password
    response = client.post("/register", data=data)

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    password_inputs = re.findall(r'<input[^>]*type="password"[^>]*>', page)
    assert 'aria-invalid="true"' in password_inputs[0]  # the error is bound to the field
    assert all('value=""' in field for field in password_inputs)  # never echoed back
    assert f'value="{NEW_EMAIL}"' in page
    assert 'value="Anna Schmidt aus Ulm"' in page
    assert re.search(r'<input checked id="accept_terms"', page)  # consent stays ticked
    assert user_by_email(app, NEW_EMAIL) is None
    assert outbox.messages == []


def test_registration_normalises_the_email_address(app, client):
    client.post("/register", data=registration(email="  Neu@Example.ORG "))
    assert user_by_email(app, NEW_EMAIL) is not None


def test_registration_requires_consent(app, client):
    response = client.post("/register", data=registration(accept_terms=None))
    assert response.status_code == 422
    assert "Bitte akzeptieren Sie die Nutzungsbedingungen" in response.get_data(as_text=True)
    assert user_by_email(app, NEW_EMAIL) is None


@pytest.mark.parametrize("missing", ["email", "display_name", "password"])
def test_registration_requires_email_name_and_password(app, client, outbox, missing):
    response = client.post("/register", data=registration(**{missing: ""}))
    assert response.status_code == 422
    assert user_by_email(app, NEW_EMAIL) is None
    assert outbox.messages == []


def test_registration_refuses_mismatched_password_repeat(app, client):
    response = client.post("/register", data=registration(password_confirm=PASSWORD + "x"))
    assert response.status_code == 422
    assert "Die Passwörter stimmen nicht überein." in response.get_data(as_text=True)
    assert user_by_email(app, NEW_EMAIL) is None


def test_registration_refuses_invalid_email(client):
    response = client.post("/register", data=registration(email="not-an-address"))
    assert response.status_code == 422
    assert "Bitte geben Sie eine gültige E-Mail-Adresse ein." in response.get_data(as_text=True)


def test_registration_strips_control_characters_from_the_display_name(app, client):
    client.post("/register", data=registration(display_name="Neue\x00 Per\x07son\x1b"))
    assert user_by_email(app, NEW_EMAIL).display_name == "Neue Person"


def test_registration_page_escapes_what_was_typed(client):
    response = client.post("/register", data=registration(display_name=XSS, password="short"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert XSS not in page
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page


def test_logged_in_user_is_sent_away_from_registration(client, make_user, login):
    login(client, make_user())
    response = client.get("/register")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


# --- verification -----------------------------------------------------------------------------


def test_registration_mails_a_verification_link_that_verifies_the_account(app, client, outbox):
    client.post("/register", data=registration())

    mail = outbox.last_to(NEW_EMAIL)
    assert subject(mail) == "Bitte bestätigen Sie Ihre E-Mail-Adresse"
    assert "Neue Person" in outbox.body(mail)
    link = outbox.link_in_last_to(NEW_EMAIL, "/verify/")

    response = client.get(link)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert "Ihre E-Mail-Adresse ist bestätigt" in flashes_after(client, response)
    assert user_by_email(app, NEW_EMAIL).is_verified


def test_verification_link_is_valid_for_48_hours(app, client, outbox, monkeypatch):
    client.post("/register", data=registration())
    link = outbox.link_in_last_to(NEW_EMAIL, "/verify/")

    travel(monkeypatch, 48 * 3600 - 60)
    client.get(link)
    assert user_by_email(app, NEW_EMAIL).is_verified


def test_expired_verification_link_is_refused_with_a_clear_message(
    app, client, outbox, monkeypatch
):
    client.post("/register", data=registration())
    link = outbox.link_in_last_to(NEW_EMAIL, "/verify/")

    travel(monkeypatch, 48 * 3600 + 60)
    response = client.get(link)

    page = flashes_after(client, response)
    assert "Dieser Bestätigungslink ist ungültig oder abgelaufen." in page
    assert not user_by_email(app, NEW_EMAIL).is_verified


def test_verification_link_obeys_the_configured_max_age(app, client, outbox, monkeypatch):
    client.post("/register", data=registration())
    link = outbox.link_in_last_to(NEW_EMAIL, "/verify/")
    monkeypatch.setitem(app.config, "EMAIL_TOKEN_MAX_AGE", -1)

    client.get(link)
    assert not user_by_email(app, NEW_EMAIL).is_verified


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda t: t[:-6] + ("A" if t[-6] != "A" else "B") + t[-5:], id="signature"),
        pytest.param(lambda t: "x" + t, id="payload"),
        pytest.param(lambda t: "garbage", id="garbage"),
    ],
)
def test_tampered_verification_link_is_refused_with_a_clear_message(app, client, outbox, tamper):
    client.post("/register", data=registration())
    link = outbox.link_in_last_to(NEW_EMAIL, "/verify/")
    token = link.rsplit("/", 1)[1]

    response = client.get(f"/verify/{tamper(token)}")

    assert "Dieser Bestätigungslink ist ungültig oder abgelaufen." in flashes_after(
        client, response
    )
    assert not user_by_email(app, NEW_EMAIL).is_verified


def test_verification_link_for_another_purpose_is_refused(app, client, make_user, outbox):
    """A password-reset token carries the right signature key but must not verify an address."""
    user = make_user(verified=False)
    client.post("/password/forgot", data={"email": user.email})
    reset_token = outbox.link_in_last_to(user.email, "/password/reset/").rsplit("/", 1)[1]

    client.get(f"/verify/{reset_token}")
    assert not user_by_email(app, user.email).is_verified


def test_verification_link_stops_working_when_the_address_changed(app, client, outbox):
    client.post("/register", data=registration())
    link = outbox.link_in_last_to(NEW_EMAIL, "/verify/")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == NEW_EMAIL))
        user.email = "other@example.org"
        db.session.commit()

    client.get(link)
    assert not user_by_email(app, "other@example.org").is_verified


# --- unverified accounts ----------------------------------------------------------------------


def test_unverified_user_cannot_log_in_and_gets_a_fresh_link(app, client, make_user, outbox):
    user = make_user(verified=False)

    response = client.post("/login", data={"email": user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    page = flashes_after(client, response)
    assert "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse" in page
    assert client.get("/account").status_code == 302  # still anonymous
    link = outbox.link_in_last_to(user.email, "/verify/")
    client.get(link)
    assert user_by_email(app, user.email).is_verified
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200


def test_unverified_user_with_wrong_password_gets_no_link(client, make_user, outbox):
    user = make_user(verified=False)
    response = client.post("/login", data={"email": user.email, "password": "wrong password!"})
    assert response.status_code == 422
    assert outbox.to(user.email) == []


def test_registered_user_can_log_in_after_verification(client, outbox):
    client.post("/register", data=registration())
    client.get(outbox.link_in_last_to(NEW_EMAIL, "/verify/"))

    response = client.post("/login", data={"email": NEW_EMAIL, "password": PASSWORD})

    assert response.status_code == 302
    assert client.get("/account").status_code == 200


# --- a taken address --------------------------------------------------------------------------


def test_registration_with_a_known_email_mails_the_owner_a_notice(app, client, make_user, outbox):
    owner = make_user()

    response = client.post("/register", data=registration(email=owner.email.upper()))

    assert response.status_code == 200
    mails = outbox.to(owner.email)
    assert len(mails) == 1
    assert subject(mails[0]) == "Registrierungsversuch mit Ihrer E-Mail-Adresse"
    assert "/verify/" not in outbox.body(mails[0])
    assert "/password/forgot" in outbox.body(mails[0])
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(User)) == 1
        assert db.session.get(User, owner.id).password_hash == owner.password_hash


def test_registration_with_a_known_email_costs_the_same_password_hash(
    client, make_user, monkeypatch
):
    """Hashing only for new accounts would let the answer time reveal which addresses are taken."""
    from app.accounts import services

    owner = make_user()
    hashed = []
    real = services.hash_password
    monkeypatch.setattr(services, "hash_password", lambda pw: hashed.append(pw) or real(pw))

    client.post("/register", data=registration(email=owner.email))

    assert hashed == [PASSWORD]
