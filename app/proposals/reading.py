"""What a proposal's page reads, in as few statements as the page allows.

The page shows the proposal with its author, category and comment count (its thread), whether the
reader supports it, the process's answer promise and the status history (a row per official
answer, a handful at most). Loading each of these on first use cost a statement apiece (seven
before the page was drawn); here they come joined in one statement, built once per kind of reader
with bound parameters, and the council's statements (one per member) in one more.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, Select, bindparam, exists, false, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app.contributions.models import Contribution
from app.extensions import db
from app.processes.models import Process
from app.proposals.models import (
    Proposal,
    ProposalCategory,
    ProposalSettings,
    ProposalStatement,
    ProposalSupport,
)
from app.proposals.promise import Promise


@dataclass(frozen=True)
class ProposalPage:
    proposal: Proposal
    supported: bool  # by the reader
    promise: Promise | None  # the process's answer promise


_STATEMENTS: dict[bool, Select] = {}


def _setting(column) -> Select:
    return (
        select(column).where(ProposalSettings.process_id == Proposal.process_id).scalar_subquery()
    )


def _statement(reader: bool) -> Select:
    """The proposal of a process, joined with what the page shows (``reader``: a logged-in
    visitor, whose support is asked); ids come as bound parameters."""
    built = _STATEMENTS.get(reader)
    if built is None:
        supported = (
            exists().where(
                ProposalSupport.proposal_id == Proposal.id,
                ProposalSupport.user_id == bindparam("user_id", type_=Integer),
            )
            if reader
            else false()
        )
        built = _STATEMENTS[reader] = (
            select(
                Proposal,
                supported,
                _setting(ProposalSettings.answer_threshold),
                _setting(ProposalSettings.answer_days),
            )
            .join(Proposal.contribution)
            .outerjoin(Contribution.author)
            .join(Proposal.thread)
            .outerjoin(ProposalCategory, ProposalCategory.id == Proposal.category_id)
            .where(
                Proposal.id == bindparam("proposal_id", type_=Integer),
                Proposal.process_id == bindparam("process_id", type_=Integer),
                Proposal.municipality_id == bindparam("municipality_id", type_=Integer),
            )
            .options(
                contains_eager(Proposal.contribution).contains_eager(Contribution.author),
                contains_eager(Proposal.thread),
                contains_eager(Proposal.category),
                joinedload(Proposal.status_changes),  # a few rows at most: one per answer
                selectinload(Proposal.statements)
                .selectinload(ProposalStatement.contribution)
                .joinedload(Contribution.author),
            )
        )
    return built


def proposal_page(process: Process, proposal_id: int, user) -> ProposalPage | None:
    """The proposal ``proposal_id`` of ``process`` (None for ids of other processes or
    municipalities) with what its page shows to ``user``."""
    reader = bool(getattr(user, "is_authenticated", False))
    params = {
        "proposal_id": proposal_id,
        "process_id": process.id,
        "municipality_id": process.municipality_id,
    }
    if reader:
        params["user_id"] = user.id
    row = db.session.execute(_statement(reader), params).unique().one_or_none()
    if row is None:
        return None
    proposal, supported, threshold, days = row
    # the same promise as ``promise.promise_for``: both values set (``promises_answers``)
    answers = Promise(threshold, days) if threshold and days else None
    return ProposalPage(proposal, bool(supported), answers)
