"""Who may do what with events, on-site input and easy-read texts.

Those who run processes (staff, facilitators, municipality admins, platform admins) create events,
see registrants, document events and enter on-site input; everyone who may read a process sees its
events; any logged-in person who may read it can register. The same people cancel an event that has
not taken place (it stays visible with the reason) and delete one nobody registered for.
"""

from __future__ import annotations

from app.core.permissions import allowed, rule
from app.core.time import utcnow
from app.events.models import OnsiteEvent
from app.processes.models import Process


def _process_of(target) -> Process | None:
    if isinstance(target, OnsiteEvent):
        return target.process
    if isinstance(target, Process):
        return target
    return None


@rule("event.manage")
def manage(user, target: Process | OnsiteEvent) -> bool:
    """Create, edit and document events, see and export registrants, enter on-site input."""
    process = _process_of(target)
    return process is not None and allowed("process.manage", user, process)


@rule("event.view")
def view(user, target: Process | OnsiteEvent) -> bool:
    process = _process_of(target)
    return process is not None and allowed("process.view", user, process)


@rule("event.register")
def register(user, event: OnsiteEvent) -> bool:
    return (
        isinstance(event, OnsiteEvent)
        and getattr(user, "is_authenticated", False)
        and event.takes_registrations
        and view(user, event)
    )


@rule("event.cancel")
def cancel(user, event: OnsiteEvent) -> bool:
    """Call off an event that is still to come (once)."""
    return (
        isinstance(event, OnsiteEvent)
        and not event.is_cancelled
        and not event.is_past(utcnow())
        and manage(user, event)
    )


@rule("event.delete")
def delete(user, event: OnsiteEvent) -> bool:
    """Who may delete an event at all; whether this one may go (nobody registered, no input from
    it) the service decides, and the confirmation page says."""
    return isinstance(event, OnsiteEvent) and manage(user, event)
