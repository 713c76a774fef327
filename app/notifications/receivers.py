"""The one place where domains' signals become recorded events.

Each receiver runs inside the transaction of the change that sent the signal (a request, or a
scheduler job) and only adds one ``Event`` row: who hears of it is decided later, in the scheduler.
Receivers never fail the change that called them for a reason of their own; they only read what the
sender gives and the rows it touches.

Moderation: hiding (or not publishing) a contribution and blocking an account are restrictions the
person must be told of with the reasons (the Digital Services Act's statement of reasons, Art. 17),
so ``app/moderation/mails.py`` keeps mailing those directly, whatever someone chose here; these
events put them in the account list too, without a second mail. Lifting a block is good news that
no law requires: it goes by the person's choice like every other kind.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.comments import signals as comment_signals
from app.comments.models import Comment
from app.contributions.models import Contribution, Visibility
from app.extensions import db
from app.municipalities.models import Municipality
from app.notifications import kinds
from app.notifications.services import link, record
from app.processes.models import Phase, PhaseKind, Process
from app.proposals import signals as proposal_signals
from app.proposals.models import Proposal, ProposalStatement


def _process(process_id: int) -> Process:
    return db.session.get(Process, process_id)


def _slug(municipality_id: int) -> str:
    return db.session.get(Municipality, municipality_id).slug


def _process_link(process: Process) -> dict[str, Any]:
    return link("processes.show", slug=process.municipality.slug, process_slug=process.slug)


def _proposal_link(proposal: Proposal) -> dict[str, Any]:
    process = proposal.process
    return link(
        "proposals.show",
        slug=process.municipality.slug,
        process_slug=process.slug,
        proposal_id=proposal.id,
    )


def _pending(contribution: Contribution, title: str) -> None:
    """A contribution waits for pre-moderation: the moderators hear of it, nobody else yet."""
    record(
        kinds.CONTRIBUTION_PENDING,
        municipality_id=contribution.municipality_id,
        process_id=contribution.process_id,
        actor_id=contribution.author_id,
        object_id=contribution.id,
        payload={"title": title},
        target=link("moderation.pending", slug=_slug(contribution.municipality_id)),
        dedupe_key=f"pending:{contribution.id}",
    )


def _announceable(contribution: Contribution, title: str) -> bool:
    """True for a visible contribution, whose readers may hear of it now; a pending one only tells
    the moderators (its readers hear of it once approved), a hidden or deleted one nobody."""
    if contribution.visibility == Visibility.PENDING:
        _pending(contribution, title)
    return contribution.visibility == Visibility.VISIBLE


# --- comments -------------------------------------------------------------------------------------


def _thread_title(comment: Comment, proposal: Proposal | None, process: Process) -> str:
    if proposal is not None:
        return proposal.title
    try:
        from app.comments.owners import resolve_owners

        owner = resolve_owners([comment.thread_id]).get(comment.thread_id)
    except RuntimeError:  # an owner that needs a request to build its address
        owner = None
    return owner.title if owner else process.title


def comment_events(comment: Comment) -> None:
    """A visible comment: its parent's author and the proposal's author hear of it."""
    contribution = comment.contribution
    process = _process(contribution.process_id)
    proposal = db.session.scalar(select(Proposal).where(Proposal.thread_id == comment.thread_id))
    title = _thread_title(comment, proposal, process)
    if not _announceable(contribution, title):
        return
    target = link("comments.permalink", slug=process.municipality.slug, comment_id=comment.id)
    parent_author_id = None
    if comment.parent_id is not None:
        parent = db.session.get(Comment, comment.parent_id)
        parent_author_id = parent.contribution.author_id if parent else None
        record(
            kinds.COMMENT_REPLY,
            municipality_id=contribution.municipality_id,
            process_id=process.id,
            actor_id=contribution.author_id,
            object_id=comment.id,
            payload={
                "title": title,
                "parent_id": comment.parent_id,
                "proposal_id": proposal.id if proposal else None,
            },
            target=target,
            dedupe_key=f"comment:{comment.id}:reply",
        )
    if proposal is not None:
        record(
            kinds.PROPOSAL_COMMENT,
            municipality_id=contribution.municipality_id,
            process_id=process.id,
            actor_id=contribution.author_id,
            object_id=comment.id,
            payload={
                "title": title,
                "proposal_id": proposal.id,
                "parent_author_id": parent_author_id,  # told of the reply already
            },
            target=target,
            dedupe_key=f"comment:{comment.id}:proposal",
        )


def on_comment_posted(comment: Comment, **_: Any) -> None:
    comment_events(comment)


# --- proposals --------------------------------------------------------------------------------------


def proposal_events(proposal: Proposal) -> None:
    contribution = proposal.contribution
    if not _announceable(contribution, proposal.title):
        return
    record(
        kinds.PROCESS_PROPOSAL,
        municipality_id=proposal.municipality_id,
        process_id=proposal.process_id,
        actor_id=contribution.author_id,
        object_id=proposal.id,
        payload={
            "title": proposal.title,
            "process": proposal.process.title,
            "proposal_id": proposal.id,
        },
        target=_proposal_link(proposal),
        dedupe_key=f"proposal:{proposal.id}:new",
    )


def on_proposal_submitted(proposal: Proposal, **_: Any) -> None:
    proposal_events(proposal)


def on_status_changed(change, **_: Any) -> None:
    proposal = change.proposal
    record(
        kinds.PROPOSAL_ANSWER,
        municipality_id=proposal.municipality_id,
        process_id=proposal.process_id,
        actor_id=change.author_id,
        object_id=change.id,
        payload={
            "title": proposal.title,
            "proposal_id": proposal.id,
            "status": change.status.value,
        },
        target=_proposal_link(proposal),
    )


def statement_events(statement: ProposalStatement) -> None:
    proposal = statement.proposal
    contribution = statement.contribution
    if not _announceable(contribution, proposal.title):
        return
    record(
        kinds.PROPOSAL_STATEMENT,
        municipality_id=proposal.municipality_id,
        process_id=proposal.process_id,
        actor_id=statement.author_id,
        object_id=statement.id,
        payload={"title": proposal.title, "proposal_id": proposal.id},
        target=_proposal_link(proposal),
        dedupe_key=f"statement:{statement.id}",
    )


def on_statement_written(statement: ProposalStatement, **_: Any) -> None:
    statement_events(statement)


# --- moderation ---------------------------------------------------------------------------------------


def _contribution_title(contribution: Contribution) -> str:
    from app.contributions import kinds as contribution_kinds

    try:
        shown = contribution_kinds.describe([contribution]).get(contribution.id)
    except RuntimeError:  # describing needs a request to build addresses
        shown = None
    if shown is not None:
        return shown.title
    kind = contribution_kinds.kind(contribution.kind)
    return str(kind.label) if kind else contribution.kind


def on_decided(decision, before: Visibility | None = None, **_: Any) -> None:
    """Hiding (or not publishing) and making visible again tell the author, in the account list.

    What a decision did is read from the visibility before and after it, not from its name:
    dismissing the reports of a contribution the threshold had hidden restores it as surely as
    "restore" does. Approving a pending contribution is announced by its kind instead (moderation
    calls ``contributions.kinds.announce``, which sends the kind's own write signal again), so its
    followers, the parent comment's author, ... hear of it as without pre-moderation.
    """
    from app.moderation.models import Action

    contribution = decision.contribution
    if decision.action in {Action.HIDE, Action.AUTO_HIDE, Action.REJECT}:
        kind = kinds.CONTRIBUTION_HIDDEN
    elif before == Visibility.HIDDEN and contribution.visibility == Visibility.VISIBLE:
        kind = kinds.CONTRIBUTION_RESTORED
    else:
        return
    if contribution.author_id is None:
        return
    record(
        kind,
        municipality_id=contribution.municipality_id,
        process_id=contribution.process_id,
        actor_id=decision.actor_id,
        object_id=decision.id,
        payload={"title": _contribution_title(contribution), "user_id": contribution.author_id},
        target=link("moderation_account.notices"),
    )


def on_reported(report, **_: Any) -> None:
    contribution = db.session.get(Contribution, report.contribution_id)
    record(
        kinds.REPORT_NEW,
        municipality_id=report.municipality_id,
        process_id=contribution.process_id if contribution else None,
        actor_id=report.reporter_id,
        object_id=report.id,
        payload={"title": _contribution_title(contribution) if contribution else ""},
        target=link(
            "moderation.case",
            slug=_slug(report.municipality_id),
            contribution_id=report.contribution_id,
        ),
    )


def _block_event(kind: kinds.EventKind, block, actor_id: int | None) -> None:
    municipality = db.session.get(Municipality, block.municipality_id)
    record(
        kind,
        municipality_id=block.municipality_id,
        actor_id=actor_id,
        object_id=block.id,
        payload={"municipality": municipality.name, "user_id": block.user_id},
        target=link("moderation_account.notices"),
    )


def on_blocked(block, **_: Any) -> None:
    _block_event(kinds.BLOCK_SET, block, block.created_by_id)


def on_unblocked(block, **_: Any) -> None:
    _block_event(kinds.BLOCK_LIFTED, block, block.lifted_by_id)


# --- processes (sent by the scheduler's phase jobs) -------------------------------------------------


def on_phase_started(phase: Phase, **_: Any) -> None:
    process = phase.process
    payload = {"process": process.title, "phase": phase.title}
    record(
        kinds.PROCESS_PHASE,
        municipality_id=process.municipality_id,
        process_id=process.id,
        object_id=phase.id,
        payload=payload,
        target=_process_link(process),
        dedupe_key=f"phase:{phase.id}:start",
    )
    if phase.kind == PhaseKind.EVALUATION:
        record(
            kinds.PROCESS_EVALUATION,
            municipality_id=process.municipality_id,
            process_id=process.id,
            object_id=phase.id,
            payload=payload,
            target=_process_link(process),
            dedupe_key=f"phase:{phase.id}:evaluation",
        )


def on_phase_closing(phase: Phase, **_: Any) -> None:
    """The closing reminder: once per phase and end time (moving the end allows a new one)."""
    process = phase.process
    record(
        kinds.PHASE_CLOSING,
        municipality_id=process.municipality_id,
        process_id=process.id,
        object_id=phase.id,
        payload={
            "process": process.title,
            "phase": phase.title,
            "ends_at": phase.ends_at.isoformat(),
        },
        target=_process_link(process),
        dedupe_key=f"phase:{phase.id}:closing:{phase.ends_at:%Y%m%d%H%M}",
    )


def answer_deadline(proposal: Proposal, due: datetime):
    """Called by the deadline job: the back office hears once per proposal and deadline."""
    return record(
        kinds.ANSWER_DEADLINE,
        municipality_id=proposal.municipality_id,
        process_id=proposal.process_id,
        object_id=proposal.id,
        payload={"title": proposal.title, "proposal_id": proposal.id, "due": due.isoformat()},
        target=link(
            "proposals.admin_index",
            slug=proposal.process.municipality.slug,
            process_id=proposal.process_id,
        ),
        dedupe_key=f"deadline:{proposal.id}:{due:%Y%m%d}",
    )


# --- outcomes -----------------------------------------------------------------------------------------


def on_outcome_published(outcome, **_: Any) -> None:
    process = _process(outcome.process_id)
    record(
        kinds.OUTCOME_PUBLISHED,
        municipality_id=process.municipality_id,
        process_id=process.id,
        actor_id=getattr(outcome, "published_by_id", None),
        object_id=outcome.id,
        payload={"process": process.title},
        target=_process_link(process),
        dedupe_key=f"outcome:{outcome.id}:published",
    )


def on_council_decision(decision, **_: Any) -> None:
    process = _process(decision.process_id)
    proposal_id = getattr(decision, "proposal_id", None)
    if proposal_id:
        proposal = db.session.get(Proposal, proposal_id)
        record(
            kinds.PROPOSAL_STATEMENT,
            municipality_id=process.municipality_id,
            process_id=process.id,
            actor_id=getattr(decision, "recorded_by_id", None),
            object_id=decision.id,
            payload={"title": proposal.title, "proposal_id": proposal.id, "decision": True},
            target=_proposal_link(proposal),
        )
        return
    record(
        kinds.PROCESS_COUNCIL,
        municipality_id=process.municipality_id,
        process_id=process.id,
        actor_id=getattr(decision, "recorded_by_id", None),
        object_id=decision.id,
        payload={"process": process.title, "decision": True},
        target=_process_link(process),
    )


def on_council_statement(statement, **_: Any) -> None:
    process = _process(statement.process_id)
    contribution = getattr(statement, "contribution", None)
    if contribution is not None and not _announceable(contribution, process.title):
        return
    record(
        kinds.PROCESS_COUNCIL,
        municipality_id=process.municipality_id,
        process_id=process.id,
        actor_id=statement.author_id,
        object_id=statement.id,
        payload={"process": process.title},
        target=_process_link(process),
        dedupe_key=f"council_statement:{statement.id}",
    )


# --- draft texts --------------------------------------------------------------------------------------


def on_version_published(version, actor_id: int | None = None, **_: Any) -> None:
    """A version of a draft text is out: the process's followers hear of it (the first one too:
    a text to comment on is news for those who follow)."""
    draft = version.draft
    process = _process(draft.process_id)
    record(
        kinds.DRAFT_VERSION,
        municipality_id=draft.municipality_id,
        process_id=process.id,
        actor_id=actor_id,
        object_id=version.id,
        payload={
            "title": version.title,
            "number": version.number,
            "process": process.title,
            "draft_id": draft.id,
        },
        target=link(
            "drafts.show",
            slug=process.municipality.slug,
            process_slug=process.slug,
            draft_id=draft.id,
            number=version.number,
        ),
        dedupe_key=f"draft_version:{version.id}",
    )


# --- wiring -----------------------------------------------------------------------------------------------


def connect() -> None:
    """Subscribe every receiver; connecting twice (a second app in one process) is harmless."""
    from app.drafts import signals as draft_signals
    from app.moderation import signals as moderation_signals
    from app.notifications.audiences import attach_all
    from app.outcomes import signals as outcome_signals
    from app.processes import jobs as process_jobs

    attach_all()
    pairs = [
        (comment_signals.comment_posted, on_comment_posted),
        (proposal_signals.proposal_submitted, on_proposal_submitted),
        (proposal_signals.status_changed, on_status_changed),
        (proposal_signals.statement_written, on_statement_written),
        (moderation_signals.decided, on_decided),
        (moderation_signals.reported, on_reported),
        (moderation_signals.blocked, on_blocked),
        (moderation_signals.unblocked, on_unblocked),
        (process_jobs.phase_started, on_phase_started),
        (outcome_signals.outcome_published, on_outcome_published),
        (outcome_signals.council_decision_recorded, on_council_decision),
        (outcome_signals.council_statement_written, on_council_statement),
        (draft_signals.version_published, on_version_published),
    ]
    closing = getattr(process_jobs, "phase_closing", None)
    if closing is not None:
        pairs.append((closing, on_phase_closing))
    for signal, receiver in pairs:
        signal.connect(receiver)
    from app.notifications import facilitation, onsite_events

    facilitation.connect()
    onsite_events.connect()
