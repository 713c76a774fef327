"""Membership roles and the trialog groups they speak for.

Every contribution stores the author's group at the time of writing, so a later role change does not
rewrite who said what.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core.enums import LabelledEnum


class Role(LabelledEnum):
    CITIZEN = "citizen", _l("Citizen")
    STAFF = "staff", _l("Municipal staff")
    MODERATOR = "moderator", _l("Moderator")
    COUNCIL = "council", _l("Council member")
    FACILITATOR = "facilitator", _l("Process facilitator")
    ADMIN = "admin", _l("Municipality admin")


ROLE_LABELS = Role.labels()


class TrialogGroup(LabelledEnum):
    CITIZENS = "citizens", _l("Citizens")
    ADMINISTRATION = "administration", _l("Administration")
    COUNCIL = "council", _l("Council")
    FACILITATION = "facilitation", _l("Facilitation")


GROUP_LABELS = TrialogGroup.labels()

ROLE_GROUPS = {
    Role.CITIZEN: TrialogGroup.CITIZENS,
    Role.STAFF: TrialogGroup.ADMINISTRATION,
    Role.MODERATOR: TrialogGroup.ADMINISTRATION,
    Role.ADMIN: TrialogGroup.ADMINISTRATION,
    Role.COUNCIL: TrialogGroup.COUNCIL,
    Role.FACILITATOR: TrialogGroup.FACILITATION,
}

# The role sets the rules are written with, each defined once. A rule names the set whose meaning
# it needs even where two sets hold the same roles today, so that one can change alone.
BACK_OFFICE_ROLES = frozenset({Role.STAFF, Role.MODERATOR, Role.FACILITATOR, Role.ADMIN})
MODERATOR_ROLES = BACK_OFFICE_ROLES  # decide on reports, hide and restore, block
MANAGER_ROLES = frozenset({Role.STAFF, Role.FACILITATOR, Role.ADMIN})  # set up processes
OFFICIAL_ROLES = frozenset({Role.STAFF, Role.ADMIN})  # speak for the municipality
COUNCIL_ROLES = frozenset({Role.COUNCIL})  # review the consolidated input, state positions
# answer in a comment thread as one of the trialog groups beside the citizens
ANSWER_ROLES = frozenset({Role.STAFF, Role.ADMIN, Role.COUNCIL, Role.FACILITATOR})
REPORT_READER_ROLES = ANSWER_ROLES  # read the consolidated report before it is public
INTERNAL_ROLES = frozenset(Role) - {Role.CITIZEN}  # see internal results and texts


def group_for(role: Role | None) -> TrialogGroup:
    """The trialog group a role speaks for; people without a membership count as citizens."""
    return ROLE_GROUPS.get(role, TrialogGroup.CITIZENS) if role else TrialogGroup.CITIZENS
