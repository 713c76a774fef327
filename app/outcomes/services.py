"""The rules of the outcomes domain: council statements, council decisions, the outcome, publishing.

Each action has a ``*_refusal`` function saying, in words for the person, why it is not allowed now
(or ``None``); the named rules in ``policies`` ask the same functions. Services flush, never commit,
and know nothing of the request. Every change sends its signal (``signals``) after the flush, so the
notifications domain queues its mails in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.contributions import services as contributions
from app.contributions.models import Contribution, Visibility
from app.core import audit
from app.core.locks import stamp_once
from app.core.roles import REPORT_READER_ROLES, Role
from app.core.sanitize import clean_plain, plain_text
from app.extensions import db
from app.municipalities.policies import is_platform_admin
from app.outcomes import signals
from app.outcomes.models import (
    CouncilDecision,
    CouncilStatement,
    Outcome,
    OutcomeProposal,
    ReportSettings,
)
from app.processes import services as processes
from app.processes.models import Phase, PhaseKind, Process
from app.proposals.models import Proposal

TEXT_MAX = 20_000
BODY_MAX = 120
REFERENCE_MAX = 80
OUTCOME_PHASE_DAYS = 365
STATEMENT_KIND = "council_statement"


# --- errors -------------------------------------------------------------------------------------


class OutcomeError(Exception):
    """An outcomes rule refused the action; ``str(error)`` is a message for the person."""


class NotAllowed(OutcomeError):
    pass


class InvalidInput(OutcomeError):
    """Input the form could not catch; ``field`` names the form field to show the message at."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _rich(text: str, field: str) -> tuple[str, str]:
    rich = processes.rich_text(text)
    plain = plain_text(rich)
    if len(plain) > TEXT_MAX:
        raise InvalidInput(field, _("At most %(max)d characters.", max=TEXT_MAX))
    return rich, plain


# --- who reads what -----------------------------------------------------------------------------


def reads_report(user, process: Process) -> bool:
    """Council, staff, facilitators and admins of the process's municipality; platform admins."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_platform_admin(user):
        return True
    return user.role_in(process.municipality) in REPORT_READER_ROLES


def is_council_member(user, municipality) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.role_in(municipality) == Role.COUNCIL
    )


# --- council statements on a process ------------------------------------------------------------


def statement_refusal(user, process: Process) -> str | None:
    """Council members state their position on published processes (not drafts, not archived)."""
    if not is_council_member(user, process.municipality):
        return _("Only council members can write a statement.")
    if not process.is_published:
        return _("This process takes no more statements.")
    return None


def own_statement(user, process: Process) -> CouncilStatement | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(CouncilStatement).where(
            CouncilStatement.process_id == process.id, CouncilStatement.author_id == user.id
        )
    )


def save_statement(author: User, process: Process, body: str) -> CouncilStatement:
    """Add the member's statement on the process, or replace its text (one per member)."""
    refusal = statement_refusal(author, process)
    if refusal:
        raise NotAllowed(refusal)
    body_html, body_text = _rich(body, "body")
    if not body_text:
        raise InvalidInput("body", _("Please write your statement."))
    statement = own_statement(author, process)
    if statement is not None:
        statement.body, statement.body_text = body_html, body_text
        contributions.mark_edited(statement.contribution)
        db.session.flush()
    else:
        try:
            # A savepoint: a concurrent save of the same member's statement undoes only this one.
            with db.session.begin_nested():
                contribution = contributions.start_contribution(author, process, STATEMENT_KIND)
                statement = CouncilStatement(
                    municipality_id=process.municipality_id,
                    process_id=process.id,
                    contribution=contribution,
                    author_id=author.id,
                    body=body_html,
                    body_text=body_text,
                )
                db.session.add(statement)
        except contributions.ContributionRefused as exc:
            raise NotAllowed(str(exc)) from exc
        except IntegrityError as exc:  # the same member saved a statement concurrently
            raise NotAllowed(
                _("Your statement was saved meanwhile; please reload the page.")
            ) from exc
    signals.council_statement_written.send(statement)
    return statement


def statements_of(process: Process, *, visible_only: bool = True) -> list[CouncilStatement]:
    """The council members' statements on a process, oldest first, authors loaded."""
    query = (
        select(CouncilStatement)
        .join(Contribution, Contribution.id == CouncilStatement.contribution_id)
        .where(CouncilStatement.process_id == process.id)
        .options(selectinload(CouncilStatement.author), selectinload(CouncilStatement.contribution))
        .order_by(CouncilStatement.created_at, CouncilStatement.id)
    )
    if visible_only:
        query = query.where(Contribution.visibility == Visibility.VISIBLE)
    return list(db.session.scalars(query))


# --- council decisions --------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionData:
    decided_on: date
    body: str
    text: str
    reference: str = ""
    votes_for: int | None = None
    votes_against: int | None = None
    abstentions: int | None = None
    proposal_id: int | None = None


def _decision_state(decision: CouncilDecision) -> dict:
    return {
        "proposal_id": decision.proposal_id,
        "decided_on": decision.decided_on.isoformat(),
        "body": decision.body,
        "reference": decision.reference,
        "votes": [decision.votes_for, decision.votes_against, decision.abstentions],
    }


def record_decision(actor: User, process: Process, data: DecisionData) -> CouncilDecision:
    """Record what the council (or a committee) decided on the process or on one proposal.

    The same decision recorded again by the same person a moment later
    (``contributions.REPEAT_WINDOW``: a double click, a retry) stores, audits and announces
    nothing: ``AlreadyWritten`` carries the decision the first request recorded.
    """
    proposal = None
    if data.proposal_id is not None:
        proposal = db.session.scalar(
            select(Proposal).where(
                Proposal.id == data.proposal_id, Proposal.process_id == process.id
            )
        )
        if proposal is None:
            raise InvalidInput("proposal_id", _("Choose a proposal of this process."))
    body = clean_plain(data.body)
    if not body:
        raise InvalidInput("body", _("Please name the body that decided."))
    text_html, text_plain = _rich(data.text, "text")
    if not text_plain:
        raise InvalidInput("text", _("Please write what was decided."))
    for name in ("votes_for", "votes_against", "abstentions"):
        value = getattr(data, name)
        if value is not None and value < 0:
            raise InvalidInput(name, _("Votes cannot be negative."))
    fields = {
        "proposal_id": proposal.id if proposal else None,
        "decided_on": data.decided_on,
        "body": body[:BODY_MAX],
        "reference": clean_plain(data.reference)[:REFERENCE_MAX],
        "votes_for": data.votes_for,
        "votes_against": data.votes_against,
        "abstentions": data.abstentions,
        "text": text_html,
    }
    contributions.refuse_repeat(
        actor,
        CouncilDecision,
        CouncilDecision.process_id == process.id,
        CouncilDecision.recorded_by_id == actor.id,
        *(getattr(CouncilDecision, name) == value for name, value in fields.items()),
    )
    decision = CouncilDecision(
        municipality_id=process.municipality_id,
        process_id=process.id,
        **fields,
        recorded_by_id=actor.id,
    )
    db.session.add(decision)
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="council_decision.record",
        object_type="process",
        object_id=process.id,
        municipality_id=process.municipality_id,
        after=_decision_state(decision),
    )
    signals.council_decision_recorded.send(decision)
    return decision


def decisions_of(process: Process) -> list[CouncilDecision]:
    """Every decision on the process and its proposals, in the order they were taken."""
    return list(
        db.session.scalars(
            select(CouncilDecision)
            .where(CouncilDecision.process_id == process.id)
            .options(selectinload(CouncilDecision.proposal))
            .order_by(CouncilDecision.decided_on, CouncilDecision.id)
        )
    )


def decisions_on_proposals(proposal_ids) -> dict[int, list[CouncilDecision]]:
    """The decisions on each of the given proposals, in one query."""
    ids = list(proposal_ids)
    found: dict[int, list[CouncilDecision]] = {}
    if not ids:
        return found
    for decision in db.session.scalars(
        select(CouncilDecision)
        .where(CouncilDecision.proposal_id.in_(ids))
        .order_by(CouncilDecision.decided_on, CouncilDecision.id)
    ):
        found.setdefault(decision.proposal_id, []).append(decision)
    return found


# --- the outcome --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeData:
    summary: str
    next_steps: str = ""
    next_steps_by: date | None = None
    adopted_ids: tuple[int, ...] = ()


def outcome_of(process: Process) -> Outcome | None:
    return db.session.scalar(
        select(Outcome)
        .where(Outcome.process_id == process.id)
        .options(selectinload(Outcome.adopted).selectinload(OutcomeProposal.proposal))
    )


def published_outcome(process: Process) -> Outcome | None:
    outcome = outcome_of(process)
    return outcome if outcome is not None and outcome.is_published else None


def _outcome_state(outcome: Outcome) -> dict:
    return {
        "published": outcome.is_published,
        "adopted": sorted(outcome.adopted_ids),
        "next_steps_by": outcome.next_steps_by.isoformat() if outcome.next_steps_by else None,
    }


def save_outcome(actor: User, process: Process, data: OutcomeData) -> Outcome:
    """Write (or rewrite) the outcome; adopted proposals must be visible proposals of the process."""
    if process.is_draft:
        raise NotAllowed(_("A draft process has no outcome yet."))
    summary_html, summary_text = _rich(data.summary, "summary")
    if not summary_text:
        raise InvalidInput("summary", _("Please write what was decided and why."))
    next_html, _next_text = _rich(data.next_steps, "next_steps")
    wanted = set(data.adopted_ids)
    valid = set(
        db.session.scalars(
            select(Proposal.id)
            .join(Contribution, Contribution.id == Proposal.contribution_id)
            .where(
                Proposal.process_id == process.id,
                Proposal.id.in_(wanted or [0]),
                Contribution.visibility == Visibility.VISIBLE,
            )
        )
    )
    if wanted - valid:
        raise InvalidInput("adopted", _("Choose visible proposals of this process."))
    outcome = _locked_outcome(process)
    before = _outcome_state(outcome) if outcome else None
    if outcome is None:
        outcome = Outcome(municipality_id=process.municipality_id, process_id=process.id)
        try:
            with db.session.begin_nested():  # another save made the row meanwhile
                db.session.add(outcome)
        except IntegrityError:
            outcome = _locked_outcome(process)
            if outcome is None:  # the conflict was something else
                raise
            before = _outcome_state(outcome)
    outcome.summary = summary_html
    outcome.next_steps = next_html
    outcome.next_steps_by = data.next_steps_by
    for row in list(outcome.adopted):
        if row.proposal_id not in wanted:
            outcome.adopted.remove(row)
    for proposal_id in sorted(wanted - set(outcome.adopted_ids)):
        outcome.adopted.append(OutcomeProposal(proposal_id=proposal_id))
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="outcome.update" if before else "outcome.create",
        object_type="process",
        object_id=process.id,
        municipality_id=process.municipality_id,
        before=before,
        after=_outcome_state(outcome),
    )
    return outcome


def _locked_outcome(process: Process) -> Outcome | None:
    """The process's outcome with its row locked (an update that changes nothing; on SQLite the
    write lock) and read again: two members of staff saving at once save one after the other,
    each on what the other left (the adopted proposals are rows of their own)."""
    locked = db.session.execute(
        update(Outcome)
        .where(Outcome.process_id == process.id)
        .values(summary=Outcome.summary)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not locked:
        return None
    outcome = db.session.scalar(
        select(Outcome)
        .where(Outcome.process_id == process.id)
        .execution_options(populate_existing=True)
    )
    db.session.expire(outcome, ["adopted"])
    return outcome


def publish_refusal(process: Process, outcome: Outcome | None, now: datetime) -> str | None:
    if not process.is_published:
        return _("Only a published process can publish its outcome.")
    if outcome is None or not outcome.summary:
        return _("Write the outcome before publishing it.")
    if outcome.is_published:
        return _("The outcome is already published.")
    if process.open_participation_phase(now) or process.next_participation_phase(now):
        return _("Participation is still open or ahead; publish the outcome after it has ended.")
    if _phases_in_the_way(process, now):
        return _(
            "The timeline has phases ahead of the outcome; change the timeline before publishing."
        )
    return None


def _phases_in_the_way(process: Process, now: datetime) -> list[Phase]:
    """Phases other than the outcome phase that start after ``now``."""
    return [p for p in process.phases if p.starts_at > now and p.kind != PhaseKind.OUTCOME]


def _phase_state(phase: Phase) -> dict:
    return {
        "kind": phase.kind.value,
        "starts_at": phase.starts_at.isoformat(),
        "ends_at": phase.ends_at.isoformat(),
    }


def _enter_outcome_phase(actor: User, process: Process, outcome: Outcome, now: datetime) -> None:
    """Make the outcome phase the current one: the running phase ends now, the outcome phase starts.

    Times are set here directly (not through the phase form's service, which re-sanitises texts);
    each change gets its audit entry, and a moved start or end is handled by the scheduler again.
    """
    running = process.current_phase(now)
    if running is not None and running.kind == PhaseKind.OUTCOME:
        return
    if running is not None:
        before = _phase_state(running)
        running.ends_at = now
        running.end_handled_at = None
        running.reminder_sent_at = None
        _audit_phase(actor, process, running, "phase.update", before)
    upcoming = next(
        (p for p in process.phases if p.kind == PhaseKind.OUTCOME and p.starts_at > now), None
    )
    if upcoming is not None:
        before = _phase_state(upcoming)
        upcoming.starts_at = now
        upcoming.start_handled_at = None
        _audit_phase(actor, process, upcoming, "phase.update", before)
        return
    ends_at = now + timedelta(days=OUTCOME_PHASE_DAYS)
    phase = Phase(
        kind=PhaseKind.OUTCOME,
        title=_("Outcome"),
        description="",
        starts_at=now,
        ends_at=ends_at,
    )
    process.phases.append(phase)
    db.session.flush()
    _audit_phase(actor, process, phase, "phase.create", None)


def _audit_phase(actor: User, process: Process, phase: Phase, action: str, before) -> None:
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action=action,
        object_type="phase",
        object_id=phase.id,
        municipality_id=process.municipality_id,
        before=before,
        after=_phase_state(phase),
    )


def publish_outcome(actor: User, process: Process, now: datetime) -> Outcome:
    """Publish the outcome: the process enters its outcome phase, the audit log records it, and
    ``outcome_published`` tells the notifications domain (which mails the participants)."""
    outcome = outcome_of(process)
    refusal = publish_refusal(process, outcome, now)
    if refusal:
        raise NotAllowed(refusal)
    assert outcome is not None
    # Claimed with one conditional update before anything else changes: of several publishes at
    # once (a double click, two members of staff, the API) one goes on, the others are refused.
    if not stamp_once(outcome, "published_at", published_at=now, published_by_id=actor.id):
        raise NotAllowed(_("The outcome is already published."))
    _enter_outcome_phase(actor, process, outcome, now)
    process.phases.sort(key=lambda p: (p.starts_at, p.id or 0))
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="outcome.publish",
        object_type="process",
        object_id=process.id,
        municipality_id=process.municipality_id,
        after=_outcome_state(outcome),
    )
    signals.outcome_published.send(outcome)
    return outcome


def adopting_outcome(proposal: Proposal) -> Outcome | None:
    """The published outcome that adopts ``proposal``, if any (its own page says so)."""
    return db.session.scalar(
        select(Outcome)
        .join(OutcomeProposal, OutcomeProposal.outcome_id == Outcome.id)
        .where(OutcomeProposal.proposal_id == proposal.id, Outcome.published_at.is_not(None))
    )


# --- report settings ----------------------------------------------------------------------------


def exports_names(process: Process) -> bool:
    return bool(
        db.session.scalar(
            select(ReportSettings.export_names).where(ReportSettings.process_id == process.id)
        )
    )


def set_export_names(actor: User, process: Process, export_names: bool) -> None:
    settings = db.session.scalar(
        select(ReportSettings).where(ReportSettings.process_id == process.id)
    )
    if settings is None:
        settings = ReportSettings(process_id=process.id, export_names=False)
        db.session.add(settings)
    before = settings.export_names
    settings.export_names = export_names
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="report.settings",
        object_type="process",
        object_id=process.id,
        municipality_id=process.municipality_id,
        before={"export_names": bool(before)},
        after={"export_names": export_names},
    )


# --- the council workspace ----------------------------------------------------------------------


def awaiting_review(municipality, now: datetime) -> list[Process]:
    """Published processes of the municipality in their evaluation phase now."""
    return list(
        db.session.scalars(
            select(Process)
            .join(Phase, Phase.process_id == Process.id)
            .where(
                Process.municipality_id == municipality.id,
                Process.state == processes.ProcessState.PUBLISHED,
                Phase.kind == PhaseKind.EVALUATION,
                Phase.starts_at <= now,
                Phase.ends_at > now,
            )
            .options(selectinload(Process.phases), selectinload(Process.municipality))
            .order_by(Phase.ends_at, Process.id)
        )
    )


def proposals_awaiting(process: Process, user) -> Select:
    """Visible proposals of the process without an official answer or without this member's
    statement, most supported first (what a council member still has to look at)."""
    from app.proposals.models import ProposalStatement

    mine = (
        select(ProposalStatement.id)
        .where(ProposalStatement.proposal_id == Proposal.id, ProposalStatement.author_id == user.id)
        .exists()
    )
    return (
        select(Proposal)
        .join(Contribution, Contribution.id == Proposal.contribution_id)
        .where(
            Proposal.process_id == process.id,
            Contribution.visibility == Visibility.VISIBLE,
            Proposal.withdrawn_at.is_(None),
            (Proposal.answered_at.is_(None)) | ~mine,
        )
        .order_by(Proposal.support_count.desc(), Proposal.id)
    )
