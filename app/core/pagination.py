"""Pagination of ``select`` statements, with bounds that survive hostile page numbers.

A page asks the database for one row more than it shows: if that row does not come, the page is
the last one and the total is known without counting (most lists of a municipality fit on one
page). Only a full page with more behind it runs ``count(*)``, unless the caller passes a total it
keeps anyway (``total=``), which then is taken as it is.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app, request
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import Select
from sqlalchemy.orm import lazyload

from app.extensions import db

MAX_PAGE = 10_000


def requested_page() -> int:
    """The ``page`` query argument, clamped to 1..MAX_PAGE (garbage counts as 1)."""
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), MAX_PAGE)


class Page(SelectPagination):
    """Flask-SQLAlchemy's page of a ``select`` (same attributes for templates and the pager),
    which counts only when the rows it fetched cannot tell the total."""

    def _query_items(self) -> list[Any]:
        select = self._query_args["select"]
        session = self._query_args["session"]
        statement = select.limit(self.per_page + 1).offset(self._query_offset)
        rows = list(session.execute(statement, self._query_args["params"]).unique().scalars())
        self._more = len(rows) > self.per_page
        return rows[: self.per_page]

    def _query_count(self) -> int:
        known = self._query_args.get("total")
        if known is not None:
            return known
        if not self._more and (self.items or self.page == 1):
            return self._query_offset + len(self.items)  # the last page: nothing to count
        select = self._query_args["select"]
        sub = select.options(lazyload("*")).order_by(None).subquery()
        session = self._query_args["session"]
        counting = sa.select(sa.func.count()).select_from(sub)
        return session.execute(counting, self._query_args["params"]).scalar()


def paginate(
    statement: Select,
    per_page: int | None = None,
    total: int | None = None,
    params: dict | None = None,
) -> Page:
    """Page ``requested_page()`` of ``statement``; ``total``: a kept count of all its rows;
    ``params``: values of the statement's bound parameters (a statement built once and kept)."""
    return Page(
        select=statement,
        session=db.session(),
        page=requested_page(),
        per_page=per_page or current_app.config["PER_PAGE"],
        max_per_page=None,
        error_out=False,
        total=total,
        params=params or {},
    )
