"""The rules of moderation: reporting, the threshold, decisions, review requests, blocks, settings.

Everything works on the shared ``Contribution`` row; no concrete kind is imported. Every decision
writes exactly one audit entry in the same transaction. Services flush and never commit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask import has_request_context, request
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, selectinload

from app.accounts.models import User
from app.contributions import kinds
from app.contributions.models import Contribution, Visibility
from app.contributions.services import ContributionRefused, add_guard, participation_refusal
from app.core import audit
from app.core.roles import MODERATOR_ROLES
from app.core.sanitize import clean_plain
from app.core.time import utcnow
from app.extensions import db
from app.moderation import signals as moderation_signals
from app.moderation.models import (
    ACTION_LABELS,
    HIDING_ACTIONS,
    Action,
    Block,
    Decision,
    ModerationSettings,
    Report,
    ReportCount,
    ReportReason,
    ReviewRequest,
)
from app.municipalities.models import Municipality
from app.processes.models import Process
from app.processes.services import rich_text

HISTORY_LIMIT = 20

audit.label_actions(
    {
        **{f"moderation.{action.value}": ACTION_LABELS[action] for action in Action},
        "moderation.block": _l("Author blocked"),
        "moderation.unblock": _l("Block lifted"),
        "moderation.settings": _l("Moderation settings changed"),
    }
)


class ModerationError(Exception):
    """A moderation rule refused the action; the message says why, in the person's language."""


class ReportRefused(ModerationError):
    pass


class AlreadyReported(ReportRefused):
    pass


class DecisionRefused(ModerationError):
    pass


class ReviewRefused(ModerationError):
    pass


class BlockRefused(ModerationError):
    pass


def may_moderate(user, municipality: Municipality) -> bool:
    """Moderators, staff, facilitators and admins of the municipality, and platform admins."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_platform_admin or user.role_in(municipality) in MODERATOR_ROLES


# --- settings -----------------------------------------------------------------------------------


def settings_for(municipality: Municipality) -> ModerationSettings | None:
    return db.session.get(ModerationSettings, municipality.id)


def hide_threshold(municipality_id: int) -> int | None:
    return db.session.scalar(
        select(ModerationSettings.hide_threshold).where(
            ModerationSettings.municipality_id == municipality_id
        )
    )


def premoderated_process_ids(municipality: Municipality) -> list[int]:
    return list(
        db.session.scalars(
            select(Process.id)
            .where(Process.municipality_id == municipality.id, Process.premoderated.is_(True))
            .order_by(Process.id)
        )
    )


def processes_of(municipality: Municipality) -> list[Process]:
    """Every process of the municipality (drafts too: pre-moderation is set up before publishing)."""
    return list(
        db.session.scalars(
            select(Process)
            .where(Process.municipality_id == municipality.id)
            .order_by(Process.title, Process.id)
        )
    )


@dataclass(frozen=True)
class SettingsData:
    hide_threshold: int | None
    netiquette: str  # as typed: plain paragraphs or simple HTML; sanitised here
    premoderated: frozenset[int]  # process ids


def _settings_state(settings: ModerationSettings | None, premoderated: list[int]) -> dict:
    return {
        "hide_threshold": settings.hide_threshold if settings else None,
        "netiquette": settings.netiquette if settings else "",
        "premoderated_processes": premoderated,
    }


def save_settings(actor: User, municipality: Municipality, data: SettingsData) -> bool:
    """Store the threshold, the netiquette and which processes are pre-moderated.

    Returns whether anything changed; a change writes one audit entry with before and after.
    """
    settings = settings_for(municipality)
    before = _settings_state(settings, premoderated_process_ids(municipality))
    if settings is None:
        settings = ModerationSettings(municipality_id=municipality.id)
        db.session.add(settings)
    settings.hide_threshold = data.hide_threshold
    settings.netiquette = rich_text(data.netiquette)
    for process in processes_of(municipality):
        process.premoderated = process.id in data.premoderated
    db.session.flush()
    after = _settings_state(settings, premoderated_process_ids(municipality))
    if after == before:
        return False
    audit.record(
        actor_id=actor.id,
        action="moderation.settings",
        object_type="municipality",
        object_id=municipality.id,
        municipality_id=municipality.id,
        before=before,
        after=after,
    )
    return True


# --- loading, always scoped to the municipality -------------------------------------------------


def get_contribution(municipality: Municipality, contribution_id: int) -> Contribution | None:
    return db.session.scalar(
        select(Contribution).where(
            Contribution.id == contribution_id, Contribution.municipality_id == municipality.id
        )
    )


def get_process(contribution: Contribution) -> Process:
    return db.session.get(Process, contribution.process_id)


def get_review(municipality: Municipality, review_id: int) -> ReviewRequest | None:
    return db.session.scalar(
        select(ReviewRequest).where(
            ReviewRequest.id == review_id, ReviewRequest.municipality_id == municipality.id
        )
    )


def get_block(municipality: Municipality, block_id: int) -> Block | None:
    return db.session.scalar(
        select(Block).where(Block.id == block_id, Block.municipality_id == municipality.id)
    )


# --- reporting ----------------------------------------------------------------------------------


def has_reported(user: User, contribution: Contribution) -> bool:
    return (
        db.session.scalar(
            select(Report.id).where(
                Report.contribution_id == contribution.id, Report.reporter_id == user.id
            )
        )
        is not None
    )


def _count_open_report(contribution: Contribution, now: datetime, by_member: bool) -> int:
    """Raise the kept count of open reports by one, atomically, and return the new count of open
    reports by members (the count the threshold compares).

    The row is created on the first report (a concurrent first report finds it there); the UPDATE
    takes the row lock, so concurrent reports each see a distinct count.
    """
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(ReportCount.__table__)
        .values(
            contribution_id=contribution.id,
            municipality_id=contribution.municipality_id,
            open_count=0,
            last_reported_at=now,
        )
        .on_conflict_do_nothing(index_elements=["contribution_id"])
    )
    table = ReportCount.__table__
    return db.session.execute(
        update(table)
        .where(table.c.contribution_id == contribution.id)
        .values(
            open_count=table.c.open_count + 1,
            member_count=table.c.member_count + (1 if by_member else 0),
            last_reported_at=now,
        )
        .returning(table.c.member_count)
    ).scalar_one()


def report_refusal(reporter: User, contribution: Contribution) -> str | None:
    """Why ``reporter`` may not report ``contribution`` (None: they may)."""
    if contribution.author_id == reporter.id:
        return _("You cannot report your own contribution.")
    if contribution.visibility != Visibility.VISIBLE:
        return _("This contribution is not shown publicly and cannot be reported.")
    return participation_refusal(reporter, get_process(contribution))  # blocked people


def is_member(user: User, municipality_id: int) -> bool:
    return any(m.municipality_id == municipality_id for m in user.memberships)


@dataclass(frozen=True)
class ReportOutcome:
    report: Report
    auto_hidden: Decision | None  # the automatic decision, when this report reached the threshold


def report(
    reporter: User, contribution: Contribution, reason: ReportReason, text: str = ""
) -> ReportOutcome:
    """Record ``reporter``'s report of ``contribution``: once per person, never one's own.

    When the open reports of the municipality's members reach its threshold, the contribution is
    hidden at once, pending a moderator's review. Reports from people outside the municipality are
    kept for the moderators but do not count: accounts made elsewhere cannot hide its debates.
    The report keeps the text as it stands now, for the case page.
    """
    refusal = report_refusal(reporter, contribution)
    if refusal:
        raise ReportRefused(refusal)
    already = AlreadyReported(_("You have already reported this contribution."))
    if has_reported(reporter, contribution):
        raise already
    now = utcnow()
    by_member = is_member(reporter, contribution.municipality_id)
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # ON CONFLICT instead of a failing flush: the same person's report sent twice at the same
    # moment is skipped without rolling back the request's transaction.
    report_id = db.session.execute(
        insert(Report.__table__)
        .values(
            municipality_id=contribution.municipality_id,
            contribution_id=contribution.id,
            reporter_id=reporter.id,
            reason=reason.value,
            text=clean_plain(text),
            snapshot=kinds.snapshot(contribution),
            by_member=by_member,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["contribution_id", "reporter_id"])
        .returning(Report.__table__.c.id)
    ).scalar()
    if report_id is None:
        raise already
    entry = db.session.get(Report, report_id)
    member_count = _count_open_report(contribution, now, by_member)
    moderation_signals.reported.send(entry)
    threshold = hide_threshold(contribution.municipality_id)
    auto_hidden = None
    if by_member and threshold is not None and member_count >= threshold:
        auto_hidden = _hide_at_threshold(contribution, member_count, now)
    return ReportOutcome(entry, auto_hidden)


def _hide_at_threshold(
    contribution: Contribution, open_count: int, now: datetime
) -> Decision | None:
    """Hide a contribution whose reports reached the threshold; exactly one report does it.

    The conditional UPDATE hides only a still visible contribution, so of concurrent reports past
    the threshold only the first one records the decision.
    """
    public_reason = _("Several people reported this contribution; it is being reviewed.")
    hidden = db.session.execute(
        update(Contribution.__table__)
        .where(
            Contribution.__table__.c.id == contribution.id,
            Contribution.__table__.c.visibility == Visibility.VISIBLE.value,
        )
        .values(visibility=Visibility.HIDDEN.value, hidden_reason=public_reason)
    ).rowcount
    if hidden != 1:
        return None
    db.session.refresh(contribution, ["visibility", "hidden_reason"])
    text = kinds.snapshot(contribution)
    decision = Decision(
        municipality_id=contribution.municipality_id,
        contribution_id=contribution.id,
        actor_id=None,
        action=Action.AUTO_HIDE,
        reason=public_reason,
        snapshot=text,
        created_at=now,
    )
    db.session.add(decision)
    db.session.flush()
    audit.record(
        actor_id=None,
        action="moderation.auto_hide",
        object_type="contribution",
        object_id=contribution.id,
        municipality_id=contribution.municipality_id,
        before={"visibility": Visibility.VISIBLE.value, "text": text},
        after={"visibility": Visibility.HIDDEN.value, "member_reports": open_count},
        reason=public_reason,
    )
    moderation_signals.decided.send(decision)
    return decision


def open_report_count(contribution: Contribution) -> int:
    return (
        db.session.scalar(
            select(ReportCount.open_count).where(ReportCount.contribution_id == contribution.id)
        )
        or 0
    )


# --- decisions ----------------------------------------------------------------------------------


def _state(contribution: Contribution) -> dict:
    return {
        "visibility": contribution.visibility.value,
        "hidden_reason": contribution.hidden_reason,
    }


def _settle(contribution: Contribution, decision: Decision, now: datetime) -> int:
    """Close the contribution's open reports and review requests with ``decision``."""
    closed = db.session.execute(
        update(Report.__table__)
        .where(
            Report.__table__.c.contribution_id == contribution.id,
            Report.__table__.c.decision_id.is_(None),
        )
        .values(decision_id=decision.id, decided_at=now)
    ).rowcount
    db.session.execute(
        update(ReportCount.__table__)
        .where(ReportCount.__table__.c.contribution_id == contribution.id)
        .values(open_count=0, member_count=0)
    )
    earlier = select(Decision.id).where(Decision.contribution_id == contribution.id)
    db.session.execute(
        update(ReviewRequest.__table__)
        .where(
            ReviewRequest.__table__.c.decision_id.in_(earlier.scalar_subquery()),
            ReviewRequest.__table__.c.resolved_at.is_(None),
        )
        .values(resolved_at=now, resolution_id=decision.id)
    )
    return closed


def _decide(
    actor: User,
    contribution: Contribution,
    action: Action,
    *,
    visibility: Visibility,
    hidden_reason: str,
    reason: str,
) -> Decision:
    now = utcnow()
    text = kinds.snapshot(contribution)
    before = {**_state(contribution), "text": text}
    contribution.visibility = visibility
    contribution.hidden_reason = hidden_reason
    decision = Decision(
        municipality_id=contribution.municipality_id,
        contribution_id=contribution.id,
        actor_id=actor.id,
        action=action,
        reason=reason,
        snapshot=text,
        created_at=now,
    )
    db.session.add(decision)
    db.session.flush()
    closed = _settle(contribution, decision, now)
    audit.record(
        actor_id=actor.id,
        action=f"moderation.{action.value}",
        object_type="contribution",
        object_id=contribution.id,
        municipality_id=contribution.municipality_id,
        before=before,
        after={**_state(contribution), "reports_closed": closed},
        reason=reason,
    )
    moderation_signals.decided.send(decision)
    return decision


def _required_reason(reason: str) -> str:
    reason = clean_plain(reason)
    if not reason:
        raise DecisionRefused(_("Please give a reason."))
    return reason


def keep(actor: User, contribution: Contribution, note: str = "") -> Decision:
    """Dismiss the open reports; a contribution hidden by the threshold becomes visible again."""
    if open_report_count(contribution) == 0:
        raise DecisionRefused(_("There are no open reports about this contribution."))
    visibility = contribution.visibility
    if visibility == Visibility.HIDDEN:
        visibility = Visibility.VISIBLE
    return _decide(
        actor,
        contribution,
        Action.KEEP,
        visibility=visibility,
        hidden_reason="" if visibility == Visibility.VISIBLE else contribution.hidden_reason,
        reason=clean_plain(note),
    )


def hide(actor: User, contribution: Contribution, reason: str) -> Decision:
    """Hide a contribution with a public reason; it keeps its place and shows the reason."""
    if contribution.visibility not in {Visibility.VISIBLE, Visibility.HIDDEN}:
        raise DecisionRefused(_("Only a published contribution can be hidden."))
    reason = _required_reason(reason)
    return _decide(
        actor,
        contribution,
        Action.HIDE,
        visibility=Visibility.HIDDEN,
        hidden_reason=reason,
        reason=reason,
    )


def restore(actor: User, contribution: Contribution, note: str = "") -> Decision:
    if contribution.visibility != Visibility.HIDDEN:
        raise DecisionRefused(_("This contribution is not hidden."))
    return _decide(
        actor,
        contribution,
        Action.RESTORE,
        visibility=Visibility.VISIBLE,
        hidden_reason="",
        reason=clean_plain(note),
    )


def approve(actor: User, contribution: Contribution) -> Decision:
    """Pre-moderation: publish a contribution that waited for approval."""
    if contribution.visibility != Visibility.PENDING:
        raise DecisionRefused(_("This contribution is not awaiting approval."))
    return _decide(
        actor,
        contribution,
        Action.APPROVE,
        visibility=Visibility.VISIBLE,
        hidden_reason="",
        reason="",
    )


def reject(actor: User, contribution: Contribution, reason: str) -> Decision:
    """Pre-moderation: do not publish; the contribution is hidden with a reason its author sees."""
    if contribution.visibility != Visibility.PENDING:
        raise DecisionRefused(_("This contribution is not awaiting approval."))
    reason = _required_reason(reason)
    return _decide(
        actor,
        contribution,
        Action.REJECT,
        visibility=Visibility.HIDDEN,
        hidden_reason=reason,
        reason=reason,
    )


def uphold(actor: User, review: ReviewRequest, reason: str) -> Decision:
    """Answer a review request: the contribution stays hidden, and the author is told why."""
    contribution = review.decision.contribution
    if not review.is_open:
        raise DecisionRefused(_("This review request has already been answered."))
    if contribution.visibility != Visibility.HIDDEN:
        raise DecisionRefused(_("This contribution is not hidden."))
    reason = _required_reason(reason)
    return _decide(
        actor,
        contribution,
        Action.UPHOLD,
        visibility=Visibility.HIDDEN,
        hidden_reason=contribution.hidden_reason,
        reason=reason,
    )


# --- review requests ----------------------------------------------------------------------------


def latest_decision_id(contribution_id: int) -> int | None:
    return db.session.scalar(
        select(func.max(Decision.id)).where(Decision.contribution_id == contribution_id)
    )


def may_request_review(user: User, decision: Decision) -> bool:
    """The author of a contribution hidden by ``decision`` (still its last one), once."""
    contribution = decision.contribution
    return (
        contribution.author_id == user.id
        and decision.hides
        and contribution.visibility == Visibility.HIDDEN
        and decision.review is None
        and latest_decision_id(contribution.id) == decision.id
    )


def get_own_decision(user: User, decision_id: int) -> Decision | None:
    """A decision about one of ``user``'s contributions; None for anybody else's."""
    return db.session.scalar(
        select(Decision)
        .join(Decision.contribution)
        .where(Decision.id == decision_id, Contribution.author_id == user.id)
    )


def request_review(author: User, decision: Decision, text: str) -> ReviewRequest:
    if decision.review is not None:
        raise ReviewRefused(_("You have already asked for a review of this decision."))
    if not may_request_review(author, decision):
        raise ReviewRefused(_("A review can no longer be requested for this decision."))
    text = clean_plain(text)
    if not text:
        raise ReviewRefused(_("Please tell the moderators why they should look again."))
    review = ReviewRequest(
        municipality_id=decision.municipality_id,
        decision_id=decision.id,
        requester_id=author.id,
        text=text,
    )
    try:
        with db.session.begin_nested():  # a conflict undoes this request only, nothing before it
            db.session.add(review)
    except IntegrityError as exc:  # the same request, sent twice at the same moment
        raise ReviewRefused(_("You have already asked for a review of this decision.")) from exc
    return review


# --- blocks -------------------------------------------------------------------------------------


def _in_force(now: datetime) -> ColumnElement[bool]:
    return and_(Block.lifted_at.is_(None), or_(Block.until.is_(None), Block.until > now))


def active_block(municipality_id: int, user_id: int, now: datetime | None = None) -> Block | None:
    now = now or utcnow()
    return db.session.scalar(
        select(Block)
        .where(
            Block.municipality_id == municipality_id,
            Block.user_id == user_id,
            _in_force(now),
        )
        .order_by(Block.until.is_(None).desc(), Block.until.desc())
        .limit(1)
    )


def block_message(block: Block, municipality_name: str) -> str:
    if block.until is None:
        return _(
            "You have been blocked from contributing in %(name)s. Reason: %(reason)s",
            name=municipality_name,
            reason=block.reason,
        )
    return _(
        "You have been blocked from contributing in %(name)s until %(date)s. Reason: %(reason)s",
        name=municipality_name,
        date=format_date(block.until, "long"),
        reason=block.reason,
    )


_BLOCKS_SEEN = "trialog.moderation.blocks"


def _request_blocks() -> dict | None:
    """This request's answers to "is X blocked in Y?", or None outside a request.

    Listings ask the participation gate once per card (support buttons, reactions); one query per
    person and municipality and request is enough. Kept on the request itself (not ``g``, which
    tests share across requests), and forgotten when a block is set or lifted.
    """
    return request.environ.setdefault(_BLOCKS_SEEN, {}) if has_request_context() else None


def _forget_blocks() -> None:
    seen = _request_blocks()
    if seen is not None:
        seen.clear()


def block_in_force(municipality_id: int, user_id: int) -> Block | None:
    seen = _request_blocks()
    if seen is None:
        return active_block(municipality_id, user_id)
    key = (municipality_id, user_id)
    if key not in seen:
        seen[key] = active_block(municipality_id, user_id)
    return seen[key]


def refuse_blocked_authors(author: User, process) -> None:
    """The participation guard: a blocked person takes no part in that municipality (only there):
    no proposals, comments, answers, supports, reactions or reports."""
    block = block_in_force(process.municipality_id, author.id)
    if block is not None:
        raise ContributionRefused(block_message(block, process.municipality.name))


add_guard(refuse_blocked_authors)


def block(
    actor: User,
    municipality: Municipality,
    user: User,
    until: datetime | None,
    reason: str,
    contribution: Contribution | None = None,
) -> Block:
    """Block ``user`` from contributing in ``municipality`` until ``until`` (for good: None)."""
    if user.id == actor.id:
        raise BlockRefused(_("You cannot block yourself."))
    if active_block(municipality.id, user.id) is not None:
        raise BlockRefused(_("This person is already blocked here."))
    reason = clean_plain(reason)
    if not reason:
        raise BlockRefused(_("Please give a reason."))
    _forget_blocks()
    entry = Block(
        municipality_id=municipality.id,
        user_id=user.id,
        until=until,
        reason=reason,
        contribution_id=contribution.id if contribution else None,
        created_by_id=actor.id,
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="moderation.block",
        object_type="user",
        object_id=user.id,
        municipality_id=municipality.id,
        after={"until": until.isoformat() if until else None, "block_id": entry.id},
        reason=reason,
    )
    moderation_signals.blocked.send(entry)
    return entry


def lift_block(actor: User, entry: Block) -> None:
    now = utcnow()
    if not entry.is_active(now):
        raise BlockRefused(_("This block has already ended."))
    entry.lifted_at = now
    entry.lifted_by_id = actor.id
    _forget_blocks()
    audit.record(
        actor_id=actor.id,
        action="moderation.unblock",
        object_type="user",
        object_id=entry.user_id,
        municipality_id=entry.municipality_id,
        before={"until": entry.until.isoformat() if entry.until else None, "block_id": entry.id},
        after={"lifted_at": now.isoformat()},
    )
    moderation_signals.unblocked.send(entry)


def active_blocks(municipality: Municipality) -> Select:
    return (
        select(Block)
        .where(Block.municipality_id == municipality.id, _in_force(utcnow()))
        .options(joinedload(Block.user))
        .order_by(Block.created_at.desc(), Block.id.desc())
    )


# --- the queue ----------------------------------------------------------------------------------


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


# --- one case: a contribution with its reports, decisions and the author's history ------------


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


# --- what authors see in their account ----------------------------------------------------------


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
