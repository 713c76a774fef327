"""Reports, moderation decisions, review requests, blocks and the per-municipality settings."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.contributions.models import Contribution
from app.core.enums import LabelledEnum, enum_column
from app.core.time import UTCDateTime, utcnow
from app.extensions import db


class ReportReason(LabelledEnum):
    INSULT = "insult", _l("Insult or discrimination")
    SPAM = "spam", _l("Spam or advertising")
    PERSONAL_DATA = "personal_data", _l("Personal data of others")
    OFF_TOPIC = "off_topic", _l("Off-topic")
    ILLEGAL = "illegal", _l("Illegal content")
    OTHER = "other", _l("Other reason")


REASON_LABELS = ReportReason.labels()


class Action(LabelledEnum):
    """What a moderation decision did to a contribution."""

    # reports dismissed; the contribution stays (or becomes again) visible
    KEEP = "keep", _l("Reports dismissed, contribution kept")
    # hidden with a public reason
    HIDE = "hide", _l("Hidden by moderation")
    # hidden at once because reports reached the threshold
    AUTO_HIDE = "auto_hide", _l("Hidden automatically after several reports")
    # a hidden contribution is visible again
    RESTORE = "restore", _l("Restored")
    # pre-moderation: a pending contribution is published
    APPROVE = "approve", _l("Approved")
    # pre-moderation: a pending contribution is hidden with a reason
    REJECT = "reject", _l("Not approved")
    # a review was asked for and the contribution stays hidden
    UPHOLD = "uphold", _l("Review: stays hidden")


ACTION_LABELS = Action.labels()

# Decisions after which a contribution is hidden and its author may ask for a review.
HIDING_ACTIONS = frozenset({Action.HIDE, Action.AUTO_HIDE, Action.REJECT})


class Report(db.Model):
    """One person's report of one contribution; open until a decision settles it."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("contribution_id", "reporter_id"),
        Index("ix_reports_municipality_open", "municipality_id", "decision_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE")
    )
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[ReportReason] = mapped_column(enum_column(ReportReason, "report_reason"))
    text: Mapped[str] = mapped_column(Text, default="")
    # The contribution's text when it was reported, so the case shows what the reporter saw even
    # if the author changed it later.
    snapshot: Mapped[str] = mapped_column(Text, default="")
    # Reports of people who are not members of the municipality are kept for the moderators, but
    # do not count towards the automatic hiding threshold (no report brigading from outside).
    by_member: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderation_decisions.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    contribution: Mapped[Contribution] = relationship()

    @property
    def is_open(self) -> bool:
        return self.decision_id is None


class ReportCount(db.Model):
    """The kept number of open reports of a contribution: the queue's sort key and the threshold's
    counter, raised by an atomic UPDATE so concurrent reports are all counted."""

    __tablename__ = "report_counts"
    __table_args__ = (Index("ix_report_counts_queue", "municipality_id", "open_count"),)

    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE"), primary_key=True
    )
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE")
    )
    open_count: Mapped[int] = mapped_column(Integer, default=0)
    # Of those, the reports by members of the municipality: the threshold counts only these.
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    last_reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    contribution: Mapped[Contribution] = relationship()


class Decision(db.Model):
    """A moderation decision about one contribution. ``reason`` is public for hiding decisions."""

    __tablename__ = "moderation_decisions"
    __table_args__ = (Index("ix_moderation_decisions_contribution", "contribution_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), index=True
    )
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id", ondelete="CASCADE"))
    # Empty for automatic decisions (the report threshold) and after the moderator's account is gone.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[Action] = mapped_column(enum_column(Action, "moderation_action"))
    reason: Mapped[str] = mapped_column(Text, default="")
    # The contribution's text the decision was taken on (it is in the audit entry as well).
    snapshot: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    contribution: Mapped[Contribution] = relationship()
    actor: Mapped[User | None] = relationship()
    review: Mapped[ReviewRequest | None] = relationship(
        back_populates="decision", foreign_keys="ReviewRequest.decision_id"
    )

    @property
    def hides(self) -> bool:
        return self.action in HIDING_ACTIONS


class ReviewRequest(db.Model):
    """An author's request to look again at a decision that hid their contribution: one per
    decision, enforced by the database."""

    __tablename__ = "review_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), index=True
    )
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("moderation_decisions.id", ondelete="CASCADE"), unique=True
    )
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderation_decisions.id", ondelete="SET NULL")
    )

    decision: Mapped[Decision] = relationship(back_populates="review", foreign_keys=[decision_id])
    resolution: Mapped[Decision | None] = relationship(foreign_keys=[resolution_id])

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class Block(db.Model):
    """An author may not contribute in one municipality until ``until`` (for good when empty)."""

    __tablename__ = "blocks"
    __table_args__ = (Index("ix_blocks_municipality_user", "municipality_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text, default="")
    # The contribution that led to the block, for the queue's history; kept when it goes away.
    contribution_id: Mapped[int | None] = mapped_column(
        ForeignKey("contributions.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def is_active(self, now: datetime) -> bool:
        return self.lifted_at is None and (self.until is None or self.until > now)


class ModerationSettings(db.Model):
    """A municipality's moderation settings; a missing row means the defaults (no threshold,
    the platform's standard netiquette)."""

    __tablename__ = "moderation_settings"
    __table_args__ = (
        CheckConstraint("hide_threshold IS NULL OR hide_threshold >= 1", name="threshold_positive"),
    )

    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), primary_key=True
    )
    # Open reports at which a contribution is hidden at once, pending review; empty: never.
    hide_threshold: Mapped[int | None] = mapped_column(Integer)
    # Sanitised rich text (``clean_rich``); empty: the platform's standard netiquette is shown.
    netiquette: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
