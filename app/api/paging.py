"""Pages of API lists: offset pages for short lists, keyset pages for long ones, and Link headers.

A keyset page continues after the last row of the previous page (``WHERE (sort key, id) < (…)``),
so page 2,000 costs one indexed range scan like page 1. The cursor is the last row's sort key and id,
base64-encoded JSON: opaque to clients, checked on the way in.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import request, url_for
from flask_babel import gettext as _
from sqlalchemy import Select, and_, func, or_, select

from app.api.errors import ApiError
from app.extensions import db


@dataclass(frozen=True)
class Key:
    """One sort key of a keyset list: the column, its JSON type, and its direction."""

    column: Any
    kind: str  # "int" or "datetime"
    descending: bool


def encode_cursor(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, keys: Sequence[Key]) -> list[Any]:
    """The cursor's values, typed as ``keys`` say; a malformed cursor is the client's 400."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != len(keys):
            raise ValueError
        typed: list[Any] = []
        for value, key in zip(values, keys, strict=True):
            if key.kind == "datetime":
                if not isinstance(value, str):
                    raise ValueError
                moment = datetime.fromisoformat(value)
                if moment.tzinfo is None:
                    raise ValueError
                typed.append(moment)
            elif isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**62:
                typed.append(value)
            else:
                raise ValueError
        return typed
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError):
        raise ApiError(
            400, _("This page position is not valid."), errors={"cursor": ["invalid"]}
        ) from None


def _after(keys: Sequence[Key], values: Sequence[Any]):
    """SQL: rows that come after ``values`` in the order ``keys`` give (ties broken by later keys)."""
    clauses = []
    for index, key in enumerate(keys):
        equal = [keys[i].column == values[i] for i in range(index)]
        beyond = key.column < values[index] if key.descending else key.column > values[index]
        clauses.append(and_(*equal, beyond))
    return or_(*clauses)


@dataclass
class KeysetPage:
    items: list[Any]
    per_page: int
    next_cursor: str | None


def keyset_page(
    statement: Select, keys: Sequence[Key], row_values, per_page: int, cursor: str | None
) -> KeysetPage:
    """One page of ``statement`` ordered by ``keys``; ``row_values(item)`` gives an item's key."""
    if cursor:
        statement = statement.where(_after(keys, decode_cursor(cursor, keys)))
    ordering = [k.column.desc() if k.descending else k.column.asc() for k in keys]
    rows = list(
        db.session.scalars(statement.order_by(None).order_by(*ordering).limit(per_page + 1))
        .unique()
        .all()
    )
    more = len(rows) > per_page
    items = rows[:per_page]
    next_cursor = encode_cursor(row_values(items[-1])) if more and items else None
    return KeysetPage(items, per_page, next_cursor)


@dataclass
class OffsetPage:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def offset_page(statement: Select, page: int, per_page: int) -> OffsetPage:
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    items = list(
        db.session.scalars(statement.limit(per_page).offset((page - 1) * per_page)).unique().all()
    )
    return OffsetPage(items, page, per_page, total or 0)


def _link(rel: str, **changes: Any) -> str:
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items() if v is not None})
    for name, value in changes.items():
        if value is None:
            args.pop(name, None)
    url = url_for(request.endpoint, **(request.view_args or {}), **args, _external=True)
    return f'<{url}>; rel="{rel}"'


def keyset_links(page: KeysetPage) -> dict[str, str]:
    links = [_link("first", cursor=None)]
    if page.next_cursor:
        links.append(_link("next", cursor=page.next_cursor))
    return {"Link": ", ".join(links)}


def offset_links(page: OffsetPage) -> dict[str, str]:
    links = [_link("first", page=1), _link("last", page=page.pages)]
    if page.page > 1:
        links.append(_link("prev", page=min(page.page - 1, page.pages)))
    if page.page < page.pages:
        links.append(_link("next", page=page.page + 1))
    return {"Link": ", ".join(links)}
