"""The rules of events: creating them, registering (seats, waiting list), reminders, documentation.

Services flush and never commit; they raise ``EventError`` with a message for the person. Seats are
taken and given back with conditional updates on ``events.confirmed_count`` and waiting
registrations are promoted with conditional updates on their status, so concurrent registrations
and cancellations neither overbook nor promote anyone twice, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.contributions import services as contributions
from app.core import audit, uploads
from app.core.locks import lock_row
from app.core.sanitize import clean_plain, clean_rich
from app.core.time import utcnow
from app.events import signals
from app.events.models import (
    EasyReadSummary,
    EventPhoto,
    EventRegistration,
    OnsiteEntry,
    OnsiteEvent,
    RegistrationMode,
    RegistrationStatus,
)
from app.extensions import db
from app.municipalities.models import Municipality
from app.processes.models import Process, ProcessState
from app.processes.models import Visibility as ProcessVisibility

TITLE_MAX = 200
URL_MAX = 500
REASON_MAX = 1000
REMINDER_BEFORE = timedelta(days=1)


class EventError(Exception):
    """A refused action; the message says why, in the person's language."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class EventData:
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    accessibility: str = ""
    online_url: str = ""
    registration: RegistrationMode = RegistrationMode.NONE
    capacity: int | None = None


# --- loading ------------------------------------------------------------------------------------


def get_event(process: Process, event_id: int) -> OnsiteEvent | None:
    """An event of ``process`` only (and so of its municipality)."""
    return db.session.scalar(
        select(OnsiteEvent).where(
            OnsiteEvent.id == event_id,
            OnsiteEvent.process_id == process.id,
            OnsiteEvent.municipality_id == process.municipality_id,
        )
    )


def events_of(process: Process) -> list[OnsiteEvent]:
    return list(
        db.session.scalars(
            select(OnsiteEvent)
            .where(OnsiteEvent.process_id == process.id)
            .order_by(OnsiteEvent.starts_at, OnsiteEvent.id)
        )
    )


def public_events(municipality: Municipality) -> list[OnsiteEvent]:
    """Events of the municipality's published (or archived) public processes: the town's feed,
    which calendar programs fetch without logging in."""
    return list(
        db.session.scalars(
            select(OnsiteEvent)
            .join(Process, Process.id == OnsiteEvent.process_id)
            .where(
                OnsiteEvent.municipality_id == municipality.id,
                Process.municipality_id == municipality.id,
                Process.state != ProcessState.DRAFT,
                Process.visibility == ProcessVisibility.PUBLIC,
            )
            .options(selectinload(OnsiteEvent.process))
            .order_by(OnsiteEvent.starts_at, OnsiteEvent.id)
        )
    )


def get_photo(municipality: Municipality, photo_id: int) -> EventPhoto | None:
    return db.session.scalar(
        select(EventPhoto).where(
            EventPhoto.id == photo_id, EventPhoto.municipality_id == municipality.id
        )
    )


# --- creating and editing -----------------------------------------------------------------------


def _apply(event: OnsiteEvent, data: EventData) -> None:
    title = clean_plain(data.title)
    if not title:
        raise EventError(_("Please give the event a title."), "title")
    if len(title) > TITLE_MAX:
        raise EventError(_("At most %(max)d characters.", max=TITLE_MAX), "title")
    if data.ends_at <= data.starts_at:
        raise EventError(_("The event must end after it starts."), "ends_at")
    if (data.latitude is None) != (data.longitude is None):
        raise EventError(_("Please give both latitude and longitude, or neither."), "latitude")
    if data.latitude is not None and not (
        -90 <= data.latitude <= 90 and -180 <= data.longitude <= 180
    ):
        raise EventError(_("These coordinates are not on the map."), "latitude")
    online_url = clean_plain(data.online_url)
    if online_url and not online_url.startswith(("https://", "http://")):
        raise EventError(_("Please give a web address starting with https://."), "online_url")
    mode = RegistrationMode(data.registration)
    capacity = data.capacity if mode == RegistrationMode.LIMITED else None
    if mode == RegistrationMode.LIMITED:
        if not capacity or capacity < 1:
            raise EventError(_("Please give the number of seats."), "capacity")
        if event.id is not None and capacity < event.confirmed_count:
            raise EventError(
                ngettext(
                    "%(num)d person is registered already; the event needs at least as many seats.",
                    "%(num)d people are registered already; the event needs at least as many "
                    "seats.",
                    event.confirmed_count,
                ),
                "capacity",
            )
    event.title = title
    event.description = str(clean_rich(data.description))
    event.starts_at = data.starts_at
    event.ends_at = data.ends_at
    event.address = clean_plain(data.address)[:300]
    event.latitude = data.latitude
    event.longitude = data.longitude
    event.accessibility = clean_plain(data.accessibility)
    event.online_url = online_url[:URL_MAX]
    event.registration = mode
    event.capacity = capacity


def create_event(process: Process, actor: User, data: EventData) -> OnsiteEvent:
    """A new event of the process; announced to its followers when it is still to come.

    The same event (title, time, place, description) created again by the same person a moment
    later (``contributions.REPEAT_WINDOW``: a double click, a retry) stores and announces nothing:
    ``AlreadyWritten`` carries the event the first request created.
    """
    event = OnsiteEvent(
        municipality_id=process.municipality_id,
        process_id=process.id,
        created_by_id=actor.id,
        confirmed_count=0,
        protocol="",
    )
    _apply(event, data)
    contributions.refuse_repeat(
        actor,
        OnsiteEvent,
        OnsiteEvent.process_id == process.id,
        OnsiteEvent.created_by_id == actor.id,
        OnsiteEvent.title == event.title,
        OnsiteEvent.starts_at == event.starts_at,
        OnsiteEvent.ends_at == event.ends_at,
        OnsiteEvent.address == event.address,
        OnsiteEvent.description == event.description,
    )
    db.session.add(event)
    db.session.flush()
    # news for those who follow: an event still to come (not one documented afterwards)
    if process.state == ProcessState.PUBLISHED and not event.is_past(utcnow()):
        signals.event_published.send(event, actor_id=actor.id)
    return event


def update_event(
    event: OnsiteEvent, data: EventData, now: datetime | None = None
) -> list[EventRegistration]:
    """Save changes; more seats (or no limit any more) let the waiting list move up.

    Returns the registrations promoted, so the caller's mails can tell them.
    """
    if event.id is not None:
        # The seats taken are read under the event's lock: a registration at the same moment
        # cannot slip past a smaller number of seats (it waits, then finds the new capacity).
        lock_row(OnsiteEvent, event.id)
        db.session.refresh(event, ["confirmed_count"])
    _apply(event, data)
    db.session.flush()
    return fill_seats(event, now or utcnow())


# --- registration -------------------------------------------------------------------------------


def registration_of(event: OnsiteEvent, user) -> EventRegistration | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(EventRegistration).where(
            EventRegistration.event_id == event.id, EventRegistration.user_id == user.id
        )
    )


def registration_refusal(event: OnsiteEvent, user, now: datetime) -> str | None:
    """Why ``user`` cannot register for ``event`` now, or None."""
    if event.is_cancelled:
        return _("This event has been cancelled.")
    if not event.takes_registrations:
        return _("This event needs no registration: just come.")
    if event.starts_at <= now:
        return _("This event has started; registration is closed.")
    if event.process.state != ProcessState.PUBLISHED:
        return _("Registration is closed.")
    if getattr(user, "is_authenticated", False) and not user.is_verified:
        return _("Please confirm your e-mail address first.")
    return None


def _take_seat(event_id: int) -> bool:
    """One seat of a limited event, if one is left: a single conditional update."""
    result = db.session.execute(
        update(OnsiteEvent)
        .where(OnsiteEvent.id == event_id)
        .where(
            (OnsiteEvent.capacity.is_(None)) | (OnsiteEvent.confirmed_count < OnsiteEvent.capacity)
        )
        .values(confirmed_count=OnsiteEvent.confirmed_count + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _give_seat(event_id: int) -> None:
    db.session.execute(
        update(OnsiteEvent)
        .where(OnsiteEvent.id == event_id, OnsiteEvent.confirmed_count > 0)
        .values(confirmed_count=OnsiteEvent.confirmed_count - 1)
        .execution_options(synchronize_session=False)
    )


def register(event: OnsiteEvent, user: User, now: datetime | None = None) -> EventRegistration:
    """Register ``user``: a seat while there is one, else a place on the waiting list.

    Registering again after cancelling queues anew at the end.
    """
    return enrol(event, user, now)[0]


def enrol(
    event: OnsiteEvent, user: User, now: datetime | None = None
) -> tuple[EventRegistration, bool]:
    """``register``, and whether this call made (or reopened) the registration: of several clicks
    at once exactly one did, so exactly one confirmation goes out."""
    now = now or utcnow()
    refusal = registration_refusal(event, user, now)
    if refusal:
        raise EventError(refusal)
    registration = registration_of(event, user)
    if registration is not None and registration.status != RegistrationStatus.CANCELLED:
        return registration, False
    seated = _take_seat(event.id)  # an open event has no capacity: always a seat
    status = RegistrationStatus.CONFIRMED if seated else RegistrationStatus.WAITING
    if registration is None:
        registration = EventRegistration(
            municipality_id=event.municipality_id,
            event_id=event.id,
            user_id=user.id,
            status=status,
            queued_at=now,
            created_at=now,
        )
        try:
            with db.session.begin_nested():  # the same person twice at once: one row wins
                db.session.add(registration)
                db.session.flush()
        except IntegrityError:
            return _lost_race(event, user, seated), False
    else:
        reopened = db.session.execute(
            update(EventRegistration)
            .where(
                EventRegistration.id == registration.id,
                EventRegistration.status == RegistrationStatus.CANCELLED,
            )
            .values(status=status, queued_at=now, cancelled_at=None, reminded_at=None)
            .execution_options(synchronize_session=False)
        )
        if reopened.rowcount != 1:
            return _lost_race(event, user, seated), False
        db.session.refresh(registration)
    db.session.flush()
    db.session.refresh(event)
    return registration, True


def _lost_race(event: OnsiteEvent, user: User, seated: bool) -> EventRegistration:
    """Another request of the same person registered first: give back the seat taken here."""
    if seated:
        _give_seat(event.id)
    db.session.flush()
    db.session.refresh(event)
    return registration_of(event, user)


def _set_cancelled(registration_id: int, was: RegistrationStatus, now: datetime) -> bool:
    result = db.session.execute(
        update(EventRegistration)
        .where(EventRegistration.id == registration_id, EventRegistration.status == was)
        .values(status=RegistrationStatus.CANCELLED, cancelled_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def cancel(registration: EventRegistration, now: datetime | None = None) -> list[EventRegistration]:
    """Cancel; a freed seat goes to the first on the waiting list (returned, to be told).

    The status changes with a conditional update, so a double click (or two tabs) frees one seat.
    """
    now = now or utcnow()
    event = registration.event
    promoted: list[EventRegistration] = []
    if _set_cancelled(registration.id, RegistrationStatus.CONFIRMED, now):
        _give_seat(event.id)
        db.session.flush()
        promoted = fill_seats(event, now)
    else:
        _set_cancelled(registration.id, RegistrationStatus.WAITING, now)
    db.session.flush()
    db.session.refresh(registration)
    db.session.refresh(event)
    return promoted


def fill_seats(event: OnsiteEvent, now: datetime) -> list[EventRegistration]:
    """Move people from the waiting list onto free seats, first come first served (nobody moves
    up for a cancelled event)."""
    promoted: list[EventRegistration] = []
    # Read again: the callers hold the event's row lock by now, and staff may have called the
    # event off since it was loaded (a cancellation at that moment must not move anyone up).
    db.session.refresh(event, ["cancelled_at"])
    if event.is_cancelled:
        return promoted
    while True:
        waiting = db.session.scalars(
            select(EventRegistration.id)
            .where(
                EventRegistration.event_id == event.id,
                EventRegistration.status == RegistrationStatus.WAITING,
            )
            .order_by(EventRegistration.queued_at, EventRegistration.id)
            .limit(5)
        ).all()
        if not waiting or not _take_seat(event.id):
            break
        moved = None
        for candidate in waiting:
            result = db.session.execute(
                update(EventRegistration)
                .where(
                    EventRegistration.id == candidate,
                    EventRegistration.status == RegistrationStatus.WAITING,
                )
                .values(status=RegistrationStatus.CONFIRMED)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:
                moved = candidate
                break
        if moved is None:
            _give_seat(event.id)  # others promoted these meanwhile; look again
            continue
        promoted.append(db.session.get(EventRegistration, moved))
    db.session.flush()
    for registration in promoted:
        db.session.refresh(registration)
    db.session.refresh(event)
    return promoted


# --- cancelling and deleting ---------------------------------------------------------------------


def cancel_event(
    event: OnsiteEvent, actor: User, reason: str, now: datetime | None = None
) -> list[EventRegistration]:
    """Call the event off: it stays visible with ``reason``, registration closes, nobody moves up
    or is reminded any more. Registrations keep their status (who had a seat, who waited).

    The change is one conditional update (``cancelled_at IS NULL``), so a double click or two
    members of staff at once cancel (and mail) once. Returns the registrations to tell: everyone
    with a seat or on the waiting list.
    """
    now = now or utcnow()
    reason = clean_plain(reason)
    if not reason:
        raise EventError(_("Please say why the event is cancelled."), "reason")
    if len(reason) > REASON_MAX:
        raise EventError(_("At most %(max)d characters.", max=REASON_MAX), "reason")
    if event.is_past(now):
        raise EventError(_("This event has taken place; it can no longer be cancelled."))
    changed = db.session.execute(
        update(OnsiteEvent)
        .where(OnsiteEvent.id == event.id, OnsiteEvent.cancelled_at.is_(None))
        .values(
            cancelled_at=now,
            cancellation_reason=reason,
            cancelled_by_id=actor.id,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        db.session.refresh(event)
        raise EventError(_("This event has been cancelled already."))
    db.session.refresh(event)
    audit.record(
        actor_id=actor.id,
        action="event.cancel",
        object_type="event",
        object_id=event.id,
        municipality_id=event.municipality_id,
        before={"title": event.title, "starts_at": event.starts_at.isoformat()},
        reason=reason,
    )
    return list(
        db.session.scalars(
            select(EventRegistration)
            .where(
                EventRegistration.event_id == event.id,
                EventRegistration.status.in_(
                    [RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING]
                ),
            )
            .options(selectinload(EventRegistration.user))
            .order_by(EventRegistration.queued_at, EventRegistration.id)
        )
    )


def to_tell_count(event: OnsiteEvent) -> int:
    """How many people a cancellation would write to (a seat or a place on the waiting list)."""
    return (
        db.session.scalar(
            select(func.count(EventRegistration.id)).where(
                EventRegistration.event_id == event.id,
                EventRegistration.status.in_(
                    [RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING]
                ),
            )
        )
        or 0
    )


def _registered_ids(event_ids: list[int]) -> set[int]:
    return set(
        db.session.scalars(
            select(EventRegistration.event_id)
            .where(EventRegistration.event_id.in_(event_ids))
            .distinct()
        )
    )


def _with_input_ids(event_ids: list[int]) -> set[int]:
    return set(
        db.session.scalars(
            select(OnsiteEntry.event_id).where(OnsiteEntry.event_id.in_(event_ids)).distinct()
        )
    )


def undeletable_ids(events: list[OnsiteEvent]) -> set[int]:
    """Of ``events``, those that cannot be deleted (two queries for the whole list)."""
    ids = [event.id for event in events]
    if not ids:
        return set()
    return _registered_ids(ids) | _with_input_ids(ids)


def deletion_refusal(event: OnsiteEvent) -> str | None:
    """Why ``event`` cannot be deleted, or None.

    Anyone who ever registered (even if they cancelled since) was told of it, and input gathered
    at it names it as its origin: such an event is cancelled instead, and stays.
    """
    if _registered_ids([event.id]):
        return _(
            "People have registered for this event, so it cannot be deleted. Cancel it instead: "
            "they will be told, and the event stays visible as cancelled."
        )
    if _with_input_ids([event.id]):
        return _(
            "Input gathered at this event names it as its origin, so it cannot be deleted. "
            "Cancel it instead, if it will not take place."
        )
    return None


def delete_event(event: OnsiteEvent, actor: User) -> None:
    """Delete an event nobody registered for (with its photos); the audit log keeps what it was."""
    refusal = deletion_refusal(event)
    if refusal:
        raise EventError(refusal)
    audit.record(
        actor_id=actor.id,
        action="event.delete",
        object_type="event",
        object_id=event.id,
        municipality_id=event.municipality_id,
        before={
            "title": event.title,
            "starts_at": event.starts_at.isoformat(),
            "ends_at": event.ends_at.isoformat(),
            "address": event.address,
            "process_id": event.process_id,
        },
    )
    keys = [photo.image_key for photo in event.photos]
    db.session.delete(event)
    db.session.flush()
    for key in keys:
        uploads.delete_after_commit(key)


def record_export(actor: User, event: OnsiteEvent) -> None:
    """Who downloaded the registrants' names and addresses, and when (personal data)."""
    audit.record(
        actor_id=actor.id,
        action="event.registrants_export",
        object_type="event",
        object_id=event.id,
        municipality_id=event.municipality_id,
    )


def registrants(event: OnsiteEvent) -> list[EventRegistration]:
    """Everyone registered or waiting, in order; cancelled ones last."""
    order = {RegistrationStatus.CONFIRMED: 0, RegistrationStatus.WAITING: 1}
    rows = db.session.scalars(
        select(EventRegistration)
        .where(EventRegistration.event_id == event.id)
        .options(selectinload(EventRegistration.user))
        .order_by(EventRegistration.queued_at, EventRegistration.id)
    ).all()
    return sorted(rows, key=lambda r: order.get(r.status, 2))


def due_reminders(now: datetime, limit: int = 200) -> list[int]:
    """Confirmed registrations for events starting within a day that have not been reminded."""
    return list(
        db.session.scalars(
            select(EventRegistration.id)
            .join(OnsiteEvent, OnsiteEvent.id == EventRegistration.event_id)
            .where(
                EventRegistration.status == RegistrationStatus.CONFIRMED,
                EventRegistration.reminded_at.is_(None),
                OnsiteEvent.cancelled_at.is_(None),
                OnsiteEvent.starts_at > now,
                OnsiteEvent.starts_at <= now + REMINDER_BEFORE,
            )
            .order_by(EventRegistration.id)
            .limit(limit)
        )
    )


def claim_reminder(registration_id: int, now: datetime) -> bool:
    """Atomically mark one registration as reminded; only the run that wins sends the mail."""
    result = db.session.execute(
        update(EventRegistration)
        .where(
            EventRegistration.id == registration_id,
            EventRegistration.reminded_at.is_(None),
            EventRegistration.status == RegistrationStatus.CONFIRMED,
        )
        .values(reminded_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


# --- documentation ------------------------------------------------------------------------------


def save_protocol(event: OnsiteEvent, html: str) -> None:
    event.protocol = str(clean_rich(html))
    db.session.flush()


def add_photo(event: OnsiteEvent, stream: IO[bytes], alt: str, caption: str = "") -> EventPhoto:
    """Store a photo re-encoded without metadata (GPS, camera); the alt text is required."""
    alt = clean_plain(alt)
    if not alt:
        raise EventError(_("Please describe the photo for people who cannot see it."), "alt")
    try:
        key = uploads.store_image(stream, f"events/{event.municipality_id}")
    except uploads.ImageTooLarge as exc:
        raise EventError(str(exc.message), "photo") from exc
    except uploads.InvalidImage as exc:
        raise EventError(_("Please upload a JPEG, PNG or WebP image."), "photo") from exc
    photo = EventPhoto(
        municipality_id=event.municipality_id,
        event_id=event.id,
        image_key=key,
        alt=alt[:300],
        caption=clean_plain(caption)[:300],
    )
    db.session.add(photo)
    db.session.flush()
    return photo


def delete_photo(actor: User, photo: EventPhoto) -> None:
    audit.record(
        actor_id=actor.id,
        action="event.photo_delete",
        object_type="event",
        object_id=photo.event_id,
        municipality_id=photo.municipality_id,
        before={"alt": photo.alt, "caption": photo.caption},
    )
    key = photo.image_key
    db.session.delete(photo)
    db.session.flush()
    uploads.delete_after_commit(key)


# --- Leichte Sprache ----------------------------------------------------------------------------


def easy_read_of(process: Process) -> EasyReadSummary | None:
    return db.session.scalar(
        select(EasyReadSummary).where(EasyReadSummary.process_id == process.id)
    )


def save_easy_read(process: Process, actor: User, body: str, promise: str) -> EasyReadSummary:
    summary = easy_read_of(process)
    if summary is None:
        summary = EasyReadSummary(municipality_id=process.municipality_id, process_id=process.id)
        db.session.add(summary)
    summary.body = clean_plain(body)
    summary.promise = clean_plain(promise)
    summary.updated_by_id = actor.id
    db.session.flush()
    return summary
