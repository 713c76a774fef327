"""Processes, their phases, the formats they use, and who follows them."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.enums import LabelledEnum, enum_column
from app.core.time import UTCDateTime, utcnow
from app.extensions import db
from app.municipalities.models import Municipality


class ProcessState(LabelledEnum):
    DRAFT = "draft", _l("Draft")
    PUBLISHED = "published", _l("Published")
    ARCHIVED = "archived", _l("Archived")


STATE_LABELS = ProcessState.labels()


class Visibility(LabelledEnum):
    PUBLIC = "public", _l("Public: everyone can read it")
    MEMBERS = "members", _l("Members of the municipality only")


VISIBILITY_LABELS = Visibility.labels()


class DecisionMaker(LabelledEnum):
    """Who takes the final decision the process prepares."""

    ADMINISTRATION = "administration", _l("The administration")
    COUNCIL = "council", _l("The municipal council")
    MAYOR = "mayor", _l("The mayor")


DECISION_MAKER_LABELS = DecisionMaker.labels()


class PhaseKind(LabelledEnum):
    INFORMATION = "information", _l("Information")
    PARTICIPATION = "participation", _l("Participation")
    EVALUATION = "evaluation", _l("Evaluation")
    OUTCOME = "outcome", _l("Outcome")


PHASE_KIND_LABELS = PhaseKind.labels()


class Process(db.Model):
    """A participation process (Beteiligungsverfahren) of one municipality.

    Rich-text columns (``description`` and the concept texts) hold sanitised HTML from
    ``clean_rich``; every other text column holds plain text that templates escape.
    """

    __tablename__ = "processes"
    __table_args__ = (UniqueConstraint("municipality_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    topic: Mapped[str] = mapped_column(String(80), default="")
    image_key: Mapped[str | None] = mapped_column(String(120))
    image_alt: Mapped[str] = mapped_column(String(300), default="")
    state: Mapped[ProcessState] = mapped_column(
        enum_column(ProcessState, "process_state"),
        default=ProcessState.DRAFT,
    )
    visibility: Mapped[Visibility] = mapped_column(
        enum_column(Visibility, "process_visibility"),
        default=Visibility.PUBLIC,
    )

    contact_name: Mapped[str] = mapped_column(String(120), default="")
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_details: Mapped[str] = mapped_column(Text, default="")

    # The participation concept: what the public is asked and what becomes of the answers.
    goal: Mapped[str] = mapped_column(Text, default="")
    question: Mapped[str] = mapped_column(Text, default="")
    open_to_influence: Mapped[str] = mapped_column(Text, default="")
    already_fixed: Mapped[str] = mapped_column(Text, default="")
    decision_maker: Mapped[DecisionMaker | None] = mapped_column(
        enum_column(DecisionMaker, "decision_maker")
    )
    decision_timing: Mapped[str] = mapped_column(String(200), default="")
    input_use: Mapped[str] = mapped_column(Text, default="")
    feedback_by: Mapped[date | None] = mapped_column(Date)

    reminder_hours: Mapped[int | None] = mapped_column(Integer)
    # Pre-moderation: contributions wait for a moderator's approval before others see them.
    premoderated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    municipality: Mapped[Municipality] = relationship()
    phases: Mapped[list[Phase]] = relationship(
        back_populates="process",
        cascade="all, delete-orphan",
        order_by="[Phase.starts_at, Phase.id]",
    )
    format_rows: Mapped[list[ProcessFormat]] = relationship(
        back_populates="process", cascade="all, delete-orphan", order_by="ProcessFormat.key"
    )

    @property
    def format_keys(self) -> list[str]:
        return [row.key for row in self.format_rows]

    @property
    def is_draft(self) -> bool:
        return self.state == ProcessState.DRAFT

    @property
    def is_published(self) -> bool:
        return self.state == ProcessState.PUBLISHED

    @property
    def is_archived(self) -> bool:
        return self.state == ProcessState.ARCHIVED

    def current_phase(self, now: datetime) -> Phase | None:
        return next((p for p in self.phases if p.is_running(now)), None)

    def open_participation_phase(self, now: datetime) -> Phase | None:
        """The participation phase running at ``now``, computed from the stored times.

        Access decisions use this, never the scheduler's bookkeeping, so they stay right while the
        scheduler is down.
        """
        return next(
            (p for p in self.phases if p.kind == PhaseKind.PARTICIPATION and p.is_running(now)),
            None,
        )

    def next_participation_phase(self, now: datetime) -> Phase | None:
        return next(
            (p for p in self.phases if p.kind == PhaseKind.PARTICIPATION and p.starts_at > now),
            None,
        )

    def last_participation_phase(self, now: datetime) -> Phase | None:
        ended = [p for p in self.phases if p.kind == PhaseKind.PARTICIPATION and p.ends_at <= now]
        return ended[-1] if ended else None

    @property
    def starts_at(self) -> datetime | None:
        return self.phases[0].starts_at if self.phases else None

    @property
    def ends_at(self) -> datetime | None:
        return max(p.ends_at for p in self.phases) if self.phases else None

    def __repr__(self) -> str:
        return f"<Process {self.slug}>"


class Phase(db.Model):
    """One step of a process's timeline; times are stored in UTC.

    The ``*_handled_at`` columns are the scheduler's bookkeeping: set exactly once, by an atomic
    conditional update, when the side effects of the phase start, its end or its closing reminder
    have been carried out.
    """

    __tablename__ = "phases"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[PhaseKind] = mapped_column(enum_column(PhaseKind, "phase_kind"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    start_handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    process: Mapped[Process] = relationship(back_populates="phases")

    def is_running(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at

    def is_past(self, now: datetime) -> bool:
        return self.ends_at <= now

    def __repr__(self) -> str:
        return f"<Phase {self.kind.value} {self.starts_at:%Y-%m-%d}>"


class ProcessFormat(db.Model):
    """A participation format switched on for a process; the row's existence is the switch."""

    __tablename__ = "process_formats"
    __table_args__ = (UniqueConstraint("process_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))

    process: Mapped[Process] = relationship(back_populates="format_rows")


class ProcessFollow(db.Model):
    """Someone follows a process; notifications use these rows. One per person and process."""

    __tablename__ = "process_follows"
    __table_args__ = (UniqueConstraint("user_id", "process_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()
    process: Mapped[Process] = relationship()
