from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.enums import LabelledEnum, enum_column
from app.core.roles import TrialogGroup
from app.core.time import UTCDateTime, utcnow
from app.extensions import db


class Visibility(LabelledEnum):
    VISIBLE = "visible", _l("visible")
    # pre-moderation: seen by author and moderators only
    PENDING = "pending", _l("awaiting moderation")
    # hidden by moderation, with a public reason
    HIDDEN = "hidden", _l("hidden by moderation")
    # deleted by its author; keeps its place when others replied
    DELETED = "deleted", _l("deleted")


VISIBILITY_LABELS = Visibility.labels()


class Channel(LabelledEnum):
    """How a contribution reached the platform: typed in by its author, or entered by staff from
    an event, a letter, a phone call or a paper form (the consolidated report counts them apart)."""

    ONLINE = "online", _l("Online")
    EVENT = "event", _l("At an event")
    LETTER = "letter", _l("By letter")
    PHONE = "phone", _l("By phone")
    PAPER = "paper", _l("On a paper form")


CHANNEL_LABELS = Channel.labels()


class Contribution(db.Model):
    """Everything a person writes, whatever its kind."""

    __tablename__ = "contributions"
    __table_args__ = (
        Index("ix_contributions_author_created", "author_id", "created_at"),
        Index("ix_contributions_process_kind", "process_id", "kind"),
        # The few contributions of a process that are not (or no longer) shown.
        Index(
            "ix_contributions_unpublished",
            "process_id",
            postgresql_where=text("visibility <> 'visible'"),
            sqlite_where=text("visibility <> 'visible'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), index=True
    )
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))
    # Empty only for answers to anonymous surveys, which must not be linked to an account.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_group: Mapped[TrialogGroup] = mapped_column(enum_column(TrialogGroup, "trialog_group"))
    kind: Mapped[str] = mapped_column(String(30))
    visibility: Mapped[Visibility] = mapped_column(
        enum_column(Visibility, "visibility"), default=Visibility.VISIBLE
    )
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    # Everything but "online" was entered by staff on behalf of participants (events.OnsiteEntry).
    channel: Mapped[str] = mapped_column(String(20), default="online", server_default="online")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    author: Mapped[User | None] = relationship()

    @property
    def is_visible(self) -> bool:
        return self.visibility == Visibility.VISIBLE

    @property
    def entered_on_site(self) -> bool:
        """Entered by staff on someone's behalf: its card names where it came from (an event,
        a letter ...)."""
        return bool(self.channel) and self.channel != Channel.ONLINE.value


class Thread(db.Model):
    """Something commentable (a process, a proposal, an outcome, a section of a draft).

    The object holds ``thread_id``; comments point at the thread, which keeps their count.
    """

    __tablename__ = "threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), index=True
    )
    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), index=True
    )
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
