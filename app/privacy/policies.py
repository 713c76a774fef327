"""Who may edit the legal pages: a municipality's admins its own, platform admins all."""

from __future__ import annotations

from app.core.permissions import rule
from app.core.roles import Role


@rule("legal.edit")
def edit_legal_pages(user, municipality) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_platform_admin:
        return True
    return municipality is not None and user.role_in(municipality) == Role.ADMIN
