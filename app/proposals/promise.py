"""The answer promise: every proposal with N supports gets an official answer within D days.

The clock starts when a proposal has N supports: the time of its N-th current support, computed from
the support rows with a window function (so a changed threshold applies at once, and a support taken
back moves the clock as it should). An answer is the first decision (``Proposal.answered_at``);
"under review" alone does not keep the promise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, Subquery, func, select

from app.contributions.models import Contribution, Visibility
from app.extensions import db
from app.processes.models import Process
from app.proposals.models import Proposal, ProposalSupport
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


def _reached(process: Process, promise: Promise) -> Subquery:
    """(proposal_id, reached_at): when each proposal of the process got its N-th current support."""
    ranked = (
        select(
            ProposalSupport.proposal_id,
            ProposalSupport.created_at,
            func.row_number()
            .over(
                partition_by=ProposalSupport.proposal_id,
                order_by=(ProposalSupport.created_at, ProposalSupport.id),
            )
            .label("rank"),
        )
        .join(Proposal, Proposal.id == ProposalSupport.proposal_id)
        .where(Proposal.process_id == process.id)
        .subquery()
    )
    return (
        select(ranked.c.proposal_id, ranked.c.created_at.label("reached_at"))
        .where(ranked.c.rank == promise.threshold)
        .subquery()
    )


def due_listing(process: Process, promise: Promise) -> Select:
    """Published, not withdrawn, unanswered proposals the promise covers, the longest waiting first."""
    reached = _reached(process, promise)
    return (
        select(Proposal)
        .join(reached, reached.c.proposal_id == Proposal.id)
        .join(Contribution, Contribution.id == Proposal.contribution_id)
        .where(
            Proposal.process_id == process.id,
            Proposal.answered_at.is_(None),
            Proposal.withdrawn_at.is_(None),
            Contribution.visibility == Visibility.VISIBLE,
        )
        .order_by(reached.c.reached_at, Proposal.id)
    )


def due_dates(process: Process, promise: Promise, proposal_ids: list[int]) -> dict[int, datetime]:
    """The answer deadline of each given proposal that reached the threshold, in one query."""
    if not proposal_ids:
        return {}
    reached = _reached(process, promise)
    rows = db.session.execute(
        select(reached.c.proposal_id, reached.c.reached_at).where(
            reached.c.proposal_id.in_(proposal_ids)
        )
    )
    return {proposal_id: promise.due(reached_at) for proposal_id, reached_at in rows}


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

    Withdrawn proposals count only if they were answered before.
    """
    promise = promise_for(process)
    if promise is None:
        return None
    reached = _reached(process, promise)
    rows = db.session.execute(
        select(Proposal.answered_at, Proposal.withdrawn_at, reached.c.reached_at)
        .join(reached, reached.c.proposal_id == Proposal.id)
        .join(Contribution, Contribution.id == Proposal.contribution_id)
        .where(Contribution.visibility == Visibility.VISIBLE)
    )
    on_time = late = overdue = pending = 0
    for answered_at, withdrawn_at, reached_at in rows:
        due = promise.due(reached_at)
        if answered_at is not None:
            if answered_at <= due:
                on_time += 1
            else:
                late += 1
        elif withdrawn_at is not None:
            continue
        elif due < now:
            overdue += 1
        else:
            pending += 1
    return Record(promise, on_time, late, overdue, pending)
