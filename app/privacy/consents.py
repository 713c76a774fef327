"""Consents with version and time (Art. 7 (1) GDPR): terms, privacy policy, e-mail notifications.

Each answer is a new row, so the history shows what a person agreed to and when. The version asked
for the terms and the privacy policy is that of the newest platform document an admin marked as
"everyone must accept again" (0, the built-in text, when there is none). Accounts from before
consents were recorded accepted version 0 at ``users.consented_at``.
"""

from __future__ import annotations

from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.accounts.models import User
from app.extensions import db
from app.privacy.models import Consent, ConsentKind, LegalDocument, LegalKind

# The consents every account must hold in their current version to use the platform.
REQUIRED = (ConsentKind.TERMS, ConsentKind.PRIVACY)
DOCUMENT_OF = {ConsentKind.TERMS: LegalKind.TERMS, ConsentKind.PRIVACY: LegalKind.PRIVACY}
LABELS = {
    ConsentKind.TERMS: _l("Terms of use"),
    ConsentKind.PRIVACY: _l("Privacy policy"),
    ConsentKind.EMAIL_NOTIFICATIONS: _l("E-mail notifications"),
}
EMAIL_NOTIFICATIONS_VERSION = 1  # the wording of the question on the registration form


def required_version(kind: ConsentKind) -> int:
    """The version of ``kind`` everyone must have accepted; cached for the request."""
    if kind == ConsentKind.EMAIL_NOTIFICATIONS:
        return EMAIL_NOTIFICATIONS_VERSION
    cache = g.setdefault("_consent_versions", {}) if _has_g() else {}
    if kind not in cache:
        cache[kind] = (
            db.session.scalar(
                select(func.max(LegalDocument.version)).where(
                    LegalDocument.municipality_id.is_(None),
                    LegalDocument.kind == DOCUMENT_OF[kind],
                    LegalDocument.asks_consent.is_(True),
                )
            )
            or 0
        )
    return cache[kind]


def _has_g() -> bool:
    from flask import has_app_context

    return has_app_context()


def latest(user: User, kind: ConsentKind) -> Consent | None:
    return db.session.scalar(
        select(Consent)
        .where(Consent.user_id == user.id, Consent.kind == kind)
        .order_by(Consent.created_at.desc(), Consent.id.desc())
        .limit(1)
    )


def accepted_version(user: User, kind: ConsentKind) -> int | None:
    """The version of ``kind`` the person accepted last, or None (never, or withdrawn)."""
    row = latest(user, kind)
    if row is None:
        legacy = kind in REQUIRED and user.consented_at is not None
        return 0 if legacy else None
    return row.version if row.granted else None


def record(user: User, kind: ConsentKind, granted: bool) -> Consent:
    """Record an answer to the current version of ``kind``; flushes, never commits."""
    consent = Consent(user_id=user.id, kind=kind, version=required_version(kind), granted=granted)
    db.session.add(consent)
    db.session.flush()
    return consent


def record_registration(user: User, *, email_notifications: bool) -> None:
    """What a new account agreed to on the registration form."""
    for kind in REQUIRED:
        record(user, kind, True)
    record(user, ConsentKind.EMAIL_NOTIFICATIONS, email_notifications)


def outdated(user: User) -> list[ConsentKind]:
    """Required consents the person has not given in their current version."""
    missing = []
    for kind in REQUIRED:
        accepted = accepted_version(user, kind)
        if accepted is None or accepted < required_version(kind):
            missing.append(kind)
    return missing


def wants_email(user: User) -> bool:
    """Whether e-mail notifications may be sent: the person's last answer decides.

    Accounts from before the question was asked have no answer; for them the notification
    preferences they set (and could always switch off) decide, until they answer on the consents
    page. Every new account answers on the registration form.
    """
    row = latest(user, ConsentKind.EMAIL_NOTIFICATIONS)
    return True if row is None else row.granted


def history(user: User) -> list[Consent]:
    return list(
        db.session.scalars(
            select(Consent)
            .where(Consent.user_id == user.id)
            .order_by(Consent.created_at.desc(), Consent.id.desc())
        )
    )
