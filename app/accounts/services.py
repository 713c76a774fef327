"""Account rules: registration, verification, login, password and e-mail changes, deletion.

Answers never reveal whether an e-mail address has an account; where a person must be told
something, it goes to the mailbox instead.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask import current_app, g, has_request_context, session
from sqlalchemy import ColumnElement, Select, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.accounts import mails
from app.accounts.models import User
from app.accounts.passwords import hash_password, verify_password
from app.core.sanitize import clean_plain
from app.core.time import utcnow
from app.core.tokens import InvalidToken, make_token, read_token
from app.extensions import db

VERIFY = "verify-email"
RESET = "reset-password"
CHANGE_EMAIL = "change-email"


# --- the logged-in person -----------------------------------------------------------------------


@dataclass(frozen=True)
class LoginColumns:
    """What another domain asks about the logged-in person on every request, answered in the
    statement that loads them (the consent check: one round trip less per request).

    ``columns()`` are SQL expressions correlated to ``users``; ``remember(user, values)`` keeps
    their values for the rest of the request.
    """

    columns: Callable[[], Sequence[ColumnElement]]
    remember: Callable[[User, Sequence], None]


_login_columns: list[LoginColumns] = []
# The login statement with the columns' places in its rows, built at the first login (every domain
# has registered its columns by then) and kept: building it cost more than running it.
_built: tuple[Select, list[tuple[LoginColumns, int]]] | None = None


def add_login_columns(item: LoginColumns) -> LoginColumns:
    global _built
    _login_columns.append(item)
    _built = None
    _carrying.clear()
    return item


def _login_statement() -> tuple[Select, list[tuple[LoginColumns, int]]]:
    global _built
    if _built is None:
        parts = [(item, list(item.columns())) for item in _login_columns]
        statement = (
            select(User, *(column for _item, columns in parts for column in columns))
            .where(User.id == bindparam("user_id"))
            .options(joinedload(User.memberships))
        )
        _built = statement, [(item, len(columns)) for item, columns in parts]
    return _built


def load_logged_in(user_id: int) -> User | None:
    """The person a session names, with their memberships (nearly every request asks a role
    somewhere) and the registered login columns, in one statement (none when ``with_login`` has
    loaded them already in this request)."""
    carried = g.pop(_CARRIED, None) if has_request_context() else None
    if carried is not None and carried[0] == user_id:
        return carried[1]
    statement, parts = _login_statement()
    row = db.session.execute(statement, {"user_id": user_id}).unique().one_or_none()
    if row is None:
        return None
    return _remember(row[0], row, 1, parts)


def _remember(user: User, row, start: int, parts) -> User:
    for item, width in parts:
        item.remember(user, row[start : start + width])
        start += width
    return user


# ``with_login``: statements that carry the login beside their own entity, built once each.
_carrying: dict[int, tuple[Select, Select, list[tuple[LoginColumns, int]]]] = {}
_CARRIED = "_trialog_carried_login"  # (user id, the person or None) for ``load_logged_in``


def _session_user_id() -> int | None:
    """The person this request's session names, while Flask-Login has not loaded them yet."""
    if not has_request_context() or "_login_user" in g:
        return None
    user_id, _sep, version = str(session.get("_user_id") or "").partition(":")
    return int(user_id) if user_id.isdigit() and version.isdigit() else None


def with_login(statement: Select, params: dict):
    """The one entity ``statement`` finds (or None), and, when the session names a person not
    loaded yet, that person too, in the same statement: the login statement's user, memberships
    and login columns outer-joined on the id, kept for ``load_logged_in``. What a tenant page
    loads first (the municipality) so carries the login, one round trip less on every logged-in
    page. Flask-Login still decides whether the session counts (``load_user``)."""
    user_id = _session_user_id()
    if user_id is None:
        return db.session.scalar(statement, params)
    if id(statement) not in _carrying or _carrying[id(statement)][0] is not statement:
        parts = [(item, list(item.columns())) for item in _login_columns]
        carrying = (
            statement.add_columns(User, *(column for _item, columns in parts for column in columns))
            .outerjoin(User, User.id == bindparam("login_user_id"))
            .options(joinedload(User.memberships))
        )
        _carrying[id(statement)] = (statement, carrying, [(i, len(c)) for i, c in parts])
    _original, carrying, parts = _carrying[id(statement)]
    row = db.session.execute(carrying, {**params, "login_user_id": user_id}).unique().one_or_none()
    if row is None:
        return None
    user = row[1]
    g.setdefault(_CARRIED, (user_id, None if user is None else _remember(user, row, 2, parts)))
    return row[0]


class AccountError(Exception):
    """A rule refused the action."""


class WrongPassword(AccountError):
    pass


class SameEmail(AccountError):
    pass


def normalise_email(email: str) -> str:
    return clean_plain(email).lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def register(
    email: str,
    display_name: str,
    password: str,
    *,
    email_notifications: bool = False,
    next_url: str | None = None,
) -> User | None:
    """Create an unverified account, or tell the owner of a taken address by mail.

    Returns the new user, or ``None`` when the address was taken; callers answer alike either way.
    """
    email = normalise_email(email)
    password_hash = hash_password(password)  # for taken addresses too: timing must not tell them
    existing = find_by_email(email)
    if existing is not None:
        mails.send_already_registered(existing)
        return None
    user = User(
        email=email,
        display_name=clean_plain(display_name),
        password_hash=password_hash,
        consented_at=utcnow(),
    )
    try:
        with db.session.begin_nested():  # the unique address decides a parallel registration
            db.session.add(user)
    except IntegrityError:
        existing = find_by_email(email)
        if existing is None:  # the conflict was not the address
            raise
        mails.send_already_registered(existing)
        return None
    from app.privacy.consents import record_registration  # versioned, with time

    record_registration(user, email_notifications=email_notifications)
    mails.send_verification(
        user, make_token(VERIFY, {"id": user.id, "email": user.email}), next_url=next_url
    )
    return user


def verify_email(token: str) -> User:
    payload = read_token(VERIFY, token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    user = db.session.get(User, payload["id"])
    if user is None or user.email != payload["email"] or not user.is_active:
        raise InvalidToken("no such account")
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active account with these credentials; ``None`` alike for unknown e-mail or bad password."""
    user = find_by_email(email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    return user if user and user.is_active else None


def resend_verification(user: User) -> None:
    mails.send_verification(user, make_token(VERIFY, {"id": user.id, "email": user.email}))


def end_all_sessions(user: User) -> None:
    """Invalidate every session and remember-cookie of ``user`` (atomic under concurrent requests)."""
    db.session.execute(
        update(User).where(User.id == user.id).values(session_version=User.session_version + 1)
    )
    db.session.refresh(user, ["session_version"])


def _password_fingerprint(user: User) -> str:
    """Changes whenever the password or the address changes.

    The new password's hash makes a reset link single-use; the address makes a link mailed to an
    address the person has since given up worthless.
    """
    state = f"{user.password_hash}\n{user.email}"
    return hashlib.sha256(state.encode()).hexdigest()[:16]


def request_password_reset(email: str) -> None:
    user = find_by_email(email)
    if user is None or not user.is_active:
        return
    token = make_token(RESET, {"id": user.id, "fp": _password_fingerprint(user)})
    mails.send_password_reset(user, token)


def user_for_reset_token(token: str) -> User:
    payload = read_token(RESET, token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    user = db.session.get(User, payload["id"])
    if user is None or not user.is_active or payload["fp"] != _password_fingerprint(user):
        raise InvalidToken("used or unknown")
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set the password the link was mailed for, once.

    The new hash is written only where the row still holds the password and address the link was
    made for (one conditional update), so of several posts of one link at once, or a post after
    another request used it, exactly one sets a password; the others get ``InvalidToken``.
    """
    user = user_for_reset_token(token)
    new_hash = hash_password(new_password)  # the slow part, before the row is locked
    changed = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            User.password_hash == user.password_hash,
            User.email == user.email,
        )
        .values(
            password_hash=new_hash,
            # following the mailed link proves the address
            email_verified_at=func.coalesce(User.email_verified_at, utcnow()),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise InvalidToken("used meanwhile")
    db.session.refresh(user, ["password_hash", "email_verified_at"])
    end_all_sessions(user)
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not verify_password(user.password_hash, current_password):
        raise WrongPassword
    user.password_hash = hash_password(new_password)
    end_all_sessions(user)
    mails.send_password_changed(user)


def update_profile(user: User, display_name: str) -> None:
    user.display_name = clean_plain(display_name)


def request_email_change(user: User, new_email: str, current_password: str) -> None:
    """Mail a confirmation link to the new address; the old one stays until it is followed."""
    if not verify_password(user.password_hash, current_password):
        raise WrongPassword
    new_email = normalise_email(new_email)
    if new_email == user.email:
        raise SameEmail
    if find_by_email(new_email) is not None:
        return  # the new address's owner is not revealed; the link simply never arrives
    token = make_token(CHANGE_EMAIL, {"id": user.id, "old": user.email, "new": new_email})
    mails.send_email_change(user, new_email, token)


def confirm_email_change(token: str) -> User:
    payload = read_token(CHANGE_EMAIL, token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    user = db.session.get(User, payload["id"])
    if user is None or not user.is_active or user.email != payload["old"]:
        raise InvalidToken("stale")
    if find_by_email(payload["new"]) is not None:
        raise InvalidToken("taken")
    old_email = user.email
    try:
        with db.session.begin_nested():  # a registration or change took the address meanwhile
            user.email = payload["new"]
            user.email_verified_at = utcnow()
    except IntegrityError:
        db.session.refresh(user)
        raise InvalidToken("taken") from None
    mails.send_email_changed_notice(old_email, user)
    return user


def delete_account(user: User, current_password: str) -> None:
    """Remove personal data; contributions stay, shown under an anonymous name.

    Supports, reactions and named survey answers stay counted but unlinked; everything else that
    names the person goes (see ``app.privacy.erasure``). The row itself is kept so that
    contributions keep their author reference and replies keep their place.
    """
    if not verify_password(user.password_hash, current_password):
        raise WrongPassword
    remove_account(user)


def remove_account(user: User) -> None:
    """Anonymise the account and remove what names the person; no password asked.

    For the person's own deletion (above) and for the retention job's unconfirmed accounts.
    """
    from app.privacy.erasure import erase_references  # every table that refers to accounts

    db.session.flush()
    erase_references(user)
    db.session.expire_all()  # rows removed in SQL must not linger in loaded collections
    user.email = f"deleted-{user.id}-{secrets.token_hex(4)}@deleted.invalid"
    user.display_name = ""
    user.password_hash = "!"  # noqa: S105  matches no password
    user.email_verified_at = None
    user.is_platform_admin = False
    user.is_process_architect = False
    user.deleted_at = utcnow()
    user.memberships.clear()
    end_all_sessions(user)
