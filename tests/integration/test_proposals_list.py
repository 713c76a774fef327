"""Finding proposals: sorting by kept counters, a random order stable per visitor, filters,
full-text search (PostgreSQL with its index, SQLite with LIKE), the map view, and query counts that
do not grow with the list."""

from __future__ import annotations

import re
from datetime import timedelta

import proposals_support
import pytest
from proposals_support import Town, create_proposal
from sqlalchemy import select, text, update

from app.contributions.models import Contribution, Thread, Visibility
from app.core.time import utcnow
from app.extensions import db
from app.proposals.models import Proposal, ProposalCategory, ProposalStatus

town = proposals_support.town  # the fixture

CARD_ID = re.compile(r'<li class="card proposal-card[^"]*" id="proposal-(\d+)"')


def _ids(client, url: str) -> list[int]:
    response = client.get(url)
    assert response.status_code == 200, url
    return [int(i) for i in CARD_ID.findall(response.get_data(as_text=True))]


def _set(app, proposal_id: int, **values) -> None:
    with app.app_context():
        db.session.execute(update(Proposal).where(Proposal.id == proposal_id).values(**values))
        db.session.commit()


def _comments(app, proposal_id: int, count: int) -> None:
    with app.app_context():
        thread_id = db.session.get(Proposal, proposal_id).thread_id
        db.session.execute(update(Thread).where(Thread.id == thread_id).values(comment_count=count))
        db.session.commit()


def _three(app, town: Town) -> list[int]:
    now = utcnow()
    ids = [
        create_proposal(
            app,
            town.process,
            town.users["citizen"],
            xss=False,
            title=f"Vorschlag {n}",
            created_at=now - timedelta(days=3 - n),
        )
        for n in range(3)
    ]
    return ids


def test_sort_newest_first(app, client, town: Town):
    a, b, c = _three(app, town)
    assert _ids(client, f"{town.base}?sort=newest") == [c, b, a]


def test_sort_by_supports_uses_the_kept_counter(app, client, town: Town):
    a, b, c = _three(app, town)
    _set(app, a, support_count=5)
    _set(app, c, support_count=9)
    assert _ids(client, f"{town.base}?sort=supports") == [c, a, b]


def test_sort_by_comments_uses_the_threads_kept_counter(app, client, town: Town):
    a, b, c = _three(app, town)
    _comments(app, b, 7)
    _comments(app, a, 2)
    assert _ids(client, f"{town.base}?sort=comments") == [b, a, c]


def test_unknown_sort_and_filter_values_are_ignored(app, client, town: Town):
    ids = _three(app, town)
    for query in (
        "sort=evil",
        "status=nonsense",
        "group=x",
        "category=abc",
        "page=-4",
        "q=" + "x" * 300,
        "process_slug=other&slug=x&page=2",  # not list arguments: ignored, never a 500
    ):
        assert sorted(_ids(client, f"{town.base}?{query}")) in (sorted(ids), []), query


def test_random_order_is_stable_per_visitor_across_pages(app, client, town: Town):
    app.config["PER_PAGE"] = 5
    try:
        ids = [
            create_proposal(app, town.process, town.users["citizen"], xss=False, title=f"V {n}")
            for n in range(12)
        ]
        pages = [_ids(client, f"{town.base}?page={n}") for n in (1, 2, 3)]
        again = [_ids(client, f"{town.base}?page={n}") for n in (1, 2, 3)]
    finally:
        app.config["PER_PAGE"] = 20
    seen = [i for page in pages for i in page]
    assert sorted(seen) == sorted(ids)  # every proposal once, none twice across pages
    assert pages == again  # the same visitor sees the same order
    assert seen != sorted(ids) and seen != sorted(ids, reverse=True)


def test_random_order_differs_between_logged_in_visitors(app, town: Town, login):
    for n in range(12):
        create_proposal(app, town.process, town.users["citizen"], xss=False, title=f"V {n}")
    clients = [login(app.test_client(), town.users["citizen"]) for _ in range(6)]
    orders = {tuple(_ids(client, town.base)) for client in clients}
    assert len(orders) > 1


def test_anonymous_visitors_share_an_order_that_moves_on(app, town: Town, monkeypatch):
    """One order for every anonymous visitor at a time (so the page can be kept in the page cache
    and sets no cookie), a new one every ``SHARED_SEED_SECONDS``."""
    from app.proposals import views

    for n in range(12):
        create_proposal(app, town.process, town.users["citizen"], xss=False, title=f"V {n}")
    start = utcnow()
    monkeypatch.setattr(views, "utcnow", lambda: start)
    now = {tuple(_ids(app.test_client(), town.base)) for _ in range(3)}
    assert len(now) == 1
    assert "Set-Cookie" not in app.test_client().get(town.base).headers
    later = set()
    for period in range(1, 6):
        moment = start + timedelta(seconds=period * views.SHARED_SEED_SECONDS)
        monkeypatch.setattr(views, "utcnow", lambda moment=moment: moment)
        later.add(tuple(_ids(app.test_client(), town.base)))
    assert later - now


def test_filter_by_category_status_and_group(app, client, town: Town):
    with app.app_context():
        category = ProposalCategory(process_id=town.process.id, name="Grün")
        db.session.add(category)
        db.session.commit()
        category_id = category.id
    by_citizen = create_proposal(app, town.process, town.users["citizen"], xss=False)
    by_council = create_proposal(
        app, town.process, town.users["council"], xss=False, category_id=category_id
    )
    accepted = create_proposal(
        app, town.process, town.users["staff"], xss=False, status=ProposalStatus.ACCEPTED
    )
    withdrawn = create_proposal(
        app, town.process, town.users["citizen"], xss=False, withdrawn_at=utcnow()
    )
    assert _ids(client, f"{town.base}?category={category_id}") == [by_council]
    assert _ids(client, f"{town.base}?group=council") == [by_council]
    assert sorted(_ids(client, f"{town.base}?group=citizens")) == sorted([by_citizen, withdrawn])
    assert _ids(client, f"{town.base}?status=accepted") == [accepted]
    assert _ids(client, f"{town.base}?status=withdrawn") == [withdrawn]
    assert sorted(_ids(client, f"{town.base}?status=submitted")) == sorted([by_citizen, by_council])
    page = client.get(f"{town.base}?group=facilitation").get_data(as_text=True)
    assert "empty-state" in page


def test_only_published_proposals_are_listed(app, client, town: Town):
    shown = create_proposal(app, town.process, town.users["citizen"], xss=False)
    for visibility in ("pending", "hidden"):
        create_proposal(app, town.process, town.users["citizen"], xss=False, visibility=visibility)
    assert _ids(client, town.base) == [shown]


def test_search_finds_words_in_title_and_description(app, client, town: Town):
    bench = create_proposal(
        app,
        town.process,
        town.users["citizen"],
        xss=False,
        title="Sitzbänke am Brunnen",
        description="Ältere Menschen brauchen Pausen.",
    )
    trees = create_proposal(
        app,
        town.process,
        town.users["citizen"],
        xss=False,
        title="Schatten",
        description="Große Bäume pflanzen",
    )
    assert _ids(client, f"{town.base}?q=Brunnen") == [bench]
    assert _ids(client, f"{town.base}?q=Bäume") == [trees]
    assert _ids(client, f"{town.base}?q=pausen") == [bench]  # case does not matter
    assert _ids(client, f"{town.base}?q=ältere+menschen") == [bench]  # every word must match
    assert _ids(client, f"{town.base}?q=Brunnen+Bäume") == []
    assert _ids(client, f"{town.base}?q=%25") == []  # LIKE wildcards are plain characters


def test_search_on_postgresql_understands_german_word_forms(app, client, town: Town):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("German stemming is PostgreSQL's; SQLite searches substrings")
    trees = create_proposal(
        app, town.process, town.users["citizen"], xss=False, title="Baum", description="Ein Baum."
    )
    assert _ids(client, f"{town.base}?q=Bäumen") == [trees]  # "Bäumen" and "Baum" share a stem
    assert _ids(client, f"{town.base}?q=Baumes") == [trees]


@pytest.mark.postgres
def test_search_on_postgresql_uses_the_german_full_text_index(app, town: Town):
    from app.proposals.search import text_condition

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("needs TEST_DATABASE_URL pointing at PostgreSQL")
        indexes = db.session.scalar(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_proposals_search'")
        )
        assert "gin" in indexes and "to_tsvector('german'::regconfig" in indexes
        # The condition the list uses must be the very expression the index was built on.
        query = select(Proposal.id).where(text_condition("Brunnen"))
        sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        connection = db.session.connection()
        plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {sql}").all())
        assert "ix_proposals_search" in plan, plan


def test_map_view_lists_located_proposals_and_works_without_tiles(app, client, town: Town):
    located = create_proposal(
        app,
        town.process,
        town.users["citizen"],
        xss=False,
        latitude=48.0,
        longitude=7.85,
        address="Marktplatz 3",
    )
    create_proposal(app, town.process, town.users["citizen"], xss=False)
    response = client.get(f"{town.base}?view=map")
    page = response.get_data(as_text=True)
    assert _ids(client, f"{town.base}?view=map") == [located]
    assert 'data-lat="48.0" data-lng="7.85"' in page
    assert "Marktplatz 3" in page
    assert "data-proposal-map" not in page  # no tile server configured: the list alone
    app.config["MAP_TILE_URL"] = "https://tiles.example.org/{z}/{x}/{y}.png"
    try:
        page = client.get(f"{town.base}?view=map").get_data(as_text=True)
    finally:
        app.config["MAP_TILE_URL"] = ""
    assert "data-proposal-map" in page and "vendor/leaflet/leaflet.css" in page


def test_list_query_count_does_not_grow_with_the_proposals(
    app, client, login, count_queries, make_member, town: Town
):
    with app.app_context():
        db.session.add(ProposalCategory(process_id=town.process.id, name="Grün"))
        db.session.commit()
    login(client, town.users["citizen"])

    def add(n: int) -> None:
        for i in range(n):
            author = make_member(town.municipality, xss=False)
            proposal_id = create_proposal(
                app, town.process, author, xss=False, latitude=48.0 + i / 1000, longitude=7.85
            )
            _comments(app, proposal_id, i)

    def measure(url: str) -> int:
        client.get(url)  # warm-up: the session's seed, compiled templates
        with count_queries() as counted:
            assert client.get(url).status_code == 200
        return counted.count

    urls = [town.base, f"{town.base}?sort=comments&q=Bänke", f"{town.base}?view=map"]
    add(2)
    few = [measure(url) for url in urls]
    add(18)
    many = [measure(url) for url in urls]
    assert many == few


def test_the_process_page_links_the_proposals_with_their_count(app, client, town: Town):
    create_proposal(app, town.process, town.users["citizen"], xss=False)
    hidden = create_proposal(app, town.process, town.users["citizen"], xss=False)
    with app.app_context():
        contribution_id = db.session.get(Proposal, hidden).contribution_id
        db.session.get(Contribution, contribution_id).visibility = Visibility.HIDDEN
        db.session.commit()
    page = client.get(f"/{town.municipality.slug}/processes/{town.process.slug}/").get_data(
        as_text=True
    )
    assert f'<a href="{town.base}">' in page
    assert '<span class="count">(1)</span>' in page


def test_empty_list_invites_the_first_proposal(client, login, town: Town):
    login(client, town.users["citizen"])
    page = client.get(town.base).get_data(as_text=True)
    assert 'class="empty-state"' in page
    assert f'href="{town.base}new"' in page
