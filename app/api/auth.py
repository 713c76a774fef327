"""Bearer-token authentication of the API's writes.

Writes accept a personal token in ``Authorization: Bearer …`` and nothing else: no session cookie,
so no other site can make a visitor's browser write (which is why the API needs no CSRF token).
A token acts only in its own municipality, and only as far as the permission rules let its owner.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.models import User
from app.api import services
from app.api.errors import ApiError
from app.api.models import ApiToken
from app.core.permissions import allowed
from app.extensions import db
from app.municipalities.models import Municipality

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="trialog"'}


@dataclass(frozen=True)
class Caller:
    token: ApiToken
    user: User
    municipality: Municipality


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def authenticated_caller(slug: str) -> Caller:
    """The token's owner, if the token is valid and belongs to the municipality ``slug``."""
    raw = _bearer()
    if raw is None:
        raise ApiError(401, code="token_missing", headers=CHALLENGE)
    token = services.authenticate(raw)
    if token is None:
        raise ApiError(
            401,
            _("This token is unknown, revoked, or no longer matches your role."),
            code="token_invalid",
            headers=CHALLENGE,
        )
    municipality = db.session.scalar(select(Municipality).where(Municipality.slug == slug))
    if municipality is None:
        raise ApiError(404)
    if municipality.id != token.municipality_id:
        raise ApiError(403, _("This token belongs to another municipality."), code="token_scope")
    return Caller(token, token.user, municipality)


def require(caller: Caller, rule: str, target) -> None:
    """The same named rule the web page asks; 403 if it says no."""
    if not allowed(rule, caller.user, target):
        raise ApiError(403)
