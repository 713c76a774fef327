"""Who may report, moderate, configure moderation and read the audit log.

Moderation belongs to the municipality's moderators, staff, facilitators and admins, and to platform
admins; citizens and council members take part but do not moderate. The audit log is read by the
municipality's admins (their municipality) and platform admins (all); moderators read its moderation
entries (their own acts and those of the others moderating with them).
"""

from __future__ import annotations

from app.contributions.models import Contribution
from app.core.permissions import rule
from app.core.roles import Role
from app.moderation.services import may_moderate, report_refusal
from app.municipalities.models import Municipality
from app.municipalities.policies import is_platform_admin


def _authenticated(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


@rule("moderation.moderate")
def moderate(user, municipality: Municipality) -> bool:
    """See the queue, decide about reports and pending contributions, block and unblock authors."""
    return isinstance(municipality, Municipality) and may_moderate(user, municipality)


@rule("moderation.configure")
def configure(user, municipality: Municipality) -> bool:
    """Set the report threshold, the netiquette and pre-moderation of processes."""
    return (
        isinstance(municipality, Municipality)
        and _authenticated(user)
        and (is_platform_admin(user) or user.role_in(municipality) == Role.ADMIN)
    )


@rule("moderation.report")
def report(user, contribution: Contribution) -> bool:
    """Logged-in people may report a published contribution by someone else, unless they are
    blocked in its municipality (a block covers every act of participation).

    Cheap on purpose (the block is looked up once per request), so that listings can ask it for
    every contribution; whether the person has reported it already is the service's question.
    """
    return (
        isinstance(contribution, Contribution)
        and _authenticated(user)
        and report_refusal(user, contribution) is None
    )


@rule("audit.read")
def read_audit_log(user, municipality: Municipality) -> bool:
    """A municipality's log: its admins and platform admins."""
    return configure(user, municipality)


@rule("audit.read_moderation")
def read_moderation_log(user, municipality: Municipality) -> bool:
    """The moderation part of a municipality's log: its moderators read what they decided."""
    return moderate(user, municipality)


@rule("audit.read_all")
def read_whole_audit_log(user, _target: object = None) -> bool:
    return is_platform_admin(user)
