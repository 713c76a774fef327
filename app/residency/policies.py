"""Who verifies residents: the administration (staff, admins) of the municipality, platform admins."""

from __future__ import annotations

from app.core.permissions import rule
from app.core.roles import OFFICIAL_ROLES


@rule("residency.manage")
def manage_residency(user, municipality) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_platform_admin or user.role_in(municipality) in OFFICIAL_ROLES
