"""Pages of the proposal list that cost on page 2,000 what they cost on page 1.

An ``OFFSET`` page reads and throws away every row before it, and an exact ``count(*)`` reads all of
them, so both grow with the process. Here:

- The default (random), newest and most supported orders are **keyset** pages: the link to the next
  page carries the last row's sort key and id (the previous link the first row's), and the page is
  one range scan of an index ending in ``id`` (``(process, created_at, id)``, ``(process,
  support_count, id)``, ``(process, random_key, id)``).
- The **random order** is each proposal's stored ``random_key``, walked from the visitor's own
  starting point (from the seed in their session) to the end of the index, then from its beginning
  up to the starting point: two range scans at most, never a sort of the process. The starting
  point travels in the page links, so a shared link shows the same page to everyone.
- The **total** is the kept count (``app.proposals.counts``) when only status and group filter
  the list; a text, category or map filter counts its matches up to ``MAX_COUNTED`` and says
  "more than" beyond.
- Old ``?page=N`` links keep working (by offset, at offset cost), and the "most commented" order
  keeps numbered pages.

A page token is dot-separated integers: the page's number, then the row's sort values (for the
random order, first the starting point). A token that does not parse counts as no token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, and_, func, select, tuple_

from app.core.pagination import MAX_PAGE
from app.extensions import db
from app.processes.models import Process
from app.proposals import search
from app.proposals.counts import kept_total
from app.proposals.models import RANDOM_KEYS, Proposal
from app.proposals.search import Filters, Sort

MAX_COUNTED = 1000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
KEYSET_SORTS = frozenset({Sort.RANDOM, Sort.NEWEST, Sort.SUPPORTS})


@dataclass
class ListPage:
    """One page of the list, what it shows of the whole, and the query arguments of its neighbours."""

    items: list[Proposal]
    number: int
    per_page: int
    total: int  # exact, or MAX_COUNTED + 1 when there are more than MAX_COUNTED
    total_exact: bool
    next_args: dict[str, str | int] | None = None
    prev_args: dict[str, str | int] | None = None
    numbered: bool = False  # numbered pages (``?page=N``) instead of tokens

    @property
    def more_than(self) -> int | None:
        return None if self.total_exact else MAX_COUNTED

    @property
    def pages(self) -> int | None:
        if not self.total_exact:
            return None
        return max(1, -(-self.total // self.per_page))


# --- tokens -------------------------------------------------------------------------------------


def _micros(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // timedelta(microseconds=1)


def _values(proposal: Proposal, sort: Sort, start: int) -> list[int]:
    if sort == Sort.NEWEST:
        return [_micros(proposal.created_at), proposal.id]
    if sort == Sort.SUPPORTS:
        return [proposal.support_count, proposal.id]
    return [start, proposal.random_key, proposal.id]


def _token(number: int, values: list[int]) -> str:
    return ".".join(str(v) for v in (number, *values))


def parse_token(token: str | None, sort: Sort) -> tuple[int, list] | None:
    """(page number, sort values) of a token, typed for ``sort``; None for anything malformed."""
    if not token or len(token) > 120:
        return None
    parts = token.split(".")
    wanted = 4 if sort == Sort.RANDOM else 3
    if len(parts) != wanted or not all(p.isdigit() for p in parts):
        return None
    number, *values = (int(p) for p in parts)
    if not 1 <= number <= MAX_PAGE or any(v >= 2**62 for v in values):
        return None
    if sort == Sort.NEWEST:
        try:
            values[0] = EPOCH + timedelta(microseconds=values[0])
        except OverflowError:
            return None
    if sort == Sort.RANDOM and (values[0] >= RANDOM_KEYS or values[1] >= RANDOM_KEYS):
        return None
    return number, values


# --- fetching -----------------------------------------------------------------------------------


def _keys(sort: Sort):
    return {
        Sort.NEWEST: (Proposal.created_at, Proposal.id),
        Sort.SUPPORTS: (Proposal.support_count, Proposal.id),
        Sort.RANDOM: (Proposal.random_key, Proposal.id),
    }[sort]


def _segments(sort: Sort, start: int, values: list | None, backwards: bool) -> list[tuple]:
    """(condition, forward?) range scans that together give the rows after (or before) ``values``
    in the list's order, nearest first; ``forward`` is the order's own direction."""
    keys = tuple_(*_keys(sort))
    descending = sort != Sort.RANDOM
    if sort != Sort.RANDOM:
        if values is None:
            return [(None, True)]
        bound = tuple_(*values)
        later = keys < bound if descending else keys > bound
        earlier = keys > bound if descending else keys < bound
        return [(earlier, False)] if backwards else [(later, True)]
    first = Proposal.random_key >= start  # from the starting point to the end of the index
    wrapped = Proposal.random_key < start  # then from its beginning up to the starting point
    if values is None:
        return [(first, True), (wrapped, True)]
    _start, key, ident = values
    bound = tuple_(key, ident)
    in_first = key >= start
    if backwards:
        if in_first:
            return [(and_(first, keys < bound), False)]
        return [(and_(wrapped, keys < bound), False), (first, False)]
    if in_first:
        return [(and_(first, keys > bound), True), (wrapped, True)]
    return [(and_(wrapped, keys > bound), True)]


def _fetch(base: Select, sort: Sort, segments: list[tuple], limit: int) -> list[Proposal]:
    columns = _keys(sort)
    descending = sort != Sort.RANDOM
    rows: list[Proposal] = []
    for condition, forward in segments:
        if len(rows) >= limit:
            break
        query = base.order_by(None)
        if condition is not None:
            query = query.where(condition)
        down = descending if forward else not descending
        ordering = [c.desc() if down else c.asc() for c in columns]
        rows += db.session.scalars(query.order_by(*ordering).limit(limit - len(rows))).unique()
    return rows


def _total(process: Process, filters: Filters, base: Select) -> tuple[int, bool]:
    if filters.text or filters.category_id or filters.located:
        matches = (
            base.with_only_columns(Proposal.id).order_by(None).limit(MAX_COUNTED + 1).subquery()
        )
        found = db.session.scalar(select(func.count()).select_from(matches)) or 0
        return found, found <= MAX_COUNTED
    return kept_total(process.id, status=filters.status, group=filters.group), True


def list_page(
    process: Process,
    filters: Filters,
    *,
    seed: int,
    per_page: int,
    page: int = 1,
    after: str | None = None,
    before: str | None = None,
) -> ListPage:
    """The page the visitor asked for: by token (``after``/``before``), else by number."""
    base = search.listing(process, filters, seed)
    total, exact = _total(process, filters, base)
    sort = filters.sort
    if sort not in KEYSET_SORTS or (page > 1 and not (after or before)):
        return _numbered(base, sort, seed, per_page, page, total, exact)
    start = search.random_start(seed)
    backwards = False
    values = None
    number = 1
    parsed = parse_token(after, sort) or parse_token(before, sort)
    if parsed is not None:
        number, values = parsed
        backwards = parse_token(after, sort) is None
        if sort == Sort.RANDOM:
            start = values[0]
    rows = _fetch(base, sort, _segments(sort, start, values, backwards), per_page + 1)
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()
        has_prev, has_next = more, True
        if not more:
            number = 1
    else:
        has_prev, has_next = values is not None, more
        number = number if values is not None else 1
    result = ListPage(rows, number, per_page, total, exact)
    if rows and has_next:
        result.next_args = {"after": _token(number + 1, _values(rows[-1], sort, start))}
    if rows and has_prev:
        result.prev_args = {"before": _token(max(1, number - 1), _values(rows[0], sort, start))}
    return result


def _numbered(
    base: Select, sort: Sort, seed: int, per_page: int, page: int, total: int, exact: bool
) -> ListPage:
    """An offset page (``?page=N``): old links, and the "most commented" order."""
    rows = list(db.session.scalars(base.limit(per_page + 1).offset((page - 1) * per_page)).unique())
    more = len(rows) > per_page
    rows = rows[:per_page]
    result = ListPage(rows, page, per_page, total, exact, numbered=sort not in KEYSET_SORTS)
    start = search.random_start(seed)
    if sort in KEYSET_SORTS and rows:  # from here on, tokens again
        if more:
            result.next_args = {"after": _token(page + 1, _values(rows[-1], sort, start))}
        if page > 1:
            result.prev_args = {"before": _token(page - 1, _values(rows[0], sort, start))}
    else:
        if more:
            result.next_args = {"page": page + 1}
        if page > 1:
            result.prev_args = {"page": page - 1}
    return result
