"""The answer promise: every proposal with N supports gets an official answer within D days.

The clock starts when a proposal has N supports: the time of its N-th current support. The deadline
is kept on the proposal (``Proposal.answer_due_at``): set when a support makes it cross the
threshold, moved when a support among the first N is taken back, recomputed for the whole process
when its promise changes (``services.recompute_answer_due``), so page views read one indexed column
instead of ranking every support of the process. An answer is the first decision (``Proposal.answered_at``);
"under review" alone does not keep the promise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, case, func, select, text

from app.contributions.models import Contribution, Visibility
from app.core.page_cache import remembered
from app.extensions import db
from app.processes.models import Process
from app.proposals.models import Proposal
from app.proposals.services import settings_for


@dataclass(frozen=True)
class Promise:
    threshold: int
    days: int

    def due(self, reached_at: datetime) -> datetime:
        return reached_at + timedelta(days=self.days)


def promise_for(process: Process) -> Promise | None:
    settings = settings_for(process)
    if settings is None or not settings.promises_answers:
        return None
    return Promise(settings.answer_threshold, settings.answer_days)


def due_listing(process: Process, promise: Promise) -> Select:
    """Published, not withdrawn, unanswered proposals the promise covers, the longest waiting first."""
    return (
        select(Proposal)
        .join(Contribution, Contribution.id == Proposal.contribution_id)
        .where(
            Proposal.process_id == process.id,
            Proposal.answer_due_at.is_not(None),
            Proposal.answered_at.is_(None),
            Proposal.withdrawn_at.is_(None),
            Contribution.visibility == Visibility.VISIBLE,
        )
        .order_by(Proposal.answer_due_at, Proposal.id)
    )


def unanswered_listing(process: Process) -> Select:
    """Every published, not withdrawn proposal still without an official answer: those with a
    deadline first (the soonest first), then the others by supports, so staff see what comes
    next too, with or without a promise."""
    return (
        select(Proposal)
        .join(Contribution, Contribution.id == Proposal.contribution_id)
        .where(
            Proposal.process_id == process.id,
            Proposal.answered_at.is_(None),
            Proposal.withdrawn_at.is_(None),
            Contribution.visibility == Visibility.VISIBLE,
        )
        .order_by(
            Proposal.answer_due_at.is_(None),
            Proposal.answer_due_at,
            Proposal.support_count.desc(),
            Proposal.id,
        )
    )


def due_dates(process: Process, promise: Promise, proposal_ids: list[int]) -> dict[int, datetime]:
    """The answer deadline of each given proposal that reached the threshold, in one query."""
    if not proposal_ids:
        return {}
    rows = db.session.execute(
        select(Proposal.id, Proposal.answer_due_at).where(
            Proposal.process_id == process.id,
            Proposal.id.in_(proposal_ids),
            Proposal.answer_due_at.is_not(None),
        )
    )
    return {proposal_id: due for proposal_id, due in rows}


@dataclass(frozen=True)
class Record:
    """How the administration kept the promise in one process."""

    promise: Promise
    on_time: int  # answered by the deadline
    late: int  # answered after the deadline
    overdue: int  # unanswered, deadline passed
    pending: int  # unanswered, deadline still ahead

    @property
    def covered(self) -> int:
        return self.on_time + self.late + self.overdue + self.pending

    @property
    def settled(self) -> int:
        """Proposals whose deadline has passed or which are answered: the base of "on time"."""
        return self.on_time + self.late + self.overdue


def answer_record(process: Process, now: datetime) -> Record | None:
    """The promise of ``process`` and how it was kept, or None when it promises nothing.

    Withdrawn proposals count only if they were answered before. Every list, process and proposal
    page shows it, so it is kept until the next write (``page_cache.remembered``; a deadline that
    passes meanwhile moves a proposal from pending to overdue at most ``PAGE_CACHE_SECONDS``
    late).
    """
    promise = promise_for(process)
    if promise is None:
        return None
    return remembered(
        ("answer_record", process.id, promise), lambda: _count_record(process, promise, now)
    )


def _count_record(process: Process, promise: Promise, now: datetime) -> Record:
    """Counted over every proposal with a deadline from ``ix_proposals_process_due`` alone, minus
    the few that are not shown (found through ``ix_contributions_unpublished``): joining every
    proposal to its contribution for its visibility read the whole process on each page view."""
    unanswered = and_(Proposal.answered_at.is_(None), Proposal.withdrawn_at.is_(None))

    def counted(condition) -> ColumnElement:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    figures = select(
        counted(Proposal.answered_at <= Proposal.answer_due_at),
        counted(Proposal.answered_at > Proposal.answer_due_at),
        counted(and_(unanswered, Proposal.answer_due_at < now)),
        counted(and_(unanswered, Proposal.answer_due_at >= now)),
    ).where(Proposal.process_id == process.id, Proposal.answer_due_at.is_not(None))
    every = db.session.execute(figures).one()
    unshown = db.session.execute(
        figures.join(Contribution, Contribution.id == Proposal.contribution_id).where(
            # written out, so that PostgreSQL matches the partial index whatever the plan
            Contribution.process_id == process.id,
            text("contributions.visibility <> 'visible'"),
        )
    ).one()
    on_time, late, overdue, pending = (a - b for a, b in zip(every, unshown, strict=True))
    return Record(promise, on_time, late, overdue, pending)
