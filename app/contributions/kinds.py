"""The registry of contribution kinds.

A kind (proposal, comment, survey answer, ...) registers how moderation and "my contributions" show
one of its contributions: a label and a function that, for a batch of contribution ids, returns a
short title, an excerpt and the URL where the contribution stands. Batches keep the moderation queue's
query count independent of its length.

A kind also says who may read one of its contributions (``can_read``): the kind knows where the
text is shown (a proposal page, a thread, a survey's results) and so who sees it there. The
permission rule ``contribution.read`` (``app.contributions.policies``) asks it, and every page that
shows a contribution's text outside its own place asks that rule (``describe(..., reader=user)``).

And a kind says how its writing is announced (``announce``): it sends the domain signal its write
sent (``comment_posted``, ``proposal_submitted``, ...) once more when pre-moderation lets a pending
contribution through (``announce(contribution)``, called by moderation's approval). The first
sending found the contribution pending; the second finds it visible, so receivers (notifications)
do then what they would have done at once without pre-moderation, for any kind, without moderation
or the receivers knowing the kinds. Receivers therefore take a repeated signal as that publication
(they record events with a key that keeps them single).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_request_context
from flask_babel import LazyString
from sqlalchemy import select

from app.core.permissions import allowed
from app.extensions import db

_NOBODY = object()  # ``describe`` without a reader: callers that check reading themselves


@dataclass(frozen=True)
class Shown:
    title: str
    excerpt: str
    url: str
    text: str = ""  # the whole text as written (plain), for snapshots; empty: use the excerpt


@dataclass(frozen=True)
class Kind:
    key: str
    label: LazyString | str
    describe: Callable[[Iterable[int]], dict[int, Shown]]
    # (user, contribution) -> may this person read the text where the kind shows it? Without a
    # hook nobody but the author and the moderators reads it outside its page.
    can_read: Callable[[Any, Any], bool] | None = None
    # (contribution) -> None: send again the signal the contribution's write sent (see above);
    # ``announces`` builds it. Without it, approving the kind's contributions tells nobody.
    announce: Callable[[Any], None] | None = None


_KINDS: dict[str, Kind] = {}


def register_kind(kind: Kind) -> Kind:
    if kind.key in _KINDS:
        raise ValueError(f"contribution kind {kind.key!r} is registered twice")
    _KINDS[kind.key] = kind
    return kind


def kind(key: str) -> Kind | None:
    return _KINDS.get(key)


def all_kinds() -> list[Kind]:
    return list(_KINDS.values())


def announces(model: Any, signal: Any) -> Callable[[Any], None]:
    """The ``announce`` hook of a kind whose rows (``model``, with a ``contribution_id``) were
    announced by ``signal`` (sent with the row as sender) when written."""

    def announce(contribution) -> None:
        row = db.session.scalar(select(model).where(model.contribution_id == contribution.id))
        if row is not None:
            signal.send(row)

    return announce


def announce(contribution) -> None:
    """Pre-moderation published ``contribution``: its kind announces it as its write would have."""
    registered = _KINDS.get(contribution.kind)
    if registered is not None and registered.announce is not None:
        registered.announce(contribution)


def describe(contributions: Iterable, reader: Any = _NOBODY) -> dict[int, Shown]:
    """Titles, excerpts and URLs for contributions of any kinds, one batch per kind.

    With ``reader``, only contributions that person may read (``contribution.read``) are described;
    the others are left out, so pages fall back to a neutral "contribution no. N".
    """
    if reader is not _NOBODY:
        contributions = [c for c in contributions if allowed("contribution.read", reader, c)]
    by_kind: dict[str, list[int]] = {}
    for contribution in contributions:
        by_kind.setdefault(contribution.kind, []).append(contribution.id)
    shown: dict[int, Shown] = {}
    for key, ids in by_kind.items():
        registered = _KINDS.get(key)
        if registered is not None:
            shown.update(registered.describe(ids))
    return shown


def snapshot(contribution) -> str:
    """The contribution's text as it stands now, kept on reports and decisions.

    Services run outside requests too (jobs, the API's tests); the kinds' ``describe`` also builds
    the address of the place, which needs one, so a bare request context stands in for it (the
    address is not kept).
    """
    if not has_request_context():
        with current_app.test_request_context():
            return snapshot(contribution)
    shown = describe([contribution]).get(contribution.id)
    if shown is None:
        return ""
    return shown.text or shown.excerpt
