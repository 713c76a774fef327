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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ThreadOwner:
    url: str  # the page that shows the thread (via the ``comment_thread`` Jinja global)
    title: str  # what the thread is about, plain text (escaped on output)


Resolver = Callable[[list[int]], dict[int, ThreadOwner]]
_OWNERS: dict[str, Resolver] = {}


def register_thread_owner(kind: str, resolve: Resolver) -> Resolver:
    """Register the resolver of one owner kind; a kind registers once."""
    if kind in _OWNERS:
        raise ValueError(f"thread owner {kind!r} is registered twice")
    _OWNERS[kind] = resolve
    return resolve


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
