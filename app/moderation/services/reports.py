"""Reporting a contribution: one open report per person, counted per member, hidden at the threshold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.accounts.models import User
from app.contributions import kinds
from app.contributions.models import Contribution, Visibility
from app.contributions.services import participation_refusal
from app.core import audit
from app.core.sanitize import clean_plain
from app.core.time import utcnow
from app.extensions import db
from app.moderation import signals as moderation_signals
from app.moderation.models import (
    Action,
    Decision,
    Report,
    ReportCount,
    ReportReason,
)
from app.moderation.services.common import AlreadyReported, ReportRefused, get_process
from app.moderation.services.settings import hide_threshold


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
    moderation_signals.decided.send(decision, before=Visibility.VISIBLE)
    return decision


def open_report_count(contribution: Contribution) -> int:
    return (
        db.session.scalar(
            select(ReportCount.open_count).where(ReportCount.contribution_id == contribution.id)
        )
        or 0
    )
