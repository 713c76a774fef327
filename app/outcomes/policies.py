"""Who may do what in the outcomes domain; views ``require`` these names and templates ask ``can``.

The consolidated report is for those who evaluate the input: council members, staff, facilitators
and admins of the municipality (not moderators, not citizens). Citizens see only what is published:
the outcome once published, and with it the council decisions and statements.
"""

from __future__ import annotations

from app.core.permissions import allowed, rule
from app.extensions import db
from app.municipalities.models import Municipality
from app.outcomes import services
from app.outcomes.models import Outcome
from app.processes.models import Process


@rule("process.read_report")
def read_report(user, process: Process) -> bool:
    return allowed("process.view", user, process) and services.reads_report(user, process)


@rule("council.workspace")
def council_workspace(user, municipality: Municipality) -> bool:
    """Council members of this municipality: the processes awaiting their review."""
    return (
        isinstance(municipality, Municipality)
        and municipality.is_active
        and services.is_council_member(user, municipality)
    )


@rule("process.council_statement")
def write_statement(user, process: Process) -> bool:
    return (
        allowed("process.view", user, process) and services.statement_refusal(user, process) is None
    )


@rule("process.manage_outcome")
def manage_outcome(user, process: Process) -> bool:
    """Record council decisions, write and publish the outcome: those who run the process."""
    return allowed("process.manage", user, process) and not process.is_draft


@rule("process.recount_report")
def recount_report(user, process: Process) -> bool:
    """Count the report's figures now instead of showing kept ones: those who run the process
    (counting a city's process costs seconds of the database; council members read the report)."""
    return read_report(user, process) and allowed("process.manage", user, process)


@rule("outcome.view")
def view_outcome(user, outcome: Outcome) -> bool:
    if outcome.is_published:
        return allowed("process.view", user, outcome.process)
    return read_report(user, outcome.process)


def can_read_statement(user, contribution) -> bool:
    """Where a council statement on a process is shown (the process page, the report): those who
    read the report always, everyone who may read the process once its outcome is published."""
    process = db.session.get(Process, contribution.process_id)
    if process is None or not contribution.is_visible:
        return False
    if read_report(user, process):
        return True
    return services.published_outcome(process) is not None and allowed(
        "process.view", user, process
    )
