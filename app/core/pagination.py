"""Pagination of ``select`` statements, with bounds that survive hostile page numbers."""

from __future__ import annotations

from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from app.extensions import db

MAX_PAGE = 10_000


def requested_page() -> int:
    """The ``page`` query argument, clamped to 1..MAX_PAGE (garbage counts as 1)."""
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), MAX_PAGE)


def paginate(statement: Select, per_page: int | None = None) -> Pagination:
    return db.paginate(
        statement,
        page=requested_page(),
        per_page=per_page or current_app.config["PER_PAGE"],
        error_out=False,
    )
