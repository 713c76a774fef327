"""Consents with version and time (Art. 7 (1) GDPR): terms, privacy policy, e-mail notifications.

Each answer is a new row, so the history shows what a person agreed to and when. The version asked
for the terms and the privacy policy is that of the newest platform document an admin marked as
"everyone must accept again" (0, the built-in text, when there is none). Accounts from before
consents were recorded accepted version 0 at ``users.consented_at``.
"""

from __future__ import annotations

from flask import g, has_app_context, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from app.accounts.models import User
from app.accounts.services import LoginColumns, add_login_columns
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


def _required_versions() -> dict[ConsentKind, int]:
    """The version of each required consent everyone must have accepted, in one query per
    request (every request of a logged-in person asks), or none: the statement that loads the
    logged-in person brought it along (``_login_columns``)."""
    cached = g.get("_consent_versions") if has_app_context() else None
    if cached is not None:
        return cached
    rows = db.session.execute(
        select(LegalDocument.kind, func.max(LegalDocument.version))
        .where(LegalDocument.municipality_id.is_(None), LegalDocument.asks_consent.is_(True))
        .group_by(LegalDocument.kind)
    ).all()
    stored = dict(rows)
    versions = {kind: stored.get(DOCUMENT_OF[kind], 0) for kind in REQUIRED}
    if has_app_context():
        g._consent_versions = versions
    return versions


# What ``accepted_version`` found for (person, kind) in this request: the value of
# ``_accepted_column`` (None: no answer yet; WITHDRAWN: the last answer was no).
_ACCEPTED = "trialog.privacy.accepted"
WITHDRAWN = -1


def _accepted_seen() -> dict | None:
    """This request's answers, kept on the request (not ``g``, which tests share between requests)."""
    return request.environ.setdefault(_ACCEPTED, {}) if has_request_context() else None


def _accepted_column(kind: ConsentKind):
    """The person's last answer to ``kind`` as one value, correlated to ``users``."""
    return (
        select(case((Consent.granted, Consent.version), else_=WITHDRAWN))
        .where(Consent.user_id == User.id, Consent.kind == kind)
        .order_by(Consent.created_at.desc(), Consent.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _login_columns() -> list:
    """The required versions and the person's answers, loaded with the logged-in person, so the
    consent check on every request asks nothing more."""
    required = [
        select(func.max(LegalDocument.version))
        .where(
            LegalDocument.municipality_id.is_(None),
            LegalDocument.asks_consent.is_(True),
            LegalDocument.kind == DOCUMENT_OF[kind],
        )
        .scalar_subquery()
        for kind in REQUIRED
    ]
    return required + [_accepted_column(kind) for kind in REQUIRED]


def _remember_login(user: User, values) -> None:
    required, accepted = values[: len(REQUIRED)], values[len(REQUIRED) :]
    if has_app_context():
        g._consent_versions = {kind: v or 0 for kind, v in zip(REQUIRED, required, strict=True)}
    seen = _accepted_seen()
    if seen is not None:
        for kind, value in zip(REQUIRED, accepted, strict=True):
            seen[(user.id, kind)] = value


add_login_columns(LoginColumns(_login_columns, _remember_login))


def required_version(kind: ConsentKind) -> int:
    """The version of ``kind`` a person is asked to accept now."""
    if kind == ConsentKind.EMAIL_NOTIFICATIONS:
        return EMAIL_NOTIFICATIONS_VERSION
    return _required_versions()[kind]


def latest(user: User, kind: ConsentKind) -> Consent | None:
    return db.session.scalar(
        select(Consent)
        .where(Consent.user_id == user.id, Consent.kind == kind)
        .order_by(Consent.created_at.desc(), Consent.id.desc())
        .limit(1)
    )


def accepted_version(user: User, kind: ConsentKind) -> int | None:
    """The version of ``kind`` the person accepted last, or None (never, or withdrawn)."""
    seen = _accepted_seen()
    if seen is not None and (user.id, kind) in seen:
        value = seen[(user.id, kind)]
        found = value is not None
        version = None if value == WITHDRAWN else value
    else:
        row = latest(user, kind)
        found = row is not None
        version = row.version if row is not None and row.granted else None
    if not found:
        legacy = kind in REQUIRED and user.consented_at is not None
        return 0 if legacy else None
    return version


def record(user: User, kind: ConsentKind, granted: bool) -> Consent:
    """Record an answer to the current version of ``kind``; flushes, never commits."""
    consent = Consent(user_id=user.id, kind=kind, version=required_version(kind), granted=granted)
    db.session.add(consent)
    db.session.flush()
    seen = _accepted_seen()
    if seen is not None:
        seen.pop((user.id, kind), None)
    return consent


def record_registration(user: User, *, email_notifications: bool) -> None:
    """What a new account agreed to on the registration form."""
    for kind in REQUIRED:
        record(user, kind, True)
    record(user, ConsentKind.EMAIL_NOTIFICATIONS, email_notifications)


def outdated(user: User) -> list[ConsentKind]:
    """Required consents the person has not given in their current version."""
    if not any(_required_versions().values()):
        return []  # only the built-in texts so far, which every account accepted on registering
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
