"""Notification kind of the events domain (``app/events/signals.py``): a new event of a process.

The process's followers hear of it (daily digest by default, their choice on the preferences page),
if they may read the process when the event is expanded and the event is still on: one deleted or
cancelled meanwhile tells nobody. Kept apart from ``kinds``/``audiences``/``receivers`` so the
domain's whole wiring is one module; ``receivers.connect`` calls ``connect`` here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.notifications import kinds
from app.notifications.audiences import followers, reads_process
from app.notifications.kinds import Context, EventKind, Group
from app.notifications.models import Delivery
from app.notifications.services import link, record


def _message(payload: dict[str, Any]) -> str:
    starts = payload.get("starts_at")
    return _(
        "New event in “%(process)s”: “%(title)s” on %(when)s.",
        process=payload["process"],
        title=payload["title"],
        when=format_datetime(datetime.fromisoformat(starts), "medium") if starts else "",
    )


PROCESS_EVENT = kinds.register(
    EventKind(
        "process_event",
        _l("New events in processes you follow"),
        Group.FOLLOWING,
        Delivery.DAILY,
        _message,
    )
)


def reads_event(user, ctx: Context) -> bool:
    """The process is readable to the person, and the event is still there and not called off."""
    if "onsite_event" not in ctx.objects:
        from app.events.models import OnsiteEvent

        ctx.objects["onsite_event"] = db.session.get(OnsiteEvent, ctx.event.object_id)
    event = ctx.objects["onsite_event"]
    if event is None or event.is_cancelled:
        return False
    return reads_process(user, ctx)  # the events domain reads events as it reads the process


def on_event_published(event, actor_id: int | None = None, **_: Any) -> None:
    process = event.process
    record(
        PROCESS_EVENT,
        municipality_id=event.municipality_id,
        process_id=process.id,
        actor_id=actor_id,
        object_id=event.id,
        payload={
            "process": process.title,
            "title": event.title,
            "starts_at": event.starts_at.isoformat(),
        },
        target=link(
            "events.show",
            slug=process.municipality.slug,
            process_slug=process.slug,
            event_id=event.id,
        ),
        dedupe_key=f"onsite_event:{event.id}:published",
    )


def connect() -> None:
    """Give the kind its audience and subscribe the receiver (idempotent)."""
    from app.events import signals

    kinds.attach(PROCESS_EVENT.key, followers, reads_event)
    signals.event_published.connect(on_event_published)
