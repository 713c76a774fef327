"""Events that happened, the notifications they became, and how each person wants to hear of them.

An ``Event`` is recorded by the request (or job) that caused it, in the same transaction; it says
what happened, where (municipality, process) and who did it, and carries in ``payload`` the ids and
plain-text titles the messages need, so that showing a list of notifications needs no query per row.
The scheduler claims each event once (``expanded_at``) and writes one ``Notification`` per
recipient; the unique (user, event) pair makes a second one impossible whatever happens.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.enums import enum_column
from app.core.time import UTCDateTime, utcnow
from app.extensions import db


class Delivery(StrEnum):
    """How a person wants e-mail about one kind of event."""

    IMMEDIATELY = "immediately"
    DAILY = "daily"
    WEEKLY = "weekly"
    NEVER = "never"


class Event(db.Model):
    """Something happened that people may want to hear of; expanded once by the scheduler."""

    __tablename__ = "notification_events"
    __table_args__ = (Index("ix_notification_events_pending", "expanded_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), index=True
    )
    process_id: Mapped[int | None] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The main object (comment, proposal, phase, outcome, ...); its meaning depends on ``kind``.
    object_id: Mapped[int | None] = mapped_column()
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Events that must happen once per object (a deadline, a reminder) carry a unique key.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    expanded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recipient_count: Mapped[int | None] = mapped_column()


class Notification(db.Model):
    """One person hears of one event: in the account list and, per their choice, by e-mail.

    ``delivery`` and ``mail_due_at`` are fixed when the notification is written (and moved when the
    person changes their choice); the mail job claims due rows with an atomic update of
    ``mailed_at``, so no notification is mailed twice however many runners there are.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "event_id"),
        Index("ix_notifications_user_created", "user_id", "created_at"),
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        Index("ix_notifications_mail_due", "mailed_at", "mail_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(
        ForeignKey("notification_events.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivery: Mapped[Delivery] = mapped_column(enum_column(Delivery, "notification_delivery"))
    mail_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    event: Mapped[Event] = relationship()


class Preference(db.Model):
    """A person's choice for one kind of event; no row means the kind's default."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    delivery: Mapped[Delivery] = mapped_column(enum_column(Delivery, "notification_delivery"))


class DigestSent(db.Model):
    """One digest per person, cadence and period: the unique row is the guard against a second."""

    __tablename__ = "notification_digests"
    __table_args__ = (UniqueConstraint("user_id", "cadence", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    cadence: Mapped[Delivery] = mapped_column(enum_column(Delivery, "notification_delivery"))
    period: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    count: Mapped[int] = mapped_column(default=0)
