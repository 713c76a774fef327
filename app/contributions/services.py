"""Starting contributions and threads; the guards other domains put in front of writing."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import update

from app.accounts.models import User
from app.contributions.models import Contribution, Thread, Visibility
from app.core.time import utcnow
from app.extensions import db


class ContributionRefused(Exception):
    """Writing is refused for a reason the person must be told (the message says which)."""


# Each guard may raise ContributionRefused; moderation registers the check for blocked authors.
Guard = Callable[[User, object], None]
_guards: list[Guard] = []


def add_guard(guard: Guard) -> Guard:
    _guards.append(guard)
    return guard


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
