"""Who owns a thread, and where its page is: a registry the commentable domains fill.

A thread row does not know what it belongs to. Each kind of commentable object (a process's own
discussion, a proposal, an outcome, ...) registers a resolver that, for a batch of thread ids, finds
those it owns with one query and returns the page the thread is shown on and a short title. Permalinks,
"my contributions" and the moderation queue ask every resolver once per batch, so their query count
depends on the number of owner kinds, never on the number of comments.

Usage (in the owner's package, at import time)::

    from app.comments.owners import ThreadOwner, register_thread_owner

    def _proposal_threads(thread_ids):
        rows = db.session.execute(select(Proposal.thread_id, Proposal.id, ...).where(...))
        return {row.thread_id: ThreadOwner(url=..., title=row.title) for row in rows}

    register_thread_owner("proposal", _proposal_threads)

The URL is the owner's page; comment links add ``comments_page`` and the ``#comment-<id>`` anchor.

An owner may also close some of its threads for writing while they stay readable (a draft text's
superseded version): it registers ``closed``, which for a batch of thread ids returns those it owns
and has closed, each with the reason shown instead of the form. The comment system asks
``closed_reason`` before anyone writes, replies or reacts, so no owner needs a rule of its own in
the comments domain.

An owner may also say, as SQL, which of its threads a person may read (``readable``: the user and
a thread-id column -> ``SELECT`` statements of that thread id from the owner's tables, correlated to the
column, each answered by an index probe; the process's own gate, ``process.view``, is the caller's
part). The registry joins every owner's selects into one ``EXISTS (... UNION ALL ...)``: PostgreSQL
evaluates that per candidate row, where ``OR``-ed ``EXISTS`` would each become a hashed subplan
that reads every proposal of the city before the first comment is checked. Search finds the comments of every thread some owner declares readable,
inside its query, so a new kind of commentable object becomes searchable by registering this hook,
and threads of an owner without it are never found (deny by default).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, false, union_all

from app.core import request_cache


@dataclass(frozen=True)
class ThreadOwner:
    url: str  # the page that shows the thread (via the ``comment_thread`` Jinja global)
    title: str  # what the thread is about, plain text (escaped on output)


Resolver = Callable[[list[int]], dict[int, ThreadOwner]]
# (thread ids) -> {thread id: reason} for the threads of this owner that are closed for writing
Closed = Callable[[list[int]], dict[int, str]]
# (user, thread-id column) -> SELECTs that yield the thread id if the thread is this owner's and its
# page is readable to the user, given that the user reads the thread's process
Readable = Callable[[Any, ColumnElement[int]], list[Select]]
_OWNERS: dict[str, Resolver] = {}
_CLOSED: dict[str, Closed] = {}
_READABLE: dict[str, Readable] = {}


def register_thread_owner(
    kind: str,
    resolve: Resolver,
    *,
    closed: Closed | None = None,
    readable: Readable | None = None,
) -> Resolver:
    """Register the resolver of one owner kind (and, if its threads can close, who says so; if its
    comments may be found by search, which threads a person reads); a kind registers once."""
    if kind in _OWNERS:
        raise ValueError(f"thread owner {kind!r} is registered twice")
    _OWNERS[kind] = resolve
    if closed is not None:
        _CLOSED[kind] = closed
    if readable is not None:
        _READABLE[kind] = readable
    return resolve


def readable_thread(user, thread_id: ColumnElement[int]) -> ColumnElement[bool]:
    """The condition that the thread ``thread_id`` (a column of the caller's query) belongs to an
    owner that lets ``user`` read its page: the owners' hooks joined with OR.

    The caller adds its own process gate; an owner kind without the hook contributes nothing, so
    its threads stay unfound (``false`` when no kind has one).
    """
    selects = [one for readable in _READABLE.values() for one in readable(user, thread_id)]
    if not selects:
        return false()
    return union_all(*selects).exists() if len(selects) > 1 else selects[0].exists()


def owner_kinds() -> list[str]:
    return list(_OWNERS)


def resolve_owners(thread_ids: Iterable[int]) -> dict[int, ThreadOwner]:
    """The owner of each thread id that some registered kind owns; one call per kind."""
    wanted = sorted(set(thread_ids))
    found: dict[int, ThreadOwner] = {}
    for resolve in _OWNERS.values():
        if not wanted:
            break
        owned = resolve(wanted)
        found.update(owned)
        wanted = [thread_id for thread_id in wanted if thread_id not in owned]
    return found


def closed_threads(thread_ids: Iterable[int]) -> dict[int, str]:
    """The threads among ``thread_ids`` that their owner has closed for writing, with the reason;
    one call per owner kind that can close threads (none for the others)."""
    wanted = sorted(set(thread_ids))
    found: dict[int, str] = {}
    for closed in _CLOSED.values():
        if not wanted:
            break
        shut = closed(wanted)
        found.update(shut)
        wanted = [thread_id for thread_id in wanted if thread_id not in shut]
    return found


def closed_reason(thread_id: int, kind: str | None = None) -> str | None:
    """Why nobody may write in ``thread_id`` any more (its owner says so), or None while open.

    A thread page asks this for every comment's reply and reaction buttons; a reading request
    keeps the answer per thread (``app.core.request_cache``). ``kind``: the owner kind the caller
    knows the thread belongs to (the page that shows it); then only that owner is asked, and a
    kind that closes no threads asks nobody.
    """
    if not _CLOSED:
        return None
    if kind is not None and kind not in _OWNERS:
        raise ValueError(f"no thread owner {kind!r} is registered")

    def ask() -> str | None:
        if kind is None:
            return closed_threads([thread_id]).get(thread_id)
        closed = _CLOSED.get(kind)
        return closed([thread_id]).get(thread_id) if closed is not None else None

    return request_cache.memo(("thread_closed", thread_id), ask)
