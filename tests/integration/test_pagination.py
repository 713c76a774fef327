"""Pages of a list: exact totals, counted only when the fetched rows cannot tell them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.pagination import paginate
from app.municipalities.models import Municipality


@pytest.fixture
def towns(make_municipality) -> list[int]:
    return [make_municipality(xss=False, slug=f"paging-{n:02d}").id for n in range(7)]


def _page(app, count_queries, towns, page: int, *, total: int | None = None):
    statement = select(Municipality).where(Municipality.id.in_(towns)).order_by(Municipality.id)
    with app.test_request_context(f"/?page={page}"), count_queries() as counted:
        result = paginate(statement, per_page=3, total=total)
        return result, counted.count, [m.id for m in result.items]


def test_the_last_page_knows_the_total_without_counting(app, count_queries, towns):
    page, statements, ids = _page(app, count_queries, towns, 3)
    assert (page.total, page.pages, ids, statements) == (7, 3, towns[6:], 1)
    assert not page.has_next and page.has_prev


def test_a_single_short_page_is_not_counted(app, count_queries, towns):
    page, statements, _ids = _page(app, count_queries, towns[:2], 1)
    assert (page.total, page.pages, statements) == (2, 1, 1)


def test_a_full_page_with_more_behind_it_counts_exactly(app, count_queries, towns):
    page, statements, ids = _page(app, count_queries, towns, 2)
    assert (page.total, page.pages, ids, statements) == (7, 3, towns[3:6], 2)
    assert page.has_next


def test_a_page_beyond_the_end_counts(app, count_queries, towns):
    page, statements, ids = _page(app, count_queries, towns, 9)
    assert (page.total, ids, statements) == (7, [], 2)


def test_a_kept_total_is_taken_instead_of_counting(app, count_queries, towns):
    page, statements, _ids = _page(app, count_queries, towns, 1, total=7)
    assert (page.total, page.pages, statements) == (7, 3, 1)
