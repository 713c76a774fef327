"""Who may do what with a municipality and its members."""

from __future__ import annotations

from app.core.permissions import rule
from app.core.roles import BACK_OFFICE_ROLES, Role
from app.municipalities.models import Municipality


def _authenticated(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def is_platform_admin(user) -> bool:
    return _authenticated(user) and user.is_platform_admin


@rule("platform.manage")
def manage_platform(user, _target: object) -> bool:
    return is_platform_admin(user)


@rule("municipality.view")
def view_municipality(user, municipality: Municipality) -> bool:
    return municipality.is_active or is_platform_admin(user)


@rule("municipality.join")
def join_municipality(user, municipality: Municipality) -> bool:
    return (
        _authenticated(user) and municipality.is_active and user.membership_in(municipality) is None
    )


@rule("municipality.backoffice")
def use_backoffice(user, municipality: Municipality) -> bool:
    return is_platform_admin(user) or (
        _authenticated(user) and user.role_in(municipality) in BACK_OFFICE_ROLES
    )


@rule("municipality.manage_members")
def manage_members(user, municipality: Municipality) -> bool:
    return is_platform_admin(user) or (
        _authenticated(user) and user.role_in(municipality) == Role.ADMIN
    )
