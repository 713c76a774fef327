"""Events in a process, their registrations, documentation, on-site input and easy-read texts.

An event (Veranstaltung) belongs to one process and municipality. Limited events keep the number of
confirmed seats in ``confirmed_count``: a registration takes a seat with one conditional
``UPDATE ... WHERE confirmed_count < capacity`` (atomic on every backend), so concurrent
registrations never overbook and the check constraint guards the rest. Everyone past the limit
waits in the order of ``queued_at``.

Input gathered on site (cards, letters, phone calls) is stored as ordinary proposals and comments
whose contribution carries a ``channel`` other than ``online``; ``OnsiteEntry`` keeps where it
came from and who entered it.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.enums import LabelledEnum, enum_column
from app.core.time import UTCDateTime, utcnow
from app.extensions import db
from app.processes.models import Process


class RegistrationMode(LabelledEnum):
    NONE = "none", _l("No registration needed")  # just come
    OPEN = "open", _l("Registration, no limit")
    LIMITED = "limited", _l("Registration, limited seats with a waiting list")


REGISTRATION_LABELS = RegistrationMode.labels()


class RegistrationStatus(LabelledEnum):
    CONFIRMED = "confirmed", _l("Registered")
    WAITING = "waiting", _l("On the waiting list")
    CANCELLED = "cancelled", _l("Cancelled")


STATUS_LABELS = RegistrationStatus.labels()


class OnsiteEvent(db.Model):
    """A workshop, citizens' meeting or walk of a process."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_process_starts", "process_id", "starts_at"),
        Index("ix_events_municipality_starts", "municipality_id", "starts_at"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        CheckConstraint(
            "confirmed_count >= 0 AND (capacity IS NULL OR confirmed_count <= capacity)",
            name="not_overbooked",
        ),
        CheckConstraint(
            "(latitude IS NULL) = (longitude IS NULL)", name="location_complete_or_empty"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE")
    )
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")  # sanitised HTML
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    address: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    accessibility: Mapped[str] = mapped_column(Text, default="")  # plain text
    online_url: Mapped[str] = mapped_column(String(500), default="")
    registration: Mapped[RegistrationMode] = mapped_column(
        enum_column(RegistrationMode, "event_registration"), default=RegistrationMode.NONE
    )
    capacity: Mapped[int | None] = mapped_column(Integer)
    confirmed_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    protocol: Mapped[str] = mapped_column(Text, default="")  # sanitised HTML
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # A cancelled event stays visible with its reason; registration closes, nobody moves up.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancellation_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    process: Mapped[Process] = relationship()
    photos: Mapped[list[EventPhoto]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventPhoto.id"
    )

    @property
    def takes_registrations(self) -> bool:
        return self.registration != RegistrationMode.NONE

    @property
    def is_limited(self) -> bool:
        return self.registration == RegistrationMode.LIMITED

    @property
    def seats_left(self) -> int | None:
        if not self.is_limited or self.capacity is None:
            return None
        return max(self.capacity - self.confirmed_count, 0)

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def is_located(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def is_past(self, now: datetime) -> bool:
        return self.ends_at <= now


class EventRegistration(db.Model):
    """One person's registration: confirmed, waiting (in ``queued_at`` order) or cancelled."""

    __tablename__ = "event_registrations"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id"),
        Index("ix_event_registrations_event_status_queued", "event_id", "status", "queued_at"),
        Index("ix_event_registrations_status_reminded", "status", "reminded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus, "event_registration_status")
    )
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set by the one reminder run that claimed this registration (atomic), so it is sent once.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    event: Mapped[OnsiteEvent] = relationship()
    user: Mapped[User] = relationship()


class EventPhoto(db.Model):
    """A photo of an event's documentation; the file is re-encoded without metadata."""

    __tablename__ = "event_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE")
    )
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    image_key: Mapped[str] = mapped_column(String(120))
    alt: Mapped[str] = mapped_column(String(300))
    caption: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    event: Mapped[OnsiteEvent] = relationship(back_populates="photos")


class OnsiteEntry(db.Model):
    """Where an on-site contribution came from and who typed it in (one per contribution)."""

    __tablename__ = "onsite_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), index=True
    )
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE"), unique=True
    )
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    source: Mapped[str] = mapped_column(String(300))  # "aus der Veranstaltung … am …", "per Brief"
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    entered_by: Mapped[User | None] = relationship()


class EasyReadSummary(db.Model):
    """A process summed up in Leichte Sprache, and a plain version of the participation promise."""

    __tablename__ = "easy_read_summaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE")
    )
    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), unique=True
    )
    body: Mapped[str] = mapped_column(Text, default="")  # plain text, one sentence a line
    promise: Mapped[str] = mapped_column(Text, default="")  # plain, read-aloud friendly
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class PaperResponse(db.Model):
    """A survey response typed in from a filled-in paper form: who entered it, with a note.

    The response itself is an ordinary one without an account; this row is what tells the report
    that it came in on paper (anonymous online responses have no account either).
    """

    __tablename__ = "paper_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), index=True
    )
    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="CASCADE"), unique=True
    )
    source: Mapped[str] = mapped_column(String(300), default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
