"""iCalendar (RFC 5545) feeds of events, written with the ``icalendar`` library.

Each event keeps a stable UID built from its id and the platform's host, so calendar programs
update an event they already show instead of adding it twice; a cancelled event stays in the feed
with ``STATUS:CANCELLED`` (and its reason first in the description), so they mark it as such.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlsplit

import icalendar
from flask import current_app

from app.core.sanitize import plain_text
from app.core.time import utcnow
from app.core.urls import public_url_for
from app.events.models import OnsiteEvent


def _uid(event: OnsiteEvent) -> str:
    host = urlsplit(current_app.config["PUBLIC_URL"]).netloc or "trialog"
    return f"event-{event.id}@{host}"


def event_url(event: OnsiteEvent) -> str:
    return public_url_for(
        "events.show",
        slug=event.process.municipality.slug,
        process_slug=event.process.slug,
        event_id=event.id,
    )


def feed(name: str, events: Iterable[OnsiteEvent], now: datetime | None = None) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Trialog//Veranstaltungen//DE")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Berlin")
    stamp = now or utcnow()
    for event in events:
        entry = icalendar.Event()
        entry.add("uid", _uid(event))
        entry.add("dtstamp", stamp)
        entry.add("dtstart", event.starts_at)
        entry.add("dtend", event.ends_at)
        entry.add("last-modified", event.updated_at)
        entry.add("summary", event.title)
        if event.is_cancelled:  # calendar programs strike it through or remove it (RFC 5545)
            entry.add("status", "CANCELLED")
        description = plain_text(event.description)
        if event.is_cancelled:
            description = f"{event.cancellation_reason}\n\n{description}".strip()
        if event.accessibility:
            description = f"{description}\n\n{event.accessibility}".strip()
        if event.online_url:
            description = f"{description}\n\n{event.online_url}".strip()
        if description:
            entry.add("description", description)
        if event.address:
            entry.add("location", event.address)
        if event.is_located:
            entry.add("geo", (event.latitude, event.longitude))
        entry.add("url", event_url(event))
        calendar.add_component(entry)
    return calendar.to_ical()
