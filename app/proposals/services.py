"""The rules of proposals: submitting, editing, withdrawing, supporting, answering, statements.

Each action has a ``*_refusal`` function that says, in words for the person, why it is not allowed
now (or ``None``); the named rules in ``policies`` ask the same functions, so a button shows exactly
when its action would succeed. Services flush, never commit, and know nothing of the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, defer, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts.models import User
from app.contributions import services as contributions
from app.contributions.models import Contribution, Visibility
from app.core import audit
from app.core.locks import lock_row
from app.core.roles import BACK_OFFICE_ROLES, Role
from app.core.sanitize import clean_plain, plain_text, render_markdown
from app.core.time import utcnow
from app.extensions import db
from app.processes import services as processes
from app.processes.models import Process
from app.proposals import counts as kept_counts
from app.proposals import signals as proposal_signals
from app.proposals.models import (
    STATUS_LABELS,
    Proposal,
    ProposalCategory,
    ProposalSettings,
    ProposalStatement,
    ProposalStatus,
    ProposalStatusChange,
    ProposalSupport,
)

FORMAT_KEY = "proposals"
TITLE_MAX = 120
TEXT_MAX = 10_000
ADDRESS_MAX = 200
OFFICE_MAX = 120
CATEGORY_MAX = 80
MAX_CATEGORIES = 30
ANSWER_STATUSES = tuple(s for s in ProposalStatus if s != ProposalStatus.SUBMITTED)


# --- errors and data ----------------------------------------------------------------------------


class ProposalError(Exception):
    """A proposal rule refused the action; ``str(error)`` is a message for the person."""


class NotAllowed(ProposalError):
    pass


class InvalidInput(ProposalError):
    """Input the form could not catch; ``field`` names the form field to show the message at."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class StatusChangedMeanwhile(InvalidInput):
    """Someone else changed the status after this request read the proposal: the answer form is
    shown again with the new status (and what the person typed) instead of a second change."""

    def __init__(self, status: ProposalStatus) -> None:
        super().__init__(
            "status",
            _(
                "Meanwhile someone else has changed the status of this proposal to "
                "“%(status)s”. Please read their answer first; then send yours again if it "
                "still applies.",
                status=STATUS_LABELS[status],
            ),
        )
        self.status = status


@dataclass(frozen=True)
class ProposalData:
    title: str
    description: str
    category_id: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""


# --- text ---------------------------------------------------------------------------------------


def _rich(text: str) -> tuple[str, str]:
    """What a person wrote, in the one format everything people write uses (as comments)."""
    rich = render_markdown(text)
    return rich, plain_text(rich)


# --- loading ------------------------------------------------------------------------------------


def takes_proposals(process: Process) -> bool:
    return FORMAT_KEY in process.format_keys


def get_proposal(process: Process, proposal_id: int) -> Proposal | None:
    """A proposal of this process only; ids of other processes or municipalities find nothing."""
    return db.session.scalar(
        select(Proposal)
        .where(
            Proposal.id == proposal_id,
            Proposal.process_id == process.id,
            Proposal.municipality_id == process.municipality_id,
        )
        .options(
            selectinload(Proposal.status_changes),
            selectinload(Proposal.statements)
            .selectinload(ProposalStatement.contribution)
            .joinedload(Contribution.author),
        )
    )


# What a support's widget does not show: the proposal's long texts stay in the database.
_LONG_TEXTS = (Proposal.description, Proposal.description_text, Proposal.search_text)
_to_support: dict[bool, Select] = {}


def _to_support_statement(with_guards: bool) -> Select:
    """The statement of ``proposal_to_support``, built once (building it cost more than running
    it); the ids and the guards' values come as parameters."""
    if with_guards not in _to_support:
        _to_support[with_guards] = (
            select(Proposal, *(contributions.guard_columns() if with_guards else ()))
            .join(Proposal.contribution)
            .where(
                Proposal.id == bindparam("proposal_id"),
                Proposal.process_id == bindparam("process_id"),
                Proposal.municipality_id == bindparam("municipality_id"),
            )
            .options(contains_eager(Proposal.contribution), *(defer(c) for c in _LONG_TEXTS))
        )
    return _to_support[with_guards]


def proposal_to_support(process: Process, proposal_id: int, user=None) -> Proposal | None:
    """A proposal of this process with its contribution, for a support or its taking back: one
    query, without the answers and statements its page shows. For a logged-in ``user`` the same
    query answers the participation guards (block, residency), which the checks that follow then
    find answered."""
    with_guards = bool(getattr(user, "is_authenticated", False))
    params = {
        "proposal_id": proposal_id,
        "process_id": process.id,
        "municipality_id": process.municipality_id,
    }
    remember = None
    if with_guards:
        guard_params, remember = contributions.guard_answers(user, process)
        params.update(guard_params)
    row = db.session.execute(_to_support_statement(with_guards), params).one_or_none()
    if row is None:
        return None
    proposal = row[0]
    if remember is not None:
        remember(row[1:])
    set_committed_value(proposal, "process", process)
    return proposal


def categories(process: Process) -> list[ProposalCategory]:
    return list(
        db.session.scalars(
            select(ProposalCategory)
            .where(ProposalCategory.process_id == process.id)
            .order_by(ProposalCategory.position, ProposalCategory.id)
        )
    )


def located_middle(process: Process) -> tuple[float, float] | None:
    """The middle of the process's proposals that have coordinates, where its maps start."""
    lat, lng = db.session.execute(
        select(func.avg(Proposal.latitude), func.avg(Proposal.longitude)).where(
            Proposal.process_id == process.id, Proposal.latitude.is_not(None)
        )
    ).one()
    return None if lat is None else (float(lat), float(lng))


def proposal_of(contribution_id: int) -> Proposal | None:
    return db.session.scalar(select(Proposal).where(Proposal.contribution_id == contribution_id))


def proposal_of_statement(contribution_id: int) -> Proposal | None:
    return db.session.scalar(
        select(Proposal)
        .join(ProposalStatement, ProposalStatement.proposal_id == Proposal.id)
        .where(ProposalStatement.contribution_id == contribution_id)
    )


def is_author(user, proposal: Proposal) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        proposal.contribution.author_id == user.id
    )


def sees_unpublished(user, proposal: Proposal) -> bool:
    """Authors and the back office see proposals that wait for moderation."""
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        is_author(user, proposal)
        or user.is_platform_admin
        or user.role_in(proposal.process.municipality) in BACK_OFFICE_ROLES
    )


# --- submitting, editing, withdrawing -----------------------------------------------------------


def submit_refusal(user, process: Process, now: datetime) -> str | None:
    if not takes_proposals(process):
        return _("This process does not take proposals.")
    gate = processes.contribution_gate(process, user, now)
    return None if gate.allowed else gate.message


def edit_refusal(user, proposal: Proposal, now: datetime) -> str | None:
    """Authors edit until the first support or comment, an official answer, or the phase's end."""
    if not is_author(user, proposal):
        return _("Only the author can change a proposal.")
    if proposal.is_withdrawn:
        return _("This proposal has been withdrawn.")
    # Moderators decide about the text that was reported or submitted: it stays as it is.
    if proposal.contribution.visibility == Visibility.HIDDEN:
        return _(
            "This proposal is hidden by the moderation. It can be edited again once it is restored."
        )
    if proposal.contribution.visibility == Visibility.PENDING:
        return _(
            "This proposal awaits moderation. It can be edited once the moderators have "
            "published it."
        )
    if proposal.status != ProposalStatus.SUBMITTED:
        return _("The administration has answered this proposal; it can no longer be edited.")
    if proposal.support_count or proposal.comment_count:
        return _("A proposal can be edited only until it gets its first support or comment.")
    gate = processes.contribution_gate(proposal.process, user, now)
    return None if gate.allowed else gate.message


def withdraw_refusal(user, proposal: Proposal) -> str | None:
    if not is_author(user, proposal):
        return _("Only the author can withdraw a proposal.")
    if proposal.is_withdrawn:
        return _("This proposal has already been withdrawn.")
    return None


def _category(process: Process, category_id: int | None) -> ProposalCategory | None:
    if category_id is None:
        return None
    category = db.session.get(ProposalCategory, category_id)
    if category is None or category.process_id != process.id:
        raise InvalidInput("category", _("Please choose one of the categories of this process."))
    return category


def _apply(proposal: Proposal, process: Process, data: ProposalData) -> None:
    title = clean_plain(data.title)
    if not title:
        raise InvalidInput("title", _("Please give your proposal a title."))
    if len(title) > TITLE_MAX:
        raise InvalidInput("title", _("At most %(max)d characters.", max=TITLE_MAX))
    description, text = _rich(data.description)
    if not text:
        raise InvalidInput("description", _("Please describe your proposal."))
    if len(text) > TEXT_MAX:
        raise InvalidInput("description", _("At most %(max)d characters.", max=TEXT_MAX))
    if (data.latitude is None) != (data.longitude is None):
        raise InvalidInput("latitude", _("Please give both latitude and longitude, or neither."))
    if data.latitude is not None and not (
        -90 <= data.latitude <= 90 and -180 <= data.longitude <= 180
    ):
        raise InvalidInput("latitude", _("These coordinates are not on the map."))
    address = clean_plain(data.address)
    if len(address) > ADDRESS_MAX:
        raise InvalidInput("address", _("At most %(max)d characters.", max=ADDRESS_MAX))
    proposal.title = title
    proposal.description = description
    proposal.description_text = text
    proposal.search_text = f"{title}\n{text}".casefold()
    proposal.category = _category(process, data.category_id)
    proposal.latitude = data.latitude
    proposal.longitude = data.longitude
    proposal.address = address


def _same_proposal(
    author: User, process: Process, title: str, text: str, since: datetime
) -> Proposal | None:
    """The author's proposal in ``process`` with this title and text submitted since ``since``
    and not withdrawn."""
    return contributions.latest_repeat(
        Proposal,
        author,
        since,
        Proposal.process_id == process.id,
        Proposal.withdrawn_at.is_(None),
        Proposal.title == title,
        Proposal.description_text == text,
    )


def repeated_submission(author, process: Process, data: ProposalData) -> Proposal | None:
    """The proposal ``data`` repeats, if its author submitted the same title and text to this
    process a moment ago (``contributions.REPEAT_WINDOW``); None otherwise.

    A look without the author's lock, for the form to answer a repeat as the first submission was
    answered before it offers similar proposals (the first would be one); ``submit_proposal``
    looks again under the lock.
    """
    if not getattr(author, "is_authenticated", False):
        return None
    _html, text = _rich(data.description)
    since = utcnow() - contributions.REPEAT_WINDOW
    return _same_proposal(author, process, clean_plain(data.title), text, since)


def submit_proposal(
    author: User, process: Process, data: ProposalData, now: datetime | None = None
) -> Proposal:
    """A new proposal, while the process takes them; records the author's trialog group.

    The same title and text by the same author in the same process, a moment after the first
    (``contributions.REPEAT_WINDOW``: a double click, a retry), stores, counts and announces
    nothing: ``AlreadyWritten`` carries the proposal the first request stored.
    """
    refusal = submit_refusal(author, process, now or utcnow())
    if refusal:
        raise NotAllowed(refusal)
    proposal = Proposal(municipality_id=process.municipality_id, process_id=process.id)
    _apply(proposal, process, data)
    since = contributions.hold_author(author)
    earlier = _same_proposal(author, process, proposal.title, proposal.description_text, since)
    if earlier is not None:
        raise contributions.AlreadyWritten(earlier)
    try:
        contribution = contributions.start_contribution(author, process, "proposal")
    except contributions.ContributionRefused as exc:
        raise NotAllowed(str(exc)) from exc
    proposal.contribution = contribution
    proposal.thread = contributions.new_thread(process)
    proposal.process = process
    db.session.add(proposal)
    db.session.flush()
    proposal_signals.proposal_submitted.send(proposal)
    return proposal


def edit_proposal(
    author: User, proposal: Proposal, data: ProposalData, now: datetime | None = None
) -> None:
    refusal = edit_refusal(author, proposal, now or utcnow())
    if refusal:
        raise NotAllowed(refusal)
    _apply(proposal, proposal.process, data)
    contributions.mark_edited(proposal.contribution)
    db.session.flush()


def withdraw(author: User, proposal: Proposal, now: datetime | None = None) -> None:
    """The author takes the proposal back; it stays visible, marked as withdrawn."""
    refusal = withdraw_refusal(author, proposal)
    if refusal:
        raise NotAllowed(refusal)
    proposal.withdrawn_at = now or utcnow()
    db.session.flush()


# --- supports -----------------------------------------------------------------------------------


def support_refusal(user, proposal: Proposal, now: datetime) -> str | None:
    """Members support (and take back support) while a participation phase runs."""
    if proposal.is_withdrawn:
        return _("This proposal has been withdrawn.")
    if proposal.status == ProposalStatus.MERGED:
        return _("This proposal has been merged into another one; please support that one.")
    if not proposal.contribution.is_visible:
        return _("This proposal cannot be supported right now.")
    gate = processes.contribution_gate(proposal.process, user, now)
    return None if gate.allowed else gate.message


_INSERTS = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}
# The write runs on every support: its statements are built on the tables, not the mapped classes.
# An ORM-enabled UPDATE (``update(Proposal)``) costs twice the Python of the same statement on the
# table (0.20 against 0.09 ms), for bookkeeping (``synchronize_session``, entity rows) it never uses.
_PROPOSALS = Proposal.__table__
_SUPPORTS = ProposalSupport.__table__
_SETTINGS = ProposalSettings.__table__
_PROMISE = select(_SETTINGS.c.answer_threshold).where(
    _SETTINGS.c.process_id == _PROPOSALS.c.process_id
)
# What the counter update returns: the new count and deadline (as this update finds the row,
# after any concurrent change of it committed), with the process's answer promise.
_COUNTED = (
    _PROPOSALS.c.support_count,
    _PROPOSALS.c.answer_due_at,
    _PROMISE.scalar_subquery(),
    _PROMISE.with_only_columns(_SETTINGS.c.answer_days).scalar_subquery(),
)


def _support_row_change(dialect: str, add: bool):
    """The insert of a support that skips a duplicate, or the delete of one; either returns the
    proposal's id and the support's time for the row it changed, and nothing when there was
    nothing to change."""
    if add:
        change = (
            _INSERTS[dialect](_SUPPORTS)
            .values(
                proposal_id=bindparam("proposal"),
                user_id=bindparam("person"),
                created_at=bindparam("at"),
            )
            .on_conflict_do_nothing(index_elements=["proposal_id", "user_id"])
        )
    else:
        change = delete(_SUPPORTS).where(
            _SUPPORTS.c.proposal_id == bindparam("proposal"),
            _SUPPORTS.c.user_id == bindparam("person"),
        )
    return change.returning(_SUPPORTS.c.proposal_id, _SUPPORTS.c.created_at)


def _count_update(delta: int, changed=None):
    """The counter moves in the database (``support_count + delta``) and returns the new count
    with the answer promise; with ``changed`` (a data-modifying WITH) only for the proposal whose
    support row it changed, and the time of that support too."""
    if changed is None:
        which, returned = _PROPOSALS.c.id == bindparam("proposal"), _COUNTED
    else:
        which = _PROPOSALS.c.id.in_(select(changed.c.proposal_id))
        returned = (*_COUNTED, select(changed.c.created_at).scalar_subquery())
    return (
        update(_PROPOSALS)
        .where(which)
        .values(support_count=_PROPOSALS.c.support_count + delta)
        .returning(*returned)
    )


@cache
def _support_statements(dialect: str, add: bool) -> tuple:
    """The statements of a support (``add``) or its taking back, built once per dialect (building
    them cost more than running them).

    PostgreSQL runs the row change and the counter update as one statement (the counter update
    reads the change's ``RETURNING`` through a WITH), so a support is one round trip. SQLite has no
    data-modifying WITH: there the row change comes first and the counter update follows only when
    it changed a row, in the same transaction.
    """
    change = _support_row_change(dialect, add)
    delta = 1 if add else -1
    if dialect == "postgresql":
        return (_count_update(delta, change.cte("changed")),)
    return change, _count_update(delta)


class _SupportChange(NamedTuple):
    count: int  # the new count
    due: datetime | None  # the answer deadline as the counter update found it
    settings: ProposalSettings  # the process's answer promise
    at: datetime  # when the support added or taken back came


def _write_support(
    user: User, proposal: Proposal, add: bool, at: datetime
) -> _SupportChange | None:
    """Add (``add``) or take back this person's support and move the counter with it, atomically
    in the database, so concurrent supports never lose a count.

    Returns what the change returned (so nothing is read again), or None when nothing changed (a
    support already there, or none to take back)."""
    statements = _support_statements(db.session.get_bind().dialect.name, add)
    params = {"proposal": proposal.id, "person": user.id}
    if add:
        params["at"] = at
    if len(statements) == 2:
        changed = db.session.execute(statements[0], params).first()
        if changed is None:
            return None
        row = (*db.session.execute(statements[1], params).one(), changed.created_at)
    else:
        row = db.session.execute(statements[0], params).one_or_none()
        if row is None:
            return None
    count, due, threshold, days, supported_at = row
    set_committed_value(proposal, "support_count", count)
    set_committed_value(proposal, "answer_due_at", due)
    # A detached copy of the promise, never added to the session: only read here.
    settings = ProposalSettings(answer_threshold=threshold, answer_days=days)
    return _SupportChange(count, due, settings, supported_at)


def _nth_support_at(proposal_id: int, n: int) -> datetime | None:
    """When the ``n``-th current support of a proposal came (one short index scan)."""
    return db.session.scalar(
        select(ProposalSupport.created_at)
        .where(ProposalSupport.proposal_id == proposal_id)
        .order_by(ProposalSupport.created_at, ProposalSupport.id)
        .offset(n - 1)
        .limit(1)
    )


def _keep_answer_due(proposal: Proposal, changed: _SupportChange, added: bool) -> None:
    """Keep ``answer_due_at`` right after the support count changed (``changed``, as
    ``_write_support`` returns it).

    The deadline moves only when the proposal crosses the threshold, or when a support among the
    first N is taken back; a support that comes or goes after the N-th changes nothing (no query).
    The deadline compared is the one the counter update found: concurrent changes of the same
    proposal wait for each other there, so it includes every earlier one.
    """
    count, due, settings, at = changed
    if settings is None or not settings.promises_answers or count < settings.answer_threshold:
        wanted = None
    elif due is not None and (
        # The N-th came at due - days; one that comes later, or at the same moment (its id is
        # higher), is after it; one taken back at that very moment may have been the N-th.
        at >= due - timedelta(days=settings.answer_days)
        if added
        else at > due - timedelta(days=settings.answer_days)
    ):
        return  # a support after the N-th came or went: the N-th stays where it was
    else:
        reached = _nth_support_at(proposal.id, settings.answer_threshold)
        wanted = None if reached is None else reached + timedelta(days=settings.answer_days)
    if wanted != due:
        db.session.execute(
            update(Proposal)
            .where(Proposal.id == proposal.id)
            .values(answer_due_at=wanted)
            .execution_options(synchronize_session=False)
        )
        set_committed_value(proposal, "answer_due_at", wanted)


def recompute_answer_due(process: Process) -> None:
    """Every proposal's deadline of ``process`` from its supports, after the promise changed.

    One window query over the process's supports, run when staff change the settings, never on a
    page view.
    """
    db.session.execute(
        update(Proposal)
        .where(Proposal.process_id == process.id, Proposal.answer_due_at.is_not(None))
        .values(answer_due_at=None)
        .execution_options(synchronize_session=False)
    )
    settings = settings_for(process)
    if settings is None or not settings.promises_answers:
        return
    ranked = (
        select(
            ProposalSupport.proposal_id,
            ProposalSupport.created_at,
            func.row_number()
            .over(
                partition_by=ProposalSupport.proposal_id,
                order_by=(ProposalSupport.created_at, ProposalSupport.id),
            )
            .label("rank"),
        )
        .join(Proposal, Proposal.id == ProposalSupport.proposal_id)
        .where(Proposal.process_id == process.id)
        .subquery()
    )
    days = timedelta(days=settings.answer_days)
    rows = [
        {"id": proposal_id, "answer_due_at": reached + days}
        for proposal_id, reached in db.session.execute(
            select(ranked.c.proposal_id, ranked.c.created_at).where(
                ranked.c.rank == settings.answer_threshold
            )
        )
    ]
    if rows:
        db.session.execute(update(Proposal), rows)


def support(user: User, proposal: Proposal, now: datetime | None = None) -> bool:
    """Support ``proposal``; False if this person supported it already.

    The unique constraint on (proposal, person) decides, not a Python check: the insert skips a
    duplicate (``ON CONFLICT DO NOTHING``) and the counter moves only when a row was inserted, in the
    same statement on PostgreSQL, the same transaction on SQLite. (A savepoint around a failing insert would do the same on PostgreSQL, but on
    SQLite the driver lets the savepoint's release commit the transaction halfway.)
    """
    at = now or utcnow()
    refusal = support_refusal(user, proposal, at)
    if refusal:
        raise NotAllowed(refusal)
    changed = _write_support(user, proposal, True, at)
    if changed is None:
        return False
    _keep_answer_due(proposal, changed, added=True)
    return True


def unsupport(user: User, proposal: Proposal, now: datetime | None = None) -> bool:
    """Take a support back; False if there was none."""
    at = now or utcnow()
    refusal = support_refusal(user, proposal, at)
    if refusal:
        raise NotAllowed(refusal)
    changed = _write_support(user, proposal, False, at)
    if changed is None:
        return False
    _keep_answer_due(proposal, changed, added=False)
    return True


def supported_ids(user, proposal_ids: list[int]) -> set[int]:
    """Which of ``proposal_ids`` this person supports, in one query."""
    if not getattr(user, "is_authenticated", False) or not proposal_ids:
        return set()
    return set(
        db.session.scalars(
            select(ProposalSupport.proposal_id).where(
                ProposalSupport.user_id == user.id, ProposalSupport.proposal_id.in_(proposal_ids)
            )
        )
    )


# --- official answers ---------------------------------------------------------------------------


def suggested_office(process: Process) -> str:
    """The office that answered last in this process, to prefill the next answer."""
    return (
        db.session.scalar(
            select(ProposalStatusChange.office)
            .join(Proposal, Proposal.id == ProposalStatusChange.proposal_id)
            .where(Proposal.process_id == process.id)
            .order_by(ProposalStatusChange.created_at.desc(), ProposalStatusChange.id.desc())
            .limit(1)
        )
        or ""
    )


def _merge_target(proposal: Proposal, target_id: int | None) -> Proposal:
    target = get_proposal(proposal.process, target_id) if target_id else None
    if target is None:
        raise InvalidInput(
            "merged_into", _("Please give the number of a proposal of this process.")
        )
    if target.id == proposal.id or target.merged_into_id == proposal.id:
        raise InvalidInput("merged_into", _("A proposal cannot be merged into itself."))
    return target


def change_status(
    actor: User,
    proposal: Proposal,
    status: ProposalStatus,
    response: str,
    office: str,
    merged_into_id: int | None = None,
    now: datetime | None = None,
) -> ProposalStatusChange:
    """Move the proposal to ``status`` with the administration's public answer.

    The first decision (anything but "under review") is the answer the answer promise counts.
    The same answer sent again by the same person a moment later (``contributions.REPEAT_WINDOW``:
    a double click, a retry), with no other change in between, stores, audits and announces
    nothing: ``AlreadyWritten`` carries the change the first request stored.

    The proposal's row lock serialises changes; a status (or merge target) that differs, once it
    is held, from what this request read before means someone else answered meanwhile (two staff
    at once): ``StatusChangedMeanwhile``, instead of a second change and a second announcement.
    """
    now = now or utcnow()
    read = (proposal.status, proposal.merged_into_id)
    if status not in ANSWER_STATUSES:
        raise InvalidInput("status", _("Please choose the new status."))
    response_html, response_text = _rich(response)
    if not response_text:
        raise InvalidInput("response", _("Every status change needs an official answer."))
    office = clean_plain(office)
    if not office:
        raise InvalidInput("office", _("Please name the office that answers."))
    if len(office) > OFFICE_MAX:
        raise InvalidInput("office", _("At most %(max)d characters.", max=OFFICE_MAX))
    target = _merge_target(proposal, merged_into_id) if status == ProposalStatus.MERGED else None
    since = contributions.hold_author(actor)
    lock_row(Proposal, proposal.id)
    latest = db.session.scalar(
        select(ProposalStatusChange)
        .where(ProposalStatusChange.proposal_id == proposal.id)
        .order_by(ProposalStatusChange.id.desc())
        .limit(1)
    )
    if (
        latest is not None
        and latest.created_at >= since
        and (latest.author_id, latest.status, latest.response, latest.office)
        == (actor.id, status, response_html, office)
        and latest.merged_into_id == (target.id if target else None)
    ):
        raise contributions.AlreadyWritten(latest)
    stored = db.session.execute(
        select(Proposal.status, Proposal.merged_into_id).where(Proposal.id == proposal.id)
    ).one()
    if tuple(stored) != read:
        db.session.refresh(proposal)  # the form is shown again with what is stored now
        raise StatusChangedMeanwhile(stored.status)
    before = {"status": proposal.status.value}
    change = ProposalStatusChange(
        status=status,
        response=response_html,
        office=office,
        author_id=actor.id,
        merged_into_id=target.id if target else None,
        created_at=now,
    )
    proposal.status_changes.append(change)
    proposal.status = status
    proposal.merged_into_id = target.id if target else None
    if status.is_decision and proposal.answered_at is None:
        proposal.answered_at = now
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="proposal.status",
        object_type="proposal",
        object_id=proposal.id,
        municipality_id=proposal.municipality_id,
        before=before,
        after={
            "status": status.value,
            "office": office,
            "merged_into": change.merged_into_id,
            "status_change": change.id,
        },
    )
    proposal_signals.status_changed.send(change)
    return change


# --- council statements -------------------------------------------------------------------------


def statement_refusal(user, proposal: Proposal) -> str | None:
    """Council members state their position on proposals of published processes."""
    if not getattr(user, "is_authenticated", False) or (
        user.role_in(proposal.process.municipality) != Role.COUNCIL
    ):
        return _("Only council members can add a statement.")
    if not proposal.process.is_published:
        return _("This process takes no more statements.")
    if proposal.is_withdrawn:
        return _("This proposal has been withdrawn.")
    if not proposal.contribution.is_visible:
        return _("This proposal cannot take statements right now.")
    own = own_statement(user, proposal)
    if own is not None and own.contribution.visibility in {Visibility.HIDDEN, Visibility.PENDING}:
        return _(
            "Your statement is hidden by the moderation or awaits moderation. You can change it "
            "once the moderators have restored or published it."
        )
    return contributions.participation_refusal(user, proposal.process)  # blocked members


def own_statement(user, proposal: Proposal) -> ProposalStatement | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return next((s for s in proposal.statements if s.author_id == user.id), None)


def save_statement(author: User, proposal: Proposal, body: str) -> ProposalStatement:
    """Add the member's statement, or replace its text; one statement per member and proposal."""
    refusal = statement_refusal(author, proposal)
    if refusal:
        raise NotAllowed(refusal)
    body_html, body_text = _rich(body)
    if not body_text:
        raise InvalidInput("body", _("Please write your statement."))
    if len(body_text) > TEXT_MAX:
        raise InvalidInput("body", _("At most %(max)d characters.", max=TEXT_MAX))
    statement = own_statement(author, proposal)
    if statement is not None:
        statement.body, statement.body_text = body_html, body_text
        contributions.mark_edited(statement.contribution)
        db.session.flush()
        return statement
    try:
        # A savepoint: a concurrent save of the same member's statement undoes only this one.
        with db.session.begin_nested():
            contribution = contributions.start_contribution(author, proposal.process, "statement")
            statement = ProposalStatement(
                contribution=contribution, author_id=author.id, body=body_html, body_text=body_text
            )
            proposal.statements.append(statement)
    except contributions.ContributionRefused as exc:
        raise NotAllowed(str(exc)) from exc
    except IntegrityError as exc:  # the same member saved a statement concurrently
        db.session.expire(proposal, ["statements"])
        raise NotAllowed(
            _("Your statement was saved meanwhile; please reload the proposal.")
        ) from exc
    proposal_signals.statement_written.send(statement)
    return statement


def visible_statements(user, proposal: Proposal) -> list[ProposalStatement]:
    """Statements others may read; authors also see their own while it awaits moderation."""
    return [
        s
        for s in proposal.statements
        if s.contribution.visibility == Visibility.VISIBLE
        or (
            s.contribution.visibility == Visibility.PENDING
            and s.author_id == getattr(user, "id", 0)
        )
    ]


# --- settings -----------------------------------------------------------------------------------


def settings_for(process: Process) -> ProposalSettings | None:
    return db.session.scalar(
        select(ProposalSettings).where(ProposalSettings.process_id == process.id)
    )


def _category_names(names: list[str]) -> list[str]:
    seen: set[str] = set()
    result: list[str] = []
    for raw in names:
        name = clean_plain(raw)
        if not name or name.casefold() in seen:
            continue
        if len(name) > CATEGORY_MAX:
            raise InvalidInput(
                "categories", _("Category names have at most %(max)d characters.", max=CATEGORY_MAX)
            )
        seen.add(name.casefold())
        result.append(name)
    if len(result) > MAX_CATEGORIES:
        raise InvalidInput(
            "categories", _("At most %(max)d categories per process.", max=MAX_CATEGORIES)
        )
    return result


def save_settings(
    actor: User,
    process: Process,
    answer_threshold: int | None,
    answer_days: int | None,
    category_names: list[str],
) -> ProposalSettings:
    """The answer promise and the categories of a process's proposals."""
    if (answer_threshold is None) != (answer_days is None):
        raise InvalidInput(
            "answer_days",
            _("An answer promise needs both the number of supports and the number of days."),
        )
    names = _category_names(category_names)
    settings = settings_for(process)
    if settings is None:
        settings = ProposalSettings(process_id=process.id)
        db.session.add(settings)
    before = {
        "answer_threshold": settings.answer_threshold,
        "answer_days": settings.answer_days,
        "categories": [c.name for c in categories(process)],
    }
    settings.answer_threshold = answer_threshold
    settings.answer_days = answer_days
    existing = {c.name: c for c in categories(process)}
    for name, category in existing.items():
        if name not in names:
            db.session.delete(category)
    db.session.flush()  # free the names of removed categories before adding
    for position, name in enumerate(names):
        category = existing.get(name)
        if category is None:
            db.session.add(ProposalCategory(process_id=process.id, name=name, position=position))
        else:
            category.position = position
    db.session.flush()
    if (before["answer_threshold"], before["answer_days"]) != (answer_threshold, answer_days):
        recompute_answer_due(process)
    audit.record(
        actor_id=actor.id,
        action="proposal_settings.update",
        object_type="process",
        object_id=process.id,
        municipality_id=process.municipality_id,
        before=before,
        after={
            "answer_threshold": answer_threshold,
            "answer_days": answer_days,
            "categories": names,
        },
    )
    return settings


# --- counts for other domains --------------------------------------------------------------------


def count_per_process(process_ids) -> dict[int, int]:
    """Published proposals per process, for all given processes in one query of the kept counts
    (``app.proposals.counts``), never counting the proposals themselves."""
    return kept_counts.totals_per_process(process_ids)
