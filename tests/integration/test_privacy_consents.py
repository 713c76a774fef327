"""Consents are recorded with version and time; a new version of the terms is asked for once."""

from __future__ import annotations

import pytest


def _new_platform_version(app, kind: str = "nutzungsbedingungen", asks_consent: bool = True):
    from app.extensions import db
    from app.privacy.models import LegalDocument, LegalKind

    with app.app_context():
        latest = (
            db.session.query(db.func.max(LegalDocument.version))
            .filter(LegalDocument.municipality_id.is_(None), LegalDocument.kind == LegalKind(kind))
            .scalar()
            or 0
        )
        db.session.add(
            LegalDocument(
                municipality_id=None,
                kind=LegalKind(kind),
                version=latest + 1,
                source="Neu",
                body="<p>Neu</p>",
                asks_consent=asks_consent,
            )
        )
        db.session.commit()
        return latest + 1


def _consents(app, user_id: int) -> list[tuple[str, int, bool]]:
    from app.extensions import db
    from app.privacy.models import Consent

    with app.app_context():
        return [
            (c.kind.value, c.version, c.granted)
            for c in db.session.query(Consent).filter_by(user_id=user_id).order_by(Consent.id)
        ]


@pytest.mark.parametrize("mail", [True, False])
def test_registration_records_each_consent_with_version_and_time(app, client, mail):
    from app.accounts.models import User
    from app.extensions import db

    data = {
        "email": "neu@example.org",
        "display_name": "Neu",
        "password": "ein sehr gutes Passwort 77",
        "password_confirm": "ein sehr gutes Passwort 77",
        "accept_terms": "y",
    }
    if mail:
        data["email_notifications"] = "y"
    assert client.post("/register", data=data).status_code == 200
    with app.app_context():
        user = db.session.query(User).filter_by(email="neu@example.org").one()
    assert _consents(app, user.id) == [
        ("terms", 0, True),
        ("privacy", 0, True),
        ("email_notifications", 1, mail),
    ]


def test_a_new_terms_version_is_asked_for_once(app, client, login, make_user):
    user = make_user()
    login(client, user)
    assert client.get("/account").status_code == 200  # the built-in version 0 was accepted
    version = _new_platform_version(app)
    response = client.get("/account")
    assert response.status_code == 302
    assert "/account/consent" in response.headers["Location"]
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    # The texts, logging out and the person's data rights stay reachable.
    assert client.get("/nutzungsbedingungen").status_code == 200
    assert client.get("/account/data").status_code == 200
    assert client.get("/static/css/app.css").status_code == 200
    # Refusing to tick the box records nothing and keeps asking.
    assert client.post("/account/consent?next=/account", data={}).status_code == 422
    assert client.get("/account").status_code == 302
    accepted = client.post("/account/consent?next=/account", data={"accept": "y"})
    assert accepted.status_code == 302 and accepted.headers["Location"].endswith("/account")
    assert client.get("/account").status_code == 200
    assert ("terms", version, True) in _consents(app, user.id)
    assert client.get("/account").status_code == 200  # asked once, not again


def test_an_editorial_change_asks_nobody(app, client, login, make_user):
    login(client, make_user())
    _new_platform_version(app, asks_consent=False)
    assert client.get("/account").status_code == 200


def test_a_new_privacy_policy_version_is_asked_for_too(app, client, login, make_user):
    login(client, make_user())
    _new_platform_version(app, "datenschutz")
    assert "/account/consent" in client.get("/").headers["Location"]


def test_logout_works_while_consent_is_outstanding(app, client, login, make_user):
    login(client, make_user())
    _new_platform_version(app)
    response = client.post("/logout")
    assert response.status_code == 302 and "/account/consent" not in response.headers["Location"]


def test_consent_to_email_notifications_can_be_withdrawn_and_given_again(
    app, client, login, make_user
):
    from app.extensions import db
    from app.privacy import consents

    user = make_user()
    login(client, user)
    assert client.post("/account/consents", data={}).status_code == 302
    assert client.post("/account/consents", data={"email_notifications": "y"}).status_code == 302
    assert _consents(app, user.id) == [
        ("email_notifications", 1, False),
        ("email_notifications", 1, True),
    ]
    page = client.get("/account/consents").get_data(as_text=True)
    assert "E-Mail-Benachrichtigungen" in page
    with app.app_context():
        from app.accounts.models import User

        assert consents.wants_email(db.session.get(User, user.id))


def test_a_withdrawn_email_consent_stops_notification_mails(app, make_user):
    from app.accounts.models import User
    from app.extensions import db
    from app.notifications.services import may_mail
    from app.privacy import consents
    from app.privacy.models import ConsentKind

    user = make_user()
    with app.app_context():
        loaded = db.session.get(User, user.id)
        assert may_mail(loaded)  # no answer yet: the preferences decide
        consents.record(loaded, ConsentKind.EMAIL_NOTIFICATIONS, False)
        assert not may_mail(loaded)
        db.session.rollback()
