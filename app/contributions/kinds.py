"""The registry of contribution kinds.

A kind (proposal, comment, survey answer, ...) registers how moderation and "my contributions" show
one of its contributions: a label and a function that, for a batch of contribution ids, returns a
short title, an excerpt and the URL where the contribution stands. Batches keep the moderation queue's
query count independent of its length.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask_babel import LazyString


@dataclass(frozen=True)
class Shown:
    title: str
    excerpt: str
    url: str


@dataclass(frozen=True)
class Kind:
    key: str
    label: LazyString | str
    describe: Callable[[Iterable[int]], dict[int, Shown]]


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


def describe(contributions: Iterable) -> dict[int, Shown]:
    """Titles, excerpts and URLs for contributions of any kinds, one batch per kind."""
    by_kind: dict[str, list[int]] = {}
    for contribution in contributions:
        by_kind.setdefault(contribution.kind, []).append(contribution.id)
    shown: dict[int, Shown] = {}
    for key, ids in by_kind.items():
        registered = _KINDS.get(key)
        if registered is not None:
            shown.update(registered.describe(ids))
    return shown
