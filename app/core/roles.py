"""Membership roles and the trialog groups they speak for.

Every contribution stores the author's group at the time of writing, so a later role change does not
rewrite who said what.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    CITIZEN = "citizen"
    STAFF = "staff"
    MODERATOR = "moderator"
    COUNCIL = "council"
    FACILITATOR = "facilitator"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.CITIZEN: _l("Citizen"),
    Role.STAFF: _l("Municipal staff"),
    Role.MODERATOR: _l("Moderator"),
    Role.COUNCIL: _l("Council member"),
    Role.FACILITATOR: _l("Process facilitator"),
    Role.ADMIN: _l("Municipality admin"),
}


class TrialogGroup(StrEnum):
    CITIZENS = "citizens"
    ADMINISTRATION = "administration"
    COUNCIL = "council"
    FACILITATION = "facilitation"

    @property
    def label(self) -> str:
        return str(GROUP_LABELS[self])


GROUP_LABELS = {
    TrialogGroup.CITIZENS: _l("Citizens"),
    TrialogGroup.ADMINISTRATION: _l("Administration"),
    TrialogGroup.COUNCIL: _l("Council"),
    TrialogGroup.FACILITATION: _l("Facilitation"),
}

ROLE_GROUPS = {
    Role.CITIZEN: TrialogGroup.CITIZENS,
    Role.STAFF: TrialogGroup.ADMINISTRATION,
    Role.MODERATOR: TrialogGroup.ADMINISTRATION,
    Role.ADMIN: TrialogGroup.ADMINISTRATION,
    Role.COUNCIL: TrialogGroup.COUNCIL,
    Role.FACILITATOR: TrialogGroup.FACILITATION,
}

BACK_OFFICE_ROLES = frozenset({Role.STAFF, Role.MODERATOR, Role.FACILITATOR, Role.ADMIN})


def group_for(role: Role | None) -> TrialogGroup:
    """The trialog group a role speaks for; people without a membership count as citizens."""
    return ROLE_GROUPS.get(role, TrialogGroup.CITIZENS) if role else TrialogGroup.CITIZENS
