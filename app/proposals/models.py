"""Proposals, their supports, official answers (status history), council statements, settings.

A proposal joins its ``Contribution`` row one to one (author, trialog group, visibility, times live
there) and holds the ``Thread`` its comments hang on. The kept ``support_count`` is the source of
truth for supports shown and sorted by; comments are counted on the thread (``Thread.comment_count``,
kept by the comments domain), which an index of its own serves for sorting.
"""

from __future__ import annotations

import random
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
    func,
    text,
)
from sqlalchemy.dialects import postgresql  # noqa: F401  registers to_tsvector's argument types
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.contributions.models import Contribution, Thread
from app.core.enums import LabelledEnum, enum_column
from app.core.time import UTCDateTime, utcnow
from app.extensions import db
from app.processes.models import Process


class ProposalStatus(LabelledEnum):
    """Where the administration stands on a proposal; every change comes with a public answer."""

    SUBMITTED = "submitted", _l("Submitted")
    UNDER_REVIEW = "under_review", _l("Under review")
    ACCEPTED = "accepted", _l("Accepted")
    PARTIALLY_ACCEPTED = "partially_accepted", _l("Partially accepted")
    REJECTED = "rejected", _l("Rejected")
    IMPLEMENTED = "implemented", _l("Implemented")
    MERGED = "merged", _l("Merged")

    @property
    def is_decision(self) -> bool:
        """A decision answers the proposal; "under review" only says that it is being looked at."""
        return self in DECISIONS


STATUS_LABELS = ProposalStatus.labels()

DECISIONS = frozenset(
    {
        ProposalStatus.ACCEPTED,
        ProposalStatus.PARTIALLY_ACCEPTED,
        ProposalStatus.REJECTED,
        ProposalStatus.IMPLEMENTED,
        ProposalStatus.MERGED,
    }
)


class ProposalCategory(db.Model):
    """A category proposals of one process can be filed under, set up by those who run it."""

    __tablename__ = "proposal_categories"
    __table_args__ = (UniqueConstraint("process_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)


class ProposalSettings(db.Model):
    """The answer promise of a process: every proposal with ``answer_threshold`` supports gets an
    official answer within ``answer_days`` days. No row (or empty values) means no promise."""

    __tablename__ = "proposal_settings"
    __table_args__ = (
        CheckConstraint("answer_threshold IS NULL OR answer_threshold > 0", name="threshold"),
        CheckConstraint("answer_days IS NULL OR answer_days > 0", name="days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), unique=True
    )
    answer_threshold: Mapped[int | None] = mapped_column(Integer)
    answer_days: Mapped[int | None] = mapped_column(Integer)

    @property
    def promises_answers(self) -> bool:
        return bool(self.answer_threshold and self.answer_days)


RANDOM_KEYS = 2**31 - 1  # random keys are 0 <= key < RANDOM_KEYS (an int on every database)


def new_random_key() -> int:
    """A new proposal's place in the random order (not secret: it only shuffles the list)."""
    return random.randrange(RANDOM_KEYS)  # noqa: S311


class Proposal(db.Model):
    """A citizen's (or any member's) proposal in a process.

    ``description`` holds sanitised HTML (render with ``|safe``); ``description_text`` is its plain
    text for excerpts and search; ``search_text`` is title and text case-folded, which the SQLite
    fallback search matches with LIKE (PostgreSQL uses its German full-text index instead).
    """

    __tablename__ = "proposals"
    __table_args__ = (
        # Keyset pages of the list walk these (migration 0018): page 2,000 costs what page 1 does.
        Index("ix_proposals_process_created", "process_id", "created_at", "id"),
        Index("ix_proposals_process_supports", "process_id", "support_count", "id"),
        Index("ix_proposals_process_random", "process_id", "random_key", "id"),
        # The answer promise's figures count from this index alone (``promise.answer_record``).
        Index(
            "ix_proposals_process_due", "process_id", "answer_due_at", "answered_at", "withdrawn_at"
        ),
        CheckConstraint("support_count >= 0", name="support_count_not_negative"),
        CheckConstraint(
            "(latitude IS NULL) = (longitude IS NULL)", name="location_complete_or_empty"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), index=True
    )
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE"), unique=True
    )
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"), unique=True)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal_categories.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    description_text: Mapped[str] = mapped_column(Text, default="")
    search_text: Mapped[str] = mapped_column(Text, default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[ProposalStatus] = mapped_column(
        enum_column(ProposalStatus, "proposal_status"), default=ProposalStatus.SUBMITTED
    )
    # Set by the first decision (not by "under review"); the answer promise measures against it.
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposals.id", ondelete="SET NULL")
    )
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    support_count: Mapped[int] = mapped_column(Integer, default=0)
    # Kept with the supports: when the answer promise falls due (the N-th current support plus D
    # days), empty while the proposal has fewer than N supports or the process promises nothing.
    answer_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The stable random order: a random number drawn once; visitors walk its index from a point of
    # their own (``app.proposals.paging``), so no request sorts the whole process.
    random_key: Mapped[int] = mapped_column(Integer, default=new_random_key)
    # Under which kept count (``ProposalCount.listed_as``) this proposal is counted; empty while it
    # is not listed (pending, hidden, deleted). Kept by ``app.proposals.counts``.
    listed_as: Mapped[str | None] = mapped_column(String(20))

    process: Mapped[Process] = relationship()
    contribution: Mapped[Contribution] = relationship()
    thread: Mapped[Thread] = relationship()
    category: Mapped[ProposalCategory | None] = relationship()
    merged_into: Mapped[Proposal | None] = relationship(remote_side=[id])
    status_changes: Mapped[list[ProposalStatusChange]] = relationship(
        back_populates="proposal",
        foreign_keys="ProposalStatusChange.proposal_id",
        order_by="[ProposalStatusChange.created_at, ProposalStatusChange.id]",
        cascade="all, delete-orphan",
    )
    statements: Mapped[list[ProposalStatement]] = relationship(
        back_populates="proposal",
        order_by="ProposalStatement.id",
        cascade="all, delete-orphan",
    )

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def is_located(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def comment_count(self) -> int:
        return self.thread.comment_count

    @property
    def answer(self) -> ProposalStatusChange | None:
        """The newest official answer, if the administration has given one."""
        return self.status_changes[-1] if self.status_changes else None

    def __repr__(self) -> str:
        return f"<Proposal {self.id}>"


# German full-text search: an expression GIN index on PostgreSQL only (SQLite searches
# ``search_text``). ``search.py`` queries exactly this expression, its literals inline (not bound
# parameters), so that PostgreSQL recognises the index.
_columns = Proposal.__table__.c
SEARCH_DOCUMENT = func.to_tsvector(
    text("'german'::regconfig"),
    _columns.title.op("||")(text("' '")).op("||")(_columns.description_text),
)
Index("ix_proposals_search", SEARCH_DOCUMENT, postgresql_using="gin").ddl_if(dialect="postgresql")

# Sorting a process's proposals by comments reads the thread's kept counter.
Index("ix_threads_process_comments", Thread.process_id, Thread.comment_count)


class ProposalCount(db.Model):
    """The kept number of listed proposals of a process, by status and trialog group.

    ``listed_as`` is a ``ProposalStatus`` value, or ``withdrawn`` for withdrawn proposals, whatever
    their status (the list's status filter works the same way). The list's total, any status or group
    filter, and the process counts of other pages add up these few rows instead of counting
    proposals; ``app.proposals.counts`` moves them in the transaction that changes a proposal.
    """

    __tablename__ = "proposal_counts"
    __table_args__ = (CheckConstraint("n >= 0", name="not_negative"),)

    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), primary_key=True
    )
    listed_as: Mapped[str] = mapped_column(String(20), primary_key=True)
    author_group: Mapped[str] = mapped_column(String(20), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class ProposalSupport(db.Model):
    """One person supports one proposal; the unique constraint makes a second support impossible."""

    __tablename__ = "proposal_supports"
    __table_args__ = (
        UniqueConstraint("proposal_id", "user_id"),
        # The N-th support of a proposal (the answer promise's clock) is a short index scan.
        Index("ix_proposal_supports_proposal_created", "proposal_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    # NULL once the supporter deleted their account: the support still counts, but is nobody's.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProposalStatusChange(db.Model):
    """One step of a proposal's status history with the administration's public answer."""

    __tablename__ = "proposal_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[ProposalStatus] = mapped_column(enum_column(ProposalStatus, "proposal_status"))
    response: Mapped[str] = mapped_column(Text)  # sanitised HTML
    office: Mapped[str] = mapped_column(String(120))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposals.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    proposal: Mapped[Proposal] = relationship(
        back_populates="status_changes", foreign_keys=[proposal_id]
    )
    author: Mapped[User | None] = relationship()
    merged_into: Mapped[Proposal | None] = relationship(foreign_keys=[merged_into_id])


class ProposalStatement(db.Model):
    """A council member's statement (Stellungnahme) on a proposal; one per member and proposal."""

    __tablename__ = "proposal_statements"
    __table_args__ = (UniqueConstraint("proposal_id", "author_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE"), unique=True
    )
    # Repeats the contribution's author so that the database can enforce one statement per member.
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)  # sanitised HTML
    body_text: Mapped[str] = mapped_column(Text, default="")

    proposal: Mapped[Proposal] = relationship(back_populates="statements")
    contribution: Mapped[Contribution] = relationship()
