"""Draft texts of a process (a Leitbild, a statute, a concept), their versions, chapters and
paragraphs, and how each comment on them was taken into the next version.

A draft text is a row of its own; its content lives in versions. Staff edit only the working
version (not yet published); a published version never changes, so a comment always refers to the
text its author read. Every commentable piece of a published version (the whole text, a chapter, a
paragraph) holds the id of its own comment ``Thread``, created when the version is published.

Paragraphs and chapters carry an ``identity``: a random key that a later version copies when its
paragraph continues an earlier one (same or similar text). Anchors and "what became of my comment"
follow the identity, never the row id, which is new in every version.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.enums import LabelledEnum, enum_column
from app.core.time import UTCDateTime, utcnow
from app.extensions import db
from app.processes.models import Process


class Draft(db.Model):
    """A draft text in a process; what it says is in its versions."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), index=True
    )
    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    process: Mapped[Process] = relationship()
    versions: Mapped[list[DraftVersion]] = relationship(
        back_populates="draft", cascade="all, delete-orphan", order_by="DraftVersion.number"
    )

    @property
    def published_versions(self) -> list[DraftVersion]:
        return [v for v in self.versions if v.is_published]

    @property
    def current(self) -> DraftVersion | None:
        """The latest published version: what the public reads and comments."""
        published = self.published_versions
        return published[-1] if published else None

    @property
    def working(self) -> DraftVersion | None:
        """The version staff are still writing (at most one)."""
        return next((v for v in self.versions if not v.is_published), None)

    @property
    def latest(self) -> DraftVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def title(self) -> str:
        latest = self.current or self.latest
        return latest.title if latest else ""


class DraftVersion(db.Model):
    """One version of a draft text; ``introduction`` holds sanitised HTML, ``*_source`` what staff
    typed (Markdown, kept for editing, only ever shown escaped in a text area)."""

    __tablename__ = "draft_versions"
    __table_args__ = (UniqueConstraint("draft_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    introduction_source: Mapped[str] = mapped_column(Text, default="")
    introduction: Mapped[str] = mapped_column(Text, default="")
    body_source: Mapped[str] = mapped_column(Text, default="")
    change_note: Mapped[str] = mapped_column(Text, default="")  # plain: what changed, and why
    # The whole text's thread; created on publication.
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("threads.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    draft: Mapped[Draft] = relationship(back_populates="versions")
    chapters: Mapped[list[DraftChapter]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="DraftChapter.position"
    )

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class DraftChapter(db.Model):
    __tablename__ = "draft_chapters"
    __table_args__ = (Index("ix_draft_chapters_version_position", "version_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("draft_versions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    identity: Mapped[str] = mapped_column(String(32))
    heading: Mapped[str] = mapped_column(String(300))  # plain text
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("threads.id", ondelete="SET NULL"), unique=True
    )

    version: Mapped[DraftVersion] = relationship(back_populates="chapters")
    paragraphs: Mapped[list[DraftParagraph]] = relationship(
        back_populates="chapter",
        cascade="all, delete-orphan",
        order_by="DraftParagraph.position",
    )


class DraftParagraph(db.Model):
    """A paragraph: ``body`` is sanitised HTML, ``text`` its plain words (for matching and diffs)."""

    __tablename__ = "draft_paragraphs"
    __table_args__ = (
        Index("ix_draft_paragraphs_version_position", "version_id", "position"),
        Index("ix_draft_paragraphs_identity", "identity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Denormalised from the chapter so that a version's paragraphs load in one query.
    version_id: Mapped[int] = mapped_column(ForeignKey("draft_versions.id", ondelete="CASCADE"))
    chapter_id: Mapped[int] = mapped_column(ForeignKey("draft_chapters.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # counts through the whole version, from 1
    identity: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("threads.id", ondelete="SET NULL"), unique=True
    )

    chapter: Mapped[DraftChapter] = relationship(back_populates="paragraphs")
    version: Mapped[DraftVersion] = relationship()


class Handling(LabelledEnum):
    """How a comment was taken into the next version."""

    ADOPTED = "adopted", _l("Adopted")
    PARTLY = "partly", _l("Partly adopted")
    NOT_ADOPTED = "not_adopted", _l("Not adopted")


HANDLING_LABELS = Handling.labels()


class CommentHandling(db.Model):
    """Staff's mark on one comment about a draft: adopted, partly, not adopted, and why.

    One per comment (a constraint); changing it overwrites the mark and leaves an audit entry.
    """

    __tablename__ = "draft_comment_handlings"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), index=True
    )
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), unique=True
    )
    outcome: Mapped[Handling] = mapped_column(enum_column(Handling, "draft_handling"))
    reason: Mapped[str] = mapped_column(Text, default="")  # plain text
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
