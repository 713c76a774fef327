"""Starting contributions and threads; the guards other domains put in front of writing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import contains_eager

from app.accounts.models import User
from app.contributions.models import Contribution, Thread, Visibility
from app.core.locks import lock_row
from app.core.time import utcnow
from app.extensions import db

# A text sent again by the same person to the same place within this time is the same text sent
# twice (a double click, a browser's retry, a replayed request), not a second contribution.
REPEAT_WINDOW = timedelta(minutes=10)
# What an earlier text may be in to count as the one repeated: shown or awaiting moderation (one
# the author deleted, or moderation hid, is not answered with again).
REPEATABLE = (Visibility.VISIBLE, Visibility.PENDING)


class ContributionRefused(Exception):
    """Writing is refused for a reason the person must be told (the message says which)."""


class AlreadyWritten(Exception):
    """The same text was written a moment ago by the same person in the same place: nothing new is
    stored, and ``existing`` is what the first request stored. Views answer as after that one."""

    def __init__(self, existing: object) -> None:
        super().__init__(existing)
        self.existing = existing


def hold_author(author: User, now: datetime | None = None) -> datetime:
    """Serialise ``author``'s writes across workers until the transaction ends (their user row's
    lock), and return since when an earlier equal text counts as repeated (``REPEAT_WINDOW``).

    Taken before looking for that earlier text: a second request of a double click waits here for
    the first to commit, and then finds what it stored.
    """
    lock_row(User, author.id)
    return (now or utcnow()) - REPEAT_WINDOW


def latest_repeat(model: type, author: User, since: datetime, *same: ColumnElement[bool]):
    """``author``'s latest row of ``model`` (a contribution kind: proposal, comment) that ``same``
    finds, written since ``since`` and still shown or awaiting moderation (``REPEATABLE``)."""
    return db.session.scalar(
        select(model)
        .join(model.contribution)
        .where(
            Contribution.author_id == author.id,
            Contribution.created_at >= since,
            Contribution.visibility.in_(REPEATABLE),
            *same,
        )
        .options(contains_eager(model.contribution))
        .order_by(model.id.desc())
        .limit(1)
    )


def refuse_repeat(author: User, model: type, *same: ColumnElement[bool]) -> None:
    """Raise ``AlreadyWritten`` with the latest ``model`` row that ``same`` finds (its place, its
    author, its texts) written within ``REPEAT_WINDOW``, under ``author``'s lock
    (``hold_author``), which holds on for the write that follows when there is none."""
    since = hold_author(author)
    earlier = db.session.scalar(
        select(model).where(model.created_at >= since, *same).order_by(model.id.desc()).limit(1)
    )
    if earlier is not None:
        raise AlreadyWritten(earlier)


# Each guard may raise ContributionRefused; moderation registers the check for blocked authors.
Guard = Callable[[User, object], None]
_guards: list[Guard] = []


@dataclass(frozen=True)
class Prefetch:
    """How a guard is answered ahead, inside a statement a write runs anyway (a support loads its
    proposal), so that the guard itself asks the database nothing more.

    ``columns()`` are SQL expressions, built once, whose bound parameters (named by the guard)
    ``params(user, process)`` fills in for each request; ``remember(user, process, values)`` keeps
    the columns' values for the rest of the request. Without one, a guard runs its own query.
    """

    columns: Callable[[], Sequence[ColumnElement]]
    params: Callable[[User, object], dict[str, object]]
    remember: Callable[[User, object, Sequence], None]


_prefetches: list[Prefetch] = []
_built: list[tuple[Prefetch, list[ColumnElement]]] | None = None


def add_guard(guard: Guard, prefetch: Prefetch | None = None) -> Guard:
    global _built
    _guards.append(guard)
    if prefetch is not None:
        _prefetches.append(prefetch)
        _built = None
    return guard


def _prefetch_columns() -> list[tuple[Prefetch, list[ColumnElement]]]:
    global _built
    if _built is None:
        _built = [(prefetch, list(prefetch.columns())) for prefetch in _prefetches]
    return _built


def guard_columns() -> list[ColumnElement]:
    """The columns that answer every guard ahead, to add to a statement the caller runs anyway.
    The same objects every time, so a statement built with them can be kept and reused; their
    parameters and what to do with their values come from ``guard_answers``."""
    return [column for _prefetch, columns in _prefetch_columns() for column in columns]


def guard_answers(user, process) -> tuple[dict[str, object], Callable[[Sequence], None]]:
    """The parameters of ``guard_columns`` for ``user`` in ``process``, and the function to hand
    the columns' values to (in their order) once the statement ran."""
    built = _prefetch_columns()
    params: dict[str, object] = {}
    for prefetch, _columns in built:
        params.update(prefetch.params(user, process))

    def remember(values: Sequence) -> None:
        start = 0
        for prefetch, columns in built:
            prefetch.remember(user, process, values[start : start + len(columns)])
            start += len(columns)

    return params, remember


def check_may_write(author: User, process) -> None:
    for guard in _guards:
        guard(author, process)


def participation_refusal(user, process) -> str | None:
    """Why ``user`` may not take part in ``process`` at all (a block), or None.

    Asked by the processes' contribution gate, so that a guard covers every act of participation
    (proposing, commenting, supporting, reacting, answering, reporting), not only new texts.
    """
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        check_may_write(user, process)
    except ContributionRefused as exc:
        return str(exc)
    return None


def start_contribution(
    author: User,
    process,
    kind: str,
    *,
    anonymous: bool = False,
) -> Contribution:
    """A new contribution row of ``kind`` in ``process``, with the author's trialog group now.

    Processes with pre-moderation start contributions as pending. ``anonymous`` stores the group but
    no link to the account (answers to anonymous surveys).
    """
    check_may_write(author, process)
    contribution = Contribution(
        municipality_id=process.municipality_id,
        process_id=process.id,
        author=None if anonymous else author,
        author_group=author.group_in(process.municipality),
        kind=kind,
        visibility=(
            Visibility.PENDING if getattr(process, "premoderated", False) else Visibility.VISIBLE
        ),
    )
    db.session.add(contribution)
    db.session.flush()
    return contribution


def mark_edited(contribution: Contribution) -> None:
    contribution.edited_at = utcnow()


def new_thread(process) -> Thread:
    thread = Thread(municipality_id=process.municipality_id, process_id=process.id)
    db.session.add(thread)
    db.session.flush()
    return thread


def change_comment_count(thread_id: int, delta: int) -> None:
    """Atomic in the database, so concurrent comments never lose a count."""
    db.session.execute(
        update(Thread)
        .where(Thread.id == thread_id)
        .values(comment_count=Thread.comment_count + delta)
        .execution_options(synchronize_session=False)
    )
