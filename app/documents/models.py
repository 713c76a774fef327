"""Documents attached to a process, one of its phases, an official answer to a proposal or its
outcome: the plans, studies and drafts a participation process is about.

Every document belongs to one process (so tenancy and reading rights come from the process); at most
one of ``phase_id``, ``answer_id`` and ``outcome_id`` narrows where it is shown, which a check
constraint keeps true. The file itself lives in the document store under ``storage_key``, a random
name that says nothing about the content; the original file name is kept only for the download.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.time import UTCDateTime, utcnow
from app.extensions import db
from app.processes.models import Phase, Process


class Document(db.Model):
    """One uploaded file with the words that make it findable and accessible."""

    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN phase_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN answer_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN outcome_id IS NULL THEN 0 ELSE 1 END) <= 1",
            name="one_attachment",
        ),
        CheckConstraint("size >= 0", name="size_not_negative"),
        Index("ix_documents_process_created", "process_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), index=True
    )
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))
    phase_id: Mapped[int | None] = mapped_column(
        ForeignKey("phases.id", ondelete="CASCADE"), index=True
    )
    # An official answer (a status change with its public text) that cites the document.
    answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal_status_changes.id", ondelete="CASCADE"), index=True
    )
    outcome_id: Mapped[int | None] = mapped_column(
        ForeignKey("outcomes.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(10), default="de")
    # Alternative text of an image, or a short summary of a document for those who cannot read it.
    alt_text: Mapped[str] = mapped_column(Text, default="")
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    page_count: Mapped[int | None] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    thumbnail_key: Mapped[str | None] = mapped_column(String(200))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    process: Mapped[Process] = relationship()
    phase: Mapped[Phase | None] = relationship()
    uploaded_by: Mapped[User | None] = relationship()

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"

    @property
    def is_cited(self) -> bool:
        """An answer or an outcome refers to it: deleting it changes what they say."""
        return self.answer_id is not None or self.outcome_id is not None

    def __repr__(self) -> str:
        return f"<Document {self.id}>"


# German full-text search over title and description, an expression GIN index on PostgreSQL only
# (SQLite searches with LIKE). ``app.search`` queries exactly this expression.
_columns = Document.__table__.c
DOCUMENT_SEARCH = func.to_tsvector(
    text("'german'::regconfig"),
    _columns.title.op("||")(text("' '")).op("||")(_columns.description),
)
Index("ix_documents_search", DOCUMENT_SEARCH, postgresql_using="gin").ddl_if(dialect="postgresql")
