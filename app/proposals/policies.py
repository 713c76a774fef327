"""Who may do what with proposals; views ``require`` these names and templates ask ``can``.

Each rule asks the same ``*_refusal`` function its service checks, so a button shows exactly when
the action would succeed, and the reason shown next to a missing button is the service's own.
"""

from __future__ import annotations

from app.contributions.models import Visibility
from app.core.permissions import allowed, rule
from app.core.time import utcnow
from app.processes.models import Process
from app.proposals import services
from app.proposals.models import Proposal


@rule("proposal.view")
def view_proposal(user, proposal: Proposal) -> bool:
    """Readers of the process read its proposals; those awaiting moderation only their author and
    the back office see."""
    if not allowed("process.view", user, proposal.process):
        return False
    if proposal.contribution.visibility == Visibility.PENDING:
        return services.sees_unpublished(user, proposal)
    return True


@rule("proposal.submit")
def submit_proposal(user, process: Process) -> bool:
    return allowed("process.view", user, process) and (
        services.submit_refusal(user, process, utcnow()) is None
    )


@rule("proposal.edit")
def edit_proposal(user, proposal: Proposal) -> bool:
    return view_proposal(user, proposal) and services.edit_refusal(user, proposal, utcnow()) is None


@rule("proposal.withdraw")
def withdraw_proposal(user, proposal: Proposal) -> bool:
    return view_proposal(user, proposal) and services.withdraw_refusal(user, proposal) is None


@rule("proposal.support")
def support_proposal(user, proposal: Proposal) -> bool:
    """Support and take back support: members, while a participation phase runs."""
    return (
        view_proposal(user, proposal) and services.support_refusal(user, proposal, utcnow()) is None
    )


@rule("proposal.answer")
def answer_proposal(user, proposal: Proposal) -> bool:
    """Official answers come from those who run the process (staff, facilitators, admins)."""
    return allowed("process.manage", user, proposal.process)


@rule("proposal.state_position")
def state_position(user, proposal: Proposal) -> bool:
    return view_proposal(user, proposal) and services.statement_refusal(user, proposal) is None


def can_read_proposal(user, contribution) -> bool:
    """``contribution.read`` for proposals: a published proposal, where its page is readable."""
    proposal = services.proposal_of(contribution.id)
    return (
        proposal is not None
        and contribution.visibility == Visibility.VISIBLE
        and view_proposal(user, proposal)
    )


def can_read_statement(user, contribution) -> bool:
    """``contribution.read`` for council statements: shown on a readable, published proposal."""
    proposal = services.proposal_of_statement(contribution.id)
    return (
        proposal is not None
        and contribution.visibility == Visibility.VISIBLE
        and proposal.contribution.visibility == Visibility.VISIBLE
        and view_proposal(user, proposal)
    )


@rule("proposal.manage")
def manage_proposals(user, process: Process) -> bool:
    """The answer promise, the categories and the list of answers due."""
    return allowed("process.manage", user, process)
