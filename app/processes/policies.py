"""Who may do what with processes; the names are asked by views (``require``) and templates (``can``).

Process management belongs to the administration side that runs processes (staff, facilitators,
municipality admins) and to platform admins; moderators moderate contributions but do not set up
processes, and council members read and state positions.
"""

from __future__ import annotations

from app.core.permissions import rule
from app.core.roles import MANAGER_ROLES
from app.core.time import utcnow
from app.municipalities.models import Municipality
from app.municipalities.policies import is_platform_admin
from app.processes import services
from app.processes.models import Process, ProcessState, Visibility


def _municipality_of(target) -> Municipality | None:
    if isinstance(target, Process):
        return target.municipality
    if isinstance(target, Municipality):
        return target
    return None


def _may_manage(user, municipality: Municipality | None) -> bool:
    if municipality is None or not getattr(user, "is_authenticated", False):
        return False
    return is_platform_admin(user) or user.role_in(municipality) in MANAGER_ROLES


@rule("process.manage")
def manage_processes(user, target: Process | Municipality) -> bool:
    """Create, edit, preview, publish and archive the processes of a municipality."""
    return _may_manage(user, _municipality_of(target))


@rule("process.view")
def view_process(user, process: Process) -> bool:
    """Drafts only for those who manage; members-only processes only for members."""
    municipality = process.municipality
    if not (municipality.is_active or is_platform_admin(user)):
        return False
    if process.state == ProcessState.DRAFT:
        return _may_manage(user, municipality)
    if process.visibility == Visibility.MEMBERS:
        return services.sees_members_only(user, municipality)
    return True


@rule("process.contribute")
def contribute(user, process: Process) -> bool:
    """Propose, comment, support, answer: members, while a participation phase runs."""
    return (
        view_process(user, process) and services.contribution_gate(process, user, utcnow()).allowed
    )


@rule("process.follow")
def follow_process(user, process: Process) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and process.state == ProcessState.PUBLISHED
        and view_process(user, process)
    )
