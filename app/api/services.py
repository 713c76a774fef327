"""Personal API tokens: creating, listing, revoking, and recognising them on a request.

A token is created by a member who runs processes (staff, facilitation, admin) for one municipality
and carries that role. It acts for its owner only while the owner still holds that role there, and
every write it makes passes the same permission rules and services as the web pages. Services flush,
never commit.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.api.models import ApiToken
from app.core import audit
from app.core.roles import MANAGER_ROLES, Role
from app.core.sanitize import clean_plain
from app.core.time import utcnow
from app.extensions import db
from app.municipalities.models import Membership, Municipality

TOKEN_PREFIX = "trl_"  # noqa: S105  a marker that makes leaked tokens findable, no secret
TOKEN_ROLES = MANAGER_ROLES  # the roles the API's writes need (processes, answers, outcomes)
NAME_MAX = 80
MAX_ACTIVE_TOKENS = 20


class TokenError(Exception):
    """A token rule refused the action; ``str(error)`` is a message for the person."""


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_memberships(user) -> list[Membership]:
    """The memberships for which ``user`` may create tokens (active municipalities only)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [m for m in user.memberships if m.role in TOKEN_ROLES and m.municipality.is_active]


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, active first, newest first; revoked ones stay listed for the record."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .options(joinedload(ApiToken.municipality))
            .order_by(
                ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc()
            )
        )
    )


def create_token(user: User, municipality: Municipality, name: str) -> tuple[ApiToken, str]:
    """A new token for ``municipality`` with the user's role there; the raw token is returned once."""
    membership = user.membership_in(municipality)
    if membership is None or membership.role not in TOKEN_ROLES or not municipality.is_active:
        raise TokenError(_("Your role in this municipality cannot use API tokens."))
    name = clean_plain(name)[:NAME_MAX]
    if not name:
        raise TokenError(_("Please name the token."))
    active = [t for t in tokens_of(user) if t.is_active]
    if len(active) >= MAX_ACTIVE_TOKENS:
        raise TokenError(
            _(
                "At most %(max)d active tokens per person; please revoke one first.",
                max=MAX_ACTIVE_TOKENS,
            )
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        municipality_id=municipality.id,
        role=membership.role,
        name=name,
        token_hash=hash_token(raw),
        prefix=raw[:12],
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        actor_id=user.id,
        action="api_token.create",
        object_type="api_token",
        object_id=token.id,
        municipality_id=municipality.id,
        after={"name": name, "role": membership.role.value, "prefix": token.prefix},
    )
    return token, raw


def get_own_token(user: User, token_id: int) -> ApiToken | None:
    return db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )


def revoke_token(user: User, token: ApiToken, now: datetime | None = None) -> None:
    """Revoke a token for good; revoking twice changes nothing."""
    if token.user_id != user.id:
        raise TokenError(_("This is not your token."))
    if not token.is_active:
        return
    token.revoked_at = now or utcnow()
    audit.record(
        actor_id=user.id,
        action="api_token.revoke",
        object_type="api_token",
        object_id=token.id,
        municipality_id=token.municipality_id,
        before={"name": token.name, "prefix": token.prefix},
    )
    db.session.flush()


def authenticate(raw: str | None, now: datetime | None = None) -> ApiToken | None:
    """The active token for ``raw``, if its owner still holds the token's role; marks its use.

    A role changed or removed since the token was made, a deleted account or a deactivated
    municipality all make the token useless, without anyone having to remember to revoke it.
    """
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = db.session.scalar(
        select(ApiToken)
        .where(ApiToken.token_hash == hash_token(raw), ApiToken.revoked_at.is_(None))
        .options(joinedload(ApiToken.user), joinedload(ApiToken.municipality))
    )
    if token is None or not token.user.is_active or not token.municipality.is_active:
        return None
    if token.user.role_in(token.municipality) != token.role:
        return None
    token.last_used_at = now or utcnow()
    return token


def token_role_label(role: Role) -> str:
    return role.label
