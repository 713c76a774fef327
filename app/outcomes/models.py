"""Council statements, council decisions, the published outcome of a process, report settings.

- A **council statement** is one council member's position on a whole process. It is a contribution
  (kind ``council_statement``) like every text a person writes, so moderation, the audit log and
  "Mein Beitrag" see it; one per member and process, which the database enforces.
- A **council decision** is what the council (or a committee) voted on the process or on one of its
  proposals, recorded by staff from the minutes: date, body, the council document (Drucksache), the
  vote and the decision text. It is the council's voice; statements are single members' voices.
- The **outcome** is what the administration publishes at the end: what was decided and why, the
  adopted proposals, what happens next and by when. One per process; a draft until published.
- **Report settings** say whether the contributions export may name authors (only where the process
  told participants so); without a row, exports name groups only.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.contributions.models import Contribution
from app.core.time import UTCDateTime, utcnow
from app.extensions import db
from app.processes.models import Process
from app.proposals.models import Proposal


class CouncilStatement(db.Model):
    """A council member's statement (Stellungnahme) on a process; ``body`` is sanitised HTML."""

    __tablename__ = "council_statements"
    __table_args__ = (UniqueConstraint("process_id", "author_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), index=True
    )
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE"), unique=True
    )
    # Repeats the contribution's author so that the database can enforce one statement per member.
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text, default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    process: Mapped[Process] = relationship()
    contribution: Mapped[Contribution] = relationship()
    author: Mapped[User] = relationship()


class CouncilDecision(db.Model):
    """A decision of the council or one of its committees on a process or on one proposal.

    ``proposal_id`` empty means the decision is on the process as a whole. Vote figures are optional
    (a decision "einstimmig" may be recorded without numbers) but never negative.
    """

    __tablename__ = "council_decisions"
    __table_args__ = (
        CheckConstraint(
            "(votes_for IS NULL OR votes_for >= 0) AND (votes_against IS NULL OR votes_against >= 0)"
            " AND (abstentions IS NULL OR abstentions >= 0)",
            name="votes_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), index=True
    )
    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), index=True
    )
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    decided_on: Mapped[date] = mapped_column(Date)
    body: Mapped[str] = mapped_column(String(120))  # Gemeinderat, Ausschuss für Technik, ...
    reference: Mapped[str] = mapped_column(String(80), default="")  # Drucksache
    votes_for: Mapped[int | None] = mapped_column(Integer)
    votes_against: Mapped[int | None] = mapped_column(Integer)
    abstentions: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")  # sanitised HTML
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    process: Mapped[Process] = relationship()
    proposal: Mapped[Proposal | None] = relationship()

    @property
    def has_vote(self) -> bool:
        return any(v is not None for v in (self.votes_for, self.votes_against, self.abstentions))


class Outcome(db.Model):
    """What became of a process, written by staff; public once ``published_at`` is set.

    ``summary`` and ``next_steps`` hold sanitised HTML.
    """

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), index=True
    )
    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), unique=True
    )
    summary: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    next_steps_by: Mapped[date | None] = mapped_column(Date)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    process: Mapped[Process] = relationship()
    adopted: Mapped[list[OutcomeProposal]] = relationship(
        back_populates="outcome", cascade="all, delete-orphan", order_by="OutcomeProposal.id"
    )

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def adopted_ids(self) -> list[int]:
        return [row.proposal_id for row in self.adopted]


class OutcomeProposal(db.Model):
    """A proposal the outcome adopts; each such proposal shows the outcome on its own page."""

    __tablename__ = "outcome_proposals"
    __table_args__ = (UniqueConstraint("outcome_id", "proposal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id", ondelete="CASCADE"))
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )

    outcome: Mapped[Outcome] = relationship(back_populates="adopted")
    proposal: Mapped[Proposal] = relationship()


class ReportSettings(db.Model):
    """Per process: may the contributions export name authors? Off unless staff turn it on."""

    __tablename__ = "report_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), unique=True
    )
    export_names: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ReportFigures(db.Model):
    """The participation figures of a process's report as last counted, shared by every worker.

    Counting them reads every contribution, support and reaction of the process (seconds at 100,000
    proposals), so the count is kept here with what it was counted at: the page-cache generation
    (no committed write since, when it is still the same), the time and how long it took.
    ``refreshing_until`` is the claim of the one request (or job) counting again meanwhile; the
    others keep serving ``data`` (``app.outcomes.kept``).
    """

    __tablename__ = "report_figures"

    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), primary_key=True
    )
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    generation: Mapped[int | None] = mapped_column(BigInteger)
    seconds_taken: Mapped[float] = mapped_column(Float, default=0.0)
    data: Mapped[dict | None] = mapped_column(JSON)
    refreshing_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
