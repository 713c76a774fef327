"""The registry of participation formats a process can use.

A format (proposals, surveys, comments, later ones) registers itself here: its key, its label, how to
build the address of its page for a process, and what it counts for the process page and reports.
``processes`` lists formats through this registry and never imports a format package, so a new
format touches no existing code.

The three formats the platform is known to get are registered now as placeholders (label only); the
issue that builds one completes its registration with ``register_format`` and so gives it a page.
Until then a process page shows the format as coming, never as a fake link.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, String, cast, literal, select, union_all

from app.extensions import db

if TYPE_CHECKING:
    from sqlalchemy import Select

    from app.processes.models import Process

UrlBuilder = Callable[["Process"], str]
Counter = Callable[[Iterable[int]], dict[int, int]]
CountQuery = Callable[[list[int]], "Select"]


@dataclass(frozen=True)
class Format:
    key: str
    label: Any
    description: Any = ""
    url: UrlBuilder | None = None  # the format's page for a process; None: no page yet
    count: Counter | None = None  # contributions per process id, for all given ids in one query
    # The same figures as a statement of ``(process_id, n)`` rows, so that a page asks every
    # format in one round trip (``counts``); a format without one is asked through ``count``.
    count_query: CountQuery | None = None

    @property
    def has_page(self) -> bool:
        return self.url is not None


_FORMATS: dict[str, Format] = {}


def register_format(fmt: Format) -> Format:
    """Register ``fmt``; a format may replace its own placeholder, never another registration."""
    existing = _FORMATS.get(fmt.key)
    if existing is not None and existing.has_page:
        raise ValueError(f"participation format {fmt.key!r} is registered twice")
    _FORMATS[fmt.key] = fmt
    return fmt


def all_formats() -> list[Format]:
    return list(_FORMATS.values())


def get_format(key: str) -> Format | None:
    return _FORMATS.get(key)


def counts(keys: Iterable[str], process_ids: Iterable[int]) -> dict[str, dict[int, int]]:
    """What each format of ``keys`` counts per process: the formats with a ``count_query`` in one
    ``UNION ALL`` statement, the others through their ``count``; formats that count nothing are
    left out."""
    ids = list(process_ids)
    found: dict[str, dict[int, int]] = {}
    parts = []
    for key in keys:
        fmt = _FORMATS.get(key)
        if fmt is None:
            continue
        if fmt.count_query is not None:
            found[key] = {}
            rows = fmt.count_query(ids).subquery()
            process_id, n = list(rows.c)[:2]
            parts.append(select(literal(key, String), process_id, cast(n, Integer)))
        elif fmt.count is not None:
            found[key] = fmt.count(ids) if ids else {}
    if parts and ids:
        for key, process_id, n in db.session.execute(union_all(*parts)):
            found[key][process_id] = n or 0
    return found


def format_choices() -> list:
    from wtforms.fields.choices import SelectChoice

    return [SelectChoice(fmt.key, fmt.label) for fmt in _FORMATS.values()]


for _placeholder in (
    Format(
        "proposals",
        _l("Proposals"),
        _l("Participants make proposals, support and discuss them; the municipality answers."),
    ),
    Format("surveys", _l("Surveys"), _l("Participants answer a questionnaire.")),
    Format(
        "comments",
        _l("Comments on the process"),
        _l("Participants discuss the process and its documents in comments."),
    ),
):
    register_format(_placeholder)
