"""What moderators read: the report and pending queues, their counts, one case with its history, and what authors see of decisions in their account."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from app.accounts.models import User
from app.contributions.models import Contribution, Visibility
from app.core.time import utcnow
from app.extensions import db
from app.moderation.models import (
    HIDING_ACTIONS,
    Action,
    Block,
    Decision,
    Report,
    ReportCount,
    ReportReason,
    ReviewRequest,
)
from app.moderation.services.blocks import _in_force
from app.moderation.services.common import HISTORY_LIMIT
from app.municipalities.models import Municipality
from app.processes.models import Process


@dataclass(frozen=True)
class QueueFilters:
    process_id: int | None = None
    reason: ReportReason | None = None
    kind: str | None = None


def _contribution_filters(filters: QueueFilters) -> list[ColumnElement[bool]]:
    conditions = []
    if filters.process_id is not None:
        conditions.append(Contribution.process_id == filters.process_id)
    if filters.kind:
        conditions.append(Contribution.kind == filters.kind)
    return conditions


def report_queue(municipality: Municipality, filters: QueueFilters) -> Select:
    """Contributions with open reports, most reported first (then the most recently reported)."""
    statement = (
        select(ReportCount)
        .join(ReportCount.contribution)
        .where(
            ReportCount.municipality_id == municipality.id,
            ReportCount.open_count > 0,
            *_contribution_filters(filters),
        )
        .options(joinedload(ReportCount.contribution).joinedload(Contribution.author))
        .order_by(
            ReportCount.open_count.desc(),
            ReportCount.last_reported_at.desc(),
            ReportCount.contribution_id.desc(),
        )
    )
    if filters.reason is not None:
        statement = statement.where(
            exists().where(
                Report.contribution_id == ReportCount.contribution_id,
                Report.decision_id.is_(None),
                Report.reason == filters.reason,
            )
        )
    return statement


def pending_queue(municipality: Municipality, filters: QueueFilters) -> Select:
    """Contributions of pre-moderated processes waiting for approval, oldest first."""
    return (
        select(Contribution)
        .where(
            Contribution.municipality_id == municipality.id,
            Contribution.visibility == Visibility.PENDING,
            *_contribution_filters(filters),
        )
        .options(joinedload(Contribution.author))
        .order_by(Contribution.created_at, Contribution.id)
    )


def open_reviews(municipality: Municipality) -> Select:
    return (
        select(ReviewRequest)
        .where(
            ReviewRequest.municipality_id == municipality.id,
            ReviewRequest.resolved_at.is_(None),
        )
        .options(
            joinedload(ReviewRequest.decision)
            .joinedload(Decision.contribution)
            .joinedload(Contribution.author)
        )
        .order_by(ReviewRequest.created_at, ReviewRequest.id)
    )


@dataclass(frozen=True)
class QueueCounts:
    reports: int
    pending: int
    reviews: int
    blocks: int


def queue_counts(municipality: Municipality) -> QueueCounts:
    """The numbers behind the queue's tabs, in one round trip."""
    row = db.session.execute(
        select(
            select(func.count())
            .select_from(ReportCount)
            .where(ReportCount.municipality_id == municipality.id, ReportCount.open_count > 0)
            .scalar_subquery(),
            select(func.count())
            .select_from(Contribution)
            .where(
                Contribution.municipality_id == municipality.id,
                Contribution.visibility == Visibility.PENDING,
            )
            .scalar_subquery(),
            select(func.count())
            .select_from(ReviewRequest)
            .where(
                ReviewRequest.municipality_id == municipality.id,
                ReviewRequest.resolved_at.is_(None),
            )
            .scalar_subquery(),
            select(func.count())
            .select_from(Block)
            .where(Block.municipality_id == municipality.id, _in_force(utcnow()))
            .scalar_subquery(),
        )
    ).one()
    return QueueCounts(*row)


def open_reasons(contribution_ids: list[int]) -> dict[int, list[tuple[ReportReason, int]]]:
    """Per contribution: the reasons of its open reports and how often each was given."""
    if not contribution_ids:
        return {}
    rows = db.session.execute(
        select(Report.contribution_id, Report.reason, func.count())
        .where(Report.contribution_id.in_(contribution_ids), Report.decision_id.is_(None))
        .group_by(Report.contribution_id, Report.reason)
        .order_by(Report.contribution_id, func.count().desc(), Report.reason)
    )
    reasons: dict[int, list[tuple[ReportReason, int]]] = defaultdict(list)
    for contribution_id, reason, count in rows:
        reasons[contribution_id].append((reason, count))
    return reasons


@dataclass(frozen=True)
class AuthorRecord:
    """What moderation knows about an author in one municipality, for the queue's context."""

    reported_contributions: int = 0
    hidden_decisions: int = 0
    blocked_until: datetime | None = None
    blocked: bool = False


def author_records(municipality: Municipality, author_ids: set[int]) -> dict[int, AuthorRecord]:
    """Earlier reports, hiding decisions and current blocks of each author, in three queries."""
    if not author_ids:
        return {}
    ids = sorted(author_ids)
    reported = dict(
        db.session.execute(
            select(Contribution.author_id, func.count(func.distinct(Report.contribution_id)))
            .join(Report, Report.contribution_id == Contribution.id)
            .where(Contribution.municipality_id == municipality.id, Contribution.author_id.in_(ids))
            .group_by(Contribution.author_id)
        ).all()
    )
    hidden = dict(
        db.session.execute(
            select(Contribution.author_id, func.count(Decision.id))
            .join(Decision, Decision.contribution_id == Contribution.id)
            .where(
                Contribution.municipality_id == municipality.id,
                Contribution.author_id.in_(ids),
                Decision.action.in_(HIDING_ACTIONS),
            )
            .group_by(Contribution.author_id)
        ).all()
    )
    now = utcnow()
    blocks: dict[int, Block] = {}
    for entry in db.session.scalars(
        select(Block).where(
            Block.municipality_id == municipality.id,
            Block.user_id.in_(ids),
            _in_force(now),
        )
    ):
        current = blocks.get(entry.user_id)
        if current is None or current.until is not None:
            blocks[entry.user_id] = entry
    return {
        author_id: AuthorRecord(
            reported_contributions=reported.get(author_id, 0),
            hidden_decisions=hidden.get(author_id, 0),
            blocked=author_id in blocks,
            blocked_until=blocks[author_id].until if author_id in blocks else None,
        )
        for author_id in ids
    }


def process_titles(process_ids: set[int]) -> dict[int, str]:
    if not process_ids:
        return {}
    return dict(
        db.session.execute(
            select(Process.id, Process.title).where(Process.id.in_(process_ids))
        ).all()
    )


def reports_of(contribution: Contribution) -> list[Report]:
    """Open reports first, then settled ones; newest first within each."""
    return list(
        db.session.scalars(
            select(Report)
            .where(Report.contribution_id == contribution.id)
            .order_by(Report.decision_id.is_(None).desc(), Report.created_at.desc(), Report.id)
        )
    )


def decisions_of(contribution: Contribution) -> list[Decision]:
    return list(
        db.session.scalars(
            select(Decision)
            .where(Decision.contribution_id == contribution.id)
            .options(joinedload(Decision.actor), selectinload(Decision.review))
            .order_by(Decision.created_at.desc(), Decision.id.desc())
        )
    )


def author_history(
    municipality: Municipality, author_id: int, except_contribution: int
) -> tuple[list[Decision], list[Report], list[Block]]:
    """Earlier decisions, reports and blocks about the author's other contributions here."""
    others = and_(
        Contribution.municipality_id == municipality.id,
        Contribution.author_id == author_id,
        Contribution.id != except_contribution,
    )
    decisions = list(
        db.session.scalars(
            select(Decision)
            .join(Decision.contribution)
            .where(others)
            .options(joinedload(Decision.contribution))
            .order_by(Decision.created_at.desc(), Decision.id.desc())
            .limit(HISTORY_LIMIT)
        )
    )
    reports = list(
        db.session.scalars(
            select(Report)
            .join(Report.contribution)
            .where(others)
            .options(joinedload(Report.contribution))
            .order_by(Report.created_at.desc(), Report.id.desc())
            .limit(HISTORY_LIMIT)
        )
    )
    blocks = list(
        db.session.scalars(
            select(Block)
            .where(Block.municipality_id == municipality.id, Block.user_id == author_id)
            .order_by(Block.created_at.desc(), Block.id.desc())
            .limit(HISTORY_LIMIT)
        )
    )
    return decisions, reports, blocks


def notices_for(user: User) -> Select:
    """Moderation decisions about ``user``'s contributions, everywhere, newest first.

    Dismissed reports are the author's business only when the reports had hidden the contribution
    (the threshold): otherwise authors would learn of reports they were never affected by.
    """
    earlier = aliased(Decision)
    affected = exists().where(
        earlier.contribution_id == Decision.contribution_id,
        earlier.action == Action.AUTO_HIDE,
        earlier.id < Decision.id,
    )
    return (
        select(Decision)
        .join(Decision.contribution)
        .where(
            Contribution.author_id == user.id,
            or_(Decision.action != Action.KEEP, affected),
        )
        .options(
            joinedload(Decision.contribution),
            selectinload(Decision.review),
        )
        .order_by(Decision.created_at.desc(), Decision.id.desc())
    )


def latest_decision_ids(contribution_ids: set[int]) -> set[int]:
    if not contribution_ids:
        return set()
    return set(
        db.session.scalars(
            select(func.max(Decision.id))
            .where(Decision.contribution_id.in_(contribution_ids))
            .group_by(Decision.contribution_id)
        )
    )


def blocks_of(user: User) -> list[Block]:
    """``user``'s blocks that are in force now, in any municipality."""
    now = utcnow()
    return list(
        db.session.scalars(
            select(Block)
            .where(
                Block.user_id == user.id,
                _in_force(now),
            )
            .order_by(Block.created_at.desc())
        )
    )


def municipality_names(ids: set[int]) -> dict[int, Municipality]:
    if not ids:
        return {}
    return {
        m.id: m for m in db.session.scalars(select(Municipality).where(Municipality.id.in_(ids)))
    }
