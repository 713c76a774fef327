"""Moderators' decisions on a case (keep, hide, restore, approve, reject, uphold) and authors' requests to review them."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.contributions import kinds
from app.contributions.models import Contribution, Visibility
from app.core import audit
from app.core.locks import lock_row
from app.core.sanitize import clean_plain
from app.core.time import utcnow
from app.extensions import db
from app.moderation import signals as moderation_signals
from app.moderation.models import (
    Action,
    Decision,
    Report,
    ReportCount,
    ReviewRequest,
)
from app.moderation.services.common import DecisionRefused, ReviewRefused
from app.moderation.services.reports import open_report_count


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


def _lock(contribution: Contribution) -> None:
    """Take the contribution's row lock, then read it again, before a decision checks anything.

    Decisions on one case so run one after the other, and each is checked against what the one
    before it left: two moderators approving at once, or a double click on "hide", decide once,
    and the other is refused with the case as it now is.
    """
    lock_row(Contribution, contribution.id)
    db.session.refresh(contribution)


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
    was = contribution.visibility
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
    moderation_signals.decided.send(decision, before=was)
    return decision


def _required_reason(reason: str) -> str:
    reason = clean_plain(reason)
    if not reason:
        raise DecisionRefused(_("Please give a reason."))
    return reason


def keep(actor: User, contribution: Contribution, note: str = "") -> Decision:
    """Dismiss the open reports; a contribution hidden by the threshold becomes visible again."""
    _lock(contribution)
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
    _lock(contribution)
    if contribution.visibility not in {Visibility.VISIBLE, Visibility.HIDDEN}:
        raise DecisionRefused(_("Only a published contribution can be hidden."))
    reason = _required_reason(reason)
    if contribution.visibility == Visibility.HIDDEN and contribution.hidden_reason == reason:
        raise DecisionRefused(_("This contribution is already hidden for this reason."))
    return _decide(
        actor,
        contribution,
        Action.HIDE,
        visibility=Visibility.HIDDEN,
        hidden_reason=reason,
        reason=reason,
    )


def restore(actor: User, contribution: Contribution, note: str = "") -> Decision:
    _lock(contribution)
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
    """Pre-moderation: publish a contribution that waited for approval.

    Its kind then announces it as its write would have without pre-moderation
    (``kinds.announce``), so those its publication concerns hear of it now, whatever the kind.
    """
    _lock(contribution)
    if contribution.visibility != Visibility.PENDING:
        raise DecisionRefused(_("This contribution is not awaiting approval."))
    decision = _decide(
        actor,
        contribution,
        Action.APPROVE,
        visibility=Visibility.VISIBLE,
        hidden_reason="",
        reason="",
    )
    kinds.announce(contribution)
    return decision


def reject(actor: User, contribution: Contribution, reason: str) -> Decision:
    """Pre-moderation: do not publish; the contribution is hidden with a reason its author sees."""
    _lock(contribution)
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
    _lock(contribution)
    db.session.refresh(review)  # a decision taken meanwhile may have answered it
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
