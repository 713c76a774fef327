from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.roles import TrialogGroup
from app.core.time import UTCDateTime, utcnow
from app.extensions import db


def _enum(enum_cls: type[StrEnum], name: str) -> Enum:
    return Enum(enum_cls, name=name, values_callable=lambda e: [m.value for m in e], length=20)


class Visibility(StrEnum):
    VISIBLE = "visible"
    PENDING = "pending"  # pre-moderation: seen by author and moderators only
    HIDDEN = "hidden"  # hidden by moderation, with a public reason
    DELETED = "deleted"  # deleted by its author; keeps its place when others replied

    @property
    def label(self) -> str:
        return str(VISIBILITY_LABELS[self])


VISIBILITY_LABELS = {
    Visibility.VISIBLE: _l("visible"),
    Visibility.PENDING: _l("awaiting moderation"),
    Visibility.HIDDEN: _l("hidden by moderation"),
    Visibility.DELETED: _l("deleted"),
}


class Contribution(db.Model):
    """Everything a person writes, whatever its kind."""

    __tablename__ = "contributions"
    __table_args__ = (
        Index("ix_contributions_author_created", "author_id", "created_at"),
        Index("ix_contributions_process_kind", "process_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), index=True
    )
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))
    # Empty only for answers to anonymous surveys, which must not be linked to an account.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_group: Mapped[TrialogGroup] = mapped_column(_enum(TrialogGroup, "trialog_group"))
    kind: Mapped[str] = mapped_column(String(30))
    visibility: Mapped[Visibility] = mapped_column(
        _enum(Visibility, "visibility"), default=Visibility.VISIBLE
    )
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    author: Mapped[User | None] = relationship()

    @property
    def is_visible(self) -> bool:
        return self.visibility == Visibility.VISIBLE


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
