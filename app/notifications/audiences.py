"""Who hears of each kind of event, and whether each of them may read what it is about.

Audiences are a query or two per event (never per recipient); read checks ask the permission
registry (``process.view``, ``proposal.view``, ``outcome.view`` where the outcomes domain registers
it) with the objects loaded once per event in the ``Context``. Both run in the scheduler, when the
event is expanded, so they see the state of that moment: a comment hidden meanwhile tells nobody.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, union

from app.accounts.models import User
from app.comments.models import Comment
from app.contributions.models import Contribution, Visibility
from app.core.permissions import allowed, registered_rules
from app.core.roles import COUNCIL_ROLES, MANAGER_ROLES, MODERATOR_ROLES, Role
from app.extensions import db
from app.municipalities.models import Membership
from app.notifications import kinds
from app.notifications.kinds import Context
from app.notifications.models import Event
from app.processes.models import Process, ProcessFollow
from app.proposals.models import Proposal, ProposalSupport

BACK_OFFICE = MANAGER_ROLES  # the people who run a process
MODERATION = MODERATOR_ROLES


# --- loading, once per event ----------------------------------------------------------------------


def _process(ctx: Context) -> Process | None:
    if "process" not in ctx.objects:
        ctx.objects["process"] = (
            db.session.get(Process, ctx.event.process_id) if ctx.event.process_id else None
        )
    return ctx.objects["process"]


def _comment(ctx: Context) -> Comment | None:
    if "comment" not in ctx.objects:
        ctx.objects["comment"] = db.session.get(Comment, ctx.event.object_id)
    return ctx.objects["comment"]


def _proposal(ctx: Context) -> Proposal | None:
    if "proposal" not in ctx.objects:
        proposal_id = ctx.event.payload.get("proposal_id")
        ctx.objects["proposal"] = db.session.get(Proposal, proposal_id) if proposal_id else None
    return ctx.objects["proposal"]


# --- read checks ------------------------------------------------------------------------------------


def reads_process(user: User, ctx: Context) -> bool:
    process = _process(ctx)
    return process is not None and allowed("process.view", user, process)


def reads_proposal(user: User, ctx: Context) -> bool:
    proposal = _proposal(ctx)
    return (
        proposal is not None
        and proposal.contribution.visibility == Visibility.VISIBLE
        and allowed("proposal.view", user, proposal)
    )


def reads_comment(user: User, ctx: Context) -> bool:
    """A visible comment in a process the person reads (and on a proposal they read)."""
    comment = _comment(ctx)
    if comment is None or comment.contribution.visibility != Visibility.VISIBLE:
        return False
    if ctx.event.payload.get("proposal_id") and not reads_proposal(user, ctx):
        return False
    return reads_process(user, ctx)


def reads_outcome(user: User, ctx: Context) -> bool:
    """The outcomes domain decides (internal results); without its rule, the process decides."""
    if not reads_process(user, ctx):
        return False
    if "outcome.view" not in registered_rules():
        return True
    if "outcome" not in ctx.objects:
        from app.outcomes import models as outcome_models

        ctx.objects["outcome"] = db.session.get(outcome_models.Outcome, ctx.event.object_id)
    outcome = ctx.objects["outcome"]
    return outcome is not None and allowed("outcome.view", user, outcome)


def reads_draft(user: User, ctx: Context) -> bool:
    """The drafts domain decides (a published draft in a process the person reads)."""
    if not reads_process(user, ctx):
        return False
    if "draft" not in ctx.objects:
        from app.drafts.models import Draft

        ctx.objects["draft"] = db.session.get(Draft, ctx.event.payload.get("draft_id"))
    draft = ctx.objects["draft"]
    return draft is not None and allowed("draft.view", user, draft)


def own(user: User, ctx: Context) -> bool:
    """What happened to the person's own contribution or account: always theirs to know."""
    return True


def in_municipality(roles: frozenset[Role]):
    def check(user: User, ctx: Context) -> bool:
        return any(
            m.municipality_id == ctx.event.municipality_id and m.role in roles
            for m in user.memberships
        )

    return check


# --- audiences ----------------------------------------------------------------------------------------


def _ids(statement) -> list[int]:
    return [user_id for user_id in db.session.scalars(statement) if user_id is not None]


def parent_author(event: Event) -> Iterable[int]:
    parent_id = event.payload.get("parent_id")
    if not parent_id:
        return []
    return _ids(
        select(Contribution.author_id)
        .join(Comment, Comment.contribution_id == Contribution.id)
        .where(Comment.id == parent_id)
    )


def proposal_author(event: Event) -> Iterable[int]:
    return _ids(
        select(Contribution.author_id)
        .join(Proposal, Proposal.contribution_id == Contribution.id)
        .where(Proposal.id == event.payload.get("proposal_id"))
    )


def proposal_author_and_supporters(event: Event) -> Iterable[int]:
    proposal_id = event.payload.get("proposal_id")
    return _ids(
        union(
            select(Contribution.author_id)
            .join(Proposal, Proposal.contribution_id == Contribution.id)
            .where(Proposal.id == proposal_id),
            select(ProposalSupport.user_id).where(ProposalSupport.proposal_id == proposal_id),
        )
    )


def followers(event: Event) -> Iterable[int]:
    return _ids(select(ProcessFollow.user_id).where(ProcessFollow.process_id == event.process_id))


def participants(event: Event) -> Iterable[int]:
    """Who took part in the process: followers, authors of visible contributions (proposals,
    comments, statements), supporters, and respondents of named surveys (anonymous survey answers
    are linked to nobody and stay so)."""
    from app.surveys.models import Response, Survey

    process_id = event.process_id
    return _ids(
        union(
            select(ProcessFollow.user_id).where(ProcessFollow.process_id == process_id),
            select(Contribution.author_id).where(
                Contribution.process_id == process_id,
                Contribution.visibility == Visibility.VISIBLE,
                Contribution.author_id.is_not(None),
            ),
            select(ProposalSupport.user_id)
            .join(Proposal, Proposal.id == ProposalSupport.proposal_id)
            .where(Proposal.process_id == process_id),
            select(Response.user_id)
            .join(Survey, Survey.id == Response.survey_id)
            .where(Survey.process_id == process_id, Response.user_id.is_not(None)),
        )
    )


def members_with(roles: frozenset[Role]):
    def audience(event: Event) -> Iterable[int]:
        return _ids(
            select(Membership.user_id).where(
                Membership.municipality_id == event.municipality_id, Membership.role.in_(roles)
            )
        )

    return audience


def affected_user(event: Event) -> Iterable[int]:
    user_id = event.payload.get("user_id")
    return [user_id] if user_id else []


def attach_all() -> None:
    """Give every kind its audience and read check; idempotent (a second app finds them set)."""
    attach = kinds.attach
    attach(kinds.COMMENT_REPLY.key, parent_author, reads_comment)
    attach(kinds.PROPOSAL_COMMENT.key, proposal_author, reads_comment)
    attach(kinds.PROPOSAL_ANSWER.key, proposal_author_and_supporters, reads_proposal)
    attach(kinds.PROPOSAL_STATEMENT.key, proposal_author_and_supporters, reads_proposal)
    attach(kinds.PROCESS_PROPOSAL.key, followers, reads_proposal)
    attach(kinds.PROCESS_PHASE.key, followers, reads_process)
    attach(kinds.PHASE_CLOSING.key, followers, reads_process)
    attach(kinds.PROCESS_COUNCIL.key, participants, reads_process)
    attach(kinds.OUTCOME_PUBLISHED.key, participants, reads_outcome)
    attach(kinds.DRAFT_VERSION.key, followers, reads_draft)
    for kind in (
        kinds.CONTRIBUTION_HIDDEN,
        kinds.CONTRIBUTION_RESTORED,
        kinds.BLOCK_SET,
        kinds.BLOCK_LIFTED,
    ):
        attach(kind.key, affected_user, own)
    attach(kinds.REPORT_NEW.key, members_with(MODERATION), in_municipality(MODERATION))
    attach(kinds.CONTRIBUTION_PENDING.key, members_with(MODERATION), in_municipality(MODERATION))
    attach(kinds.ANSWER_DEADLINE.key, members_with(BACK_OFFICE), in_municipality(BACK_OFFICE))
    attach(
        kinds.PROCESS_EVALUATION.key,
        members_with(COUNCIL_ROLES),
        lambda user, ctx: in_municipality(COUNCIL_ROLES)(user, ctx) and reads_process(user, ctx),
    )
