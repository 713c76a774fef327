"""Comments, their reactions, and the thread of a process's own discussion.

A comment joins its ``Contribution`` row one to one (author, trialog group, visibility, times live
there) and points at a ``Thread``; the commentable object holds the thread's id. Replies keep their
real depth and the id of their top-level comment (``root_id``), so a page of top-level comments
loads all its replies in one query.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.contributions.models import Contribution, Thread
from app.core.enums import enum_column
from app.core.time import UTCDateTime, utcnow
from app.extensions import db


class Comment(db.Model):
    """One comment in a thread; ``body`` holds sanitised HTML, ``source`` what the author typed."""

    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_thread_root", "thread_id", "root_id"),
        Index("ix_comments_root_id", "root_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE"), unique=True
    )
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    # Replies point at the comment they answer and at the top-level comment of their branch.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    root_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    depth: Mapped[int] = mapped_column(Integer, default=0)
    # What the author typed (Markdown, kept for editing; only ever shown escaped in a text area)
    # and its sanitised HTML rendering (the only form ever output with |safe).
    source: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    is_official_answer: Mapped[bool] = mapped_column(Boolean, default=False)
    agree_count: Mapped[int] = mapped_column(Integer, default=0)
    disagree_count: Mapped[int] = mapped_column(Integer, default=0)

    contribution: Mapped[Contribution] = relationship()
    thread: Mapped[Thread] = relationship()
    parent: Mapped[Comment | None] = relationship(remote_side=[id], foreign_keys=[parent_id])

    @property
    def is_top_level(self) -> bool:
        return self.parent_id is None

    def __repr__(self) -> str:
        return f"<Comment {self.id} in thread {self.thread_id}>"


class Reaction(StrEnum):
    AGREE = "agree"
    DISAGREE = "disagree"


class CommentReaction(db.Model):
    """Someone agrees or disagrees with a comment: one reaction per person and comment."""

    __tablename__ = "comment_reactions"
    __table_args__ = (UniqueConstraint("comment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    # NULL once the person deleted their account: the reaction still counts, but is nobody's.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[Reaction] = mapped_column(enum_column(Reaction, "comment_reaction", length=10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProcessThread(db.Model):
    """The thread of a process's own discussion ("comments" format), created when first needed.

    Kept here rather than as a column on ``processes`` so that the comments format stays a plug-in:
    the processes domain knows nothing of it.
    """

    __tablename__ = "process_threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), unique=True
    )
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("threads.id", ondelete="CASCADE"), unique=True
    )
