"""Kept counts of listed proposals: per process, by status (or "withdrawn") and trialog group.

The list shows how many proposals it holds, the status and group filters say how many match, and
the process and municipality pages count each process's proposals. Counting rows per page view
costs time that grows with the process (``count(*)`` over 100,000 proposals and their
contributions); these counts are kept instead, in ``proposal_counts``, and read by adding up a few
rows.

Keeping them exact: each proposal records under which count it stands (``Proposal.listed_as``,
empty while it is not listed). After every flush that creates a proposal, changes its status,
withdraws it, changes the visibility of its contribution or deletes it, the proposal is moved from
its old count to the new one in the same transaction: the counter rows change with one atomic
``UPDATE ... SET n = n + 1`` (an upsert for a count that does not exist yet), and the move of
``listed_as`` itself is conditional on its old value, so two transactions changing the same
proposal at once (a moderator hides it while staff answer it) never count it twice: the later one
finds ``listed_as`` moved, reads the proposal again and moves it from where it really stands.

Changes made with bulk ``UPDATE`` statements past the ORM (the automatic hide after reports) call
``sync`` themselves, through the moderation signal. This is done at flush time rather than in each
service so that every way of writing a proposal (the on-site input of events, demo data, tests)
keeps the counts without knowing of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    Select,
    String,
    case,
    cast,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.contributions.models import Contribution, Visibility
from app.extensions import db
from app.proposals.models import Proposal, ProposalCount, ProposalStatus

WITHDRAWN = "withdrawn"
_PENDING = "proposal_counts.pending"  # session.info: what the running flush has to count
_INSERTS = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}


def listed_key(status: ProposalStatus | str, withdrawn_at: Any, visibility: Visibility | str):
    """The count a proposal in this state stands under, or None when the list does not show it."""
    if Visibility(visibility) != Visibility.VISIBLE:
        return None
    return WITHDRAWN if withdrawn_at is not None else ProposalStatus(status).value


def _group(value) -> str:
    return getattr(value, "value", value)


def _add(session: Session, process_id: int, key: str, group: str, delta: int) -> None:
    """Move one counter by ``delta`` atomically (created on the first ``+1``)."""
    if delta > 0:
        insert = _INSERTS[session.get_bind().dialect.name]
        session.execute(
            insert(ProposalCount)
            .values(process_id=process_id, listed_as=key, author_group=group, n=delta)
            .on_conflict_do_update(
                index_elements=["process_id", "listed_as", "author_group"],
                set_={"n": ProposalCount.n + delta},
            )
        )
    else:
        session.execute(
            update(ProposalCount)
            .where(
                ProposalCount.process_id == process_id,
                ProposalCount.listed_as == key,
                ProposalCount.author_group == group,
            )
            .values(n=ProposalCount.n + delta)
            .execution_options(synchronize_session=False)
        )


def _fresh_state(session: Session, proposal_id: int):
    return session.execute(
        select(
            Proposal.listed_as,
            Proposal.status,
            Proposal.withdrawn_at,
            Contribution.visibility,
        )
        .join(Contribution, Contribution.id == Proposal.contribution_id)
        .where(Proposal.id == proposal_id)
    ).one_or_none()


def _move(
    session: Session,
    proposal_id: int,
    process_id: int,
    group: str,
    old: str | None,
    new: str | None,
) -> str | None:
    """Move the proposal from count ``old`` to ``new``; returns where it stands now."""
    for _attempt in range(3):
        if old == new:
            return old
        condition = Proposal.listed_as.is_(None) if old is None else Proposal.listed_as == old
        moved = session.execute(
            update(Proposal)
            .where(Proposal.id == proposal_id, condition)
            .values(listed_as=new)
            .execution_options(synchronize_session=False)
        ).rowcount
        if moved == 1:
            if old is not None:
                _add(session, process_id, old, group, -1)
            if new is not None:
                _add(session, process_id, new, group, +1)
            return new
        state = _fresh_state(session, proposal_id)  # changed meanwhile by another transaction
        if state is None:
            return None
        old = state.listed_as
        new = listed_key(state.status, state.withdrawn_at, state.visibility)
    raise RuntimeError(f"proposal {proposal_id}: its count kept moving")  # pragma: no cover


def sync(proposal: Proposal, session: Session | None = None) -> None:
    """Put ``proposal`` under the count its current state belongs to (nothing if it is there)."""
    session = session or db.session
    contribution = proposal.contribution
    new = listed_key(proposal.status, proposal.withdrawn_at, contribution.visibility)
    now = _move(
        session,
        proposal.id,
        proposal.process_id,
        _group(contribution.author_group),
        proposal.listed_as,
        new,
    )
    set_committed_value(proposal, "listed_as", now)


def _changed(obj, *names: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _before_flush(session: Session, _context, _instances) -> None:
    """Note what this flush changes; new proposals are inserted with their ``listed_as``."""
    pending: dict[str, list] = {"add": [], "sync": [], "contributions": []}
    for obj in session.new:
        if isinstance(obj, Proposal):
            contribution = obj.contribution
            if contribution is None and obj.contribution_id is not None:
                contribution = session.get(Contribution, obj.contribution_id)
            if contribution is None:  # not known before the insert: counted after it
                pending["sync"].append(obj)
                continue
            key = listed_key(
                obj.status or ProposalStatus.SUBMITTED,
                obj.withdrawn_at,
                contribution.visibility or Visibility.VISIBLE,
            )
            obj.listed_as = key
            if key is not None:
                pending["add"].append((obj, key, _group(contribution.author_group), +1))
    for obj in session.dirty:
        if isinstance(obj, Proposal) and _changed(obj, "status", "withdrawn_at"):
            pending["sync"].append(obj)
        elif (
            isinstance(obj, Contribution) and obj.kind == "proposal" and _changed(obj, "visibility")
        ):
            pending["contributions"].append(obj.id)
    for obj in session.deleted:
        if isinstance(obj, Proposal) and obj.listed_as is not None:
            pending["add"].append((obj, obj.listed_as, _group(obj.contribution.author_group), -1))
    if any(pending.values()):
        session.info[_PENDING] = pending
    else:
        session.info.pop(_PENDING, None)


def _after_flush(session: Session, _context) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    for obj, key, group, delta in pending["add"]:
        _add(session, obj.process_id, key, group, delta)
    proposals = list(pending["sync"])
    if pending["contributions"]:
        proposals += session.scalars(
            select(Proposal).where(Proposal.contribution_id.in_(pending["contributions"]))
        ).all()
    for proposal in dict.fromkeys(proposals):
        sync(proposal, session)


def init_app() -> None:
    """Keep the counts on every session's flush (once per process, however many apps)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush_postexec", _after_flush)


def on_moderation_decided(decision, **_: Any) -> None:
    """A moderation decision may have changed a proposal's visibility past the ORM (auto-hide)."""
    contribution = decision.contribution
    if contribution is None or contribution.kind != "proposal":
        return
    proposal = db.session.scalar(
        select(Proposal).where(Proposal.contribution_id == contribution.id)
    )
    if proposal is not None:
        sync(proposal)


def recount(process_ids: Iterable[int]) -> None:
    """Count the proposals of ``process_ids`` from their rows (after a bulk load, or to repair).

    Sets every proposal's ``listed_as`` and replaces the process's counters; one pass over the
    process's proposals, never run on a page view.
    """
    ids = list(process_ids)
    if not ids:
        return
    visible = select(Contribution.id).where(
        Contribution.process_id.in_(ids), Contribution.visibility == Visibility.VISIBLE
    )
    db.session.execute(
        update(Proposal)
        .where(Proposal.process_id.in_(ids))
        .values(listed_as=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Proposal)
        .where(Proposal.process_id.in_(ids), Proposal.contribution_id.in_(visible))
        .values(
            listed_as=case(
                (Proposal.withdrawn_at.is_not(None), WITHDRAWN),
                else_=cast(Proposal.status, String(20)),
            )
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(delete(ProposalCount).where(ProposalCount.process_id.in_(ids)))
    group = cast(Contribution.author_group, String(20))
    db.session.execute(
        insert(ProposalCount).from_select(
            ["process_id", "listed_as", "author_group", "n"],
            select(Proposal.process_id, Proposal.listed_as, group, func.count())
            .join(Contribution, Contribution.id == Proposal.contribution_id)
            .where(Proposal.process_id.in_(ids), Proposal.listed_as.is_not(None))
            .group_by(Proposal.process_id, Proposal.listed_as, group),
        )
    )
    db.session.expire_all()


# --- reading ------------------------------------------------------------------------------------


def kept_total(process_id: int, status: str = "", group: str = "") -> int:
    """Listed proposals of the process, optionally of one status (or withdrawn) and group."""
    query = select(func.coalesce(func.sum(ProposalCount.n), 0)).where(
        ProposalCount.process_id == process_id
    )
    if status:
        query = query.where(ProposalCount.listed_as == status)
    if group:
        query = query.where(ProposalCount.author_group == group)
    return int(db.session.scalar(query) or 0)


def totals_statement(process_ids: list[int]) -> Select:
    """Listed proposals per process from the kept counts: ``(process_id, n)`` rows."""
    return (
        select(ProposalCount.process_id, func.sum(ProposalCount.n))
        .where(ProposalCount.process_id.in_(process_ids))
        .group_by(ProposalCount.process_id)
    )


def totals_per_process(process_ids: Iterable[int]) -> dict[int, int]:
    """Listed proposals per process, for all given processes in one query."""
    ids = list(process_ids)
    if not ids:
        return {}
    rows = db.session.execute(totals_statement(ids))
    return {process_id: int(n) for process_id, n in rows if n}
