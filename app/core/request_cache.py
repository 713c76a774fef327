"""Answers computed once per request: the phase gate, permission checks, formatted dates.

A proposal page with 50 comments asked the same questions hundreds of times while rendering (may
this visitor write in this process? 261 permission checks recomputed the phase gate 105 times) and
formatted the same moments again and again. Within one request the answers cannot change in a way
the page could show, so the first answer is kept with the request and reused.

``memo`` keeps answers about the state of the database (gates, permissions) only on reading
requests (GET, HEAD), and forgets everything it kept as soon as the request writes anyway (any
flush, any ORM insert, update or delete): a request that changes something may ask again after its
change and must get the new answer. ``pure_memo`` keeps answers that depend only on their key
(formatting a date), in any request. Outside a request (jobs, the shell, tests calling services)
nothing is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import datetime
from typing import TypeVar

from flask import has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session

T = TypeVar("T")
READING = frozenset({"GET", "HEAD"})


_KEY = "trialog.request_memo"


def _store() -> dict:
    """This request's memory, in its WSGI environ: not in ``g``, which a test's surrounding app
    context would share between requests."""
    return request.environ.setdefault(_KEY, {})


def pure_memo(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, once per request for ``key``; for answers that depend on the key alone."""
    if not has_request_context():
        return compute()
    store = _store()
    try:
        return store[key]
    except KeyError:
        value = store[key] = compute()
        return value
    except TypeError:  # an unhashable part in the key: no caching
        return compute()


def memo(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, once per reading request for ``key``; fresh every time in other requests."""
    if not has_request_context() or request.method not in READING:
        return compute()
    return pure_memo(key, compute)


def memo_in_time(
    key: Hashable,
    now: datetime,
    compute: Callable[[], T],
    changes_at: Callable[[T], datetime | None],
) -> T:
    """``memo`` for an answer about a moment: reused for a later ``now`` of the same request until
    the moment the answer itself says it changes (``changes_at``; None: it does not)."""
    if not has_request_context() or request.method not in READING:
        return compute()
    store = _store()
    entry = store.get(key)
    if entry is not None:
        since, until, value = entry
        try:
            if since <= now and (until is None or now < until):
                return value
        except TypeError:  # a moment without a zone beside one with: not comparable, ask again
            pass
    value = compute()
    store[key] = (now, changes_at(value), value)
    return value


# An id no row has: it stands for the id while ``url_for_ids`` builds an address once.
_ANY_ID = 918_273_645_546_372_819


def url_for_ids(endpoint: str, name: str, **values) -> Callable[[int], str]:
    """``url_for(endpoint, **{name: id}, **values)`` for any id, built once per request.

    A list links dozens of rows to the same endpoint; werkzeug builds each address anew (about
    10 µs). This builds one with a stand-in id and puts each id in its place: the same address,
    since an integer converter writes the id as it is. Where the id is not a plain part of the
    path, every address is built by ``url_for`` as before.
    """
    from flask import url_for

    def build() -> Callable[[int], str]:
        built = url_for(endpoint, **{name: _ANY_ID}, **values)
        head, found, tail = built.partition(str(_ANY_ID))
        if not found or str(_ANY_ID) in tail:
            return lambda ident: url_for(endpoint, **{name: ident}, **values)
        return lambda ident: f"{head}{ident}{tail}"

    return pure_memo(("url_for_ids", endpoint, name, tuple(sorted(values.items()))), build)


def row_key(row) -> tuple | None:
    """The part of a key that names a database row: only rows loaded in the session (a
    transient object may share its id with another one), else None (do not remember)."""
    ident = getattr(row, "id", None)
    if not isinstance(ident, int):
        return None
    state = inspect(row, raiseerr=False)
    if state is None or not state.persistent:
        return None
    return (type(row).__name__, ident)


def user_key(user) -> Hashable | None:
    """The part of a key that says who asks ("anonymous" for visitors; None: do not remember)."""
    if not getattr(user, "is_authenticated", False):
        return "anonymous"
    return row_key(user)


def format_date_once(value, format: str | None = None, **kwargs):
    """The ``date`` filter: Babel's ``format_date``, once per value and format in a request."""
    from flask_babel import format_date, get_locale

    if value is None or kwargs:
        return format_date(value, format, **kwargs)
    key = ("date", value, format, str(get_locale()))
    return pure_memo(key, lambda: format_date(value, format))


def format_datetime_once(value, format: str | None = None, **kwargs):
    """The ``datetime`` filter: Babel's ``format_datetime``, once per value and format."""
    from flask_babel import format_datetime, get_locale

    if value is None or kwargs:
        return format_datetime(value, format, **kwargs)
    key = ("datetime", value, format, str(get_locale()))
    return pure_memo(key, lambda: format_datetime(value, format))


# --- forgetting on writes -------------------------------------------------------------------------


def forget() -> None:
    """Drop what this request remembered (its answers may be out of date now)."""
    if has_request_context():
        request.environ.pop(_KEY, None)


def _after_flush(_session, _context) -> None:
    forget()


def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        forget()


if not event.contains(Session, "after_flush", _after_flush):
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "do_orm_execute", _on_execute)
