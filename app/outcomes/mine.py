""" "Mein Beitrag": every contribution of mine across processes, with what became of it.

A page of contributions is read in a fixed number of batch queries (the page, the processes and
their towns, each kind's description, the proposals with their answers, the council decisions on
them, the published outcomes with their adopted proposals), so the query count stays flat however
many contributions a person has.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.contributions import kinds
from app.contributions.models import Contribution, Visibility
from app.extensions import db
from app.municipalities.models import Municipality
from app.outcomes.models import CouncilDecision, Outcome
from app.outcomes.services import decisions_on_proposals
from app.processes.models import Process
from app.proposals.models import Proposal


def my_contributions(user: User) -> Select:
    """My contributions, newest first; what I deleted myself is gone from the list."""
    return (
        select(Contribution)
        .where(Contribution.author_id == user.id, Contribution.visibility != Visibility.DELETED)
        .order_by(Contribution.created_at.desc(), Contribution.id.desc())
    )


@dataclass
class Fate:
    """What became of one contribution."""

    contribution: Contribution
    process: Process | None
    municipality: Municipality | None
    shown: kinds.Shown | None
    kind_label: str
    proposal: Proposal | None = None
    decisions: list[CouncilDecision] = field(default_factory=list)
    outcome: Outcome | None = None
    adopted: bool = False


def fates(contributions: list[Contribution]) -> list[Fate]:
    """The fate of each contribution of a page, in batches."""
    if not contributions:
        return []
    process_ids = {c.process_id for c in contributions}
    processes = {
        p.id: p
        for p in db.session.scalars(
            select(Process)
            .where(Process.id.in_(process_ids))
            .options(selectinload(Process.municipality))
        )
    }
    shown = kinds.describe(contributions)
    proposals = {
        p.contribution_id: p
        for p in db.session.scalars(
            select(Proposal)
            .where(Proposal.contribution_id.in_([c.id for c in contributions]))
            .options(selectinload(Proposal.status_changes))
        )
    }
    decisions = decisions_on_proposals(p.id for p in proposals.values())
    outcomes = {
        o.process_id: o
        for o in db.session.scalars(
            select(Outcome)
            .where(Outcome.process_id.in_(process_ids), Outcome.published_at.is_not(None))
            .options(selectinload(Outcome.adopted))
        )
    }
    found = []
    for contribution in contributions:
        process = processes.get(contribution.process_id)
        registered = kinds.kind(contribution.kind)
        proposal = proposals.get(contribution.id)
        outcome = outcomes.get(contribution.process_id)
        found.append(
            Fate(
                contribution=contribution,
                process=process,
                municipality=process.municipality if process else None,
                shown=shown.get(contribution.id),
                kind_label=str(registered.label) if registered else contribution.kind,
                proposal=proposal,
                decisions=decisions.get(proposal.id, []) if proposal else [],
                outcome=outcome,
                adopted=bool(proposal and outcome and proposal.id in outcome.adopted_ids),
            )
        )
    return found
