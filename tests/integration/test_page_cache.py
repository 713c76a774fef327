"""The page cache for anonymous visitors (``app.core.page_cache``): who is served a kept page, what
is kept, and that every committed write makes the next visitor see the new state."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from flask import Flask, flash
from sqlalchemy import event, select, update

from app.core import page_cache
from app.core.page_cache import LocalPages, MemoryStore, RedisStore, store_for

HIT = "X-Page-Cache"


@pytest.fixture
def cached_app(app, monkeypatch) -> Iterator[Flask]:
    """A second app on the test database with the page cache in memory; writes meant to
    invalidate go through it (its engine is the one watched)."""
    from app import create_app
    from app.extensions import db

    monkeypatch.setenv("TEST_PAGE_CACHE_URL", "memory://")
    application = create_app("testing")
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def visitor(cached_app):
    return cached_app.test_client()


@pytest.fixture
def town(make_municipality):
    return make_municipality(xss=False, name="Lindenau", slug="lindenau")


def _describe(app: Flask, municipality_id: int, text: str, *, commit: bool = True) -> None:
    from app.extensions import db
    from app.municipalities.models import Municipality

    with app.app_context():
        db.session.execute(
            update(Municipality).where(Municipality.id == municipality_id).values(description=text)
        )
        if commit:
            db.session.commit()
        else:
            db.session.rollback()


def test_an_anonymous_page_is_kept_and_served_again(visitor, town):
    first = visitor.get("/lindenau/")
    second = visitor.get("/lindenau/")
    assert first.status_code == second.status_code == 200
    assert first.headers.get(HIT) is None
    assert second.headers.get(HIT) == "hit"
    assert second.data == first.data
    assert second.headers["Content-Type"] == first.headers["Content-Type"]
    assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert "Set-Cookie" not in first.headers and "Set-Cookie" not in second.headers


def test_a_committed_write_shows_at_once(cached_app, visitor, town):
    visitor.get("/lindenau/")
    _describe(cached_app, town.id, "Neu beschrieben")
    fresh = visitor.get("/lindenau/")
    assert fresh.headers.get(HIT) is None
    assert "Neu beschrieben" in fresh.get_data(as_text=True)


def test_a_rolled_back_write_keeps_the_cache(cached_app, visitor, town):
    store = cached_app.extensions["page_cache"]
    before = store.generation()
    _describe(cached_app, town.id, "Nie gespeichert", commit=False)
    assert store.generation() == before
    visitor.get("/lindenau/")
    assert visitor.get("/lindenau/").headers.get(HIT) == "hit"


def test_the_generation_moves_only_after_the_commit(cached_app, town):
    """A page rendered between the write and its commit would otherwise be kept under the new
    generation and show the old state until the next write."""
    from app.extensions import db

    store = cached_app.extensions["page_cache"]
    seen_at_commit = []
    with cached_app.app_context():
        engine = db.engine
        listener = lambda _conn: seen_at_commit.append(store.generation())  # noqa: E731
        event.listen(engine, "commit", listener)
        try:
            before = store.generation()
            _describe(cached_app, town.id, "Neu")
        finally:
            event.remove(engine, "commit", listener)
    assert seen_at_commit == [before]
    assert store.generation() == before + 1


def test_writes_no_page_shows_keep_the_cache(cached_app, visitor, town):
    from app.core.mail import send_mail
    from app.extensions import db

    store = cached_app.extensions["page_cache"]
    before = store.generation()
    with cached_app.app_context():
        send_mail("someone@example.org", "Betreff", "Text")
        db.session.commit()
    assert store.generation() == before


def test_a_logged_in_visitor_is_never_served_nor_kept(
    cached_app, visitor, town, make_member, login
):
    member = make_member(town, display_name="Erika Mustermann", xss=False)
    visitor.get("/lindenau/")  # kept for anonymous visitors
    login(visitor, member)
    personal = visitor.get("/lindenau/")
    assert personal.headers.get(HIT) is None
    assert "Erika Mustermann" in personal.get_data(as_text=True)
    anonymous = cached_app.test_client().get("/lindenau/")
    assert "Erika Mustermann" not in anonymous.get_data(as_text=True)


def test_a_page_with_a_csrf_token_is_never_kept(cached_app, visitor):
    cached_app.config["WTF_CSRF_ENABLED"] = True
    visitor.get("/login")
    again = visitor.get("/login")
    assert again.headers.get(HIT) is None
    assert 'name="csrf_token"' in again.get_data(as_text=True)


def test_requests_that_get_something_else_bypass_the_cache(cached_app, visitor, town):
    visitor.get("/lindenau/")
    assert visitor.get("/lindenau/").headers.get(HIT) == "hit"
    assert visitor.get("/lindenau/", headers={"HX-Request": "true"}).headers.get(HIT) is None
    assert visitor.get("/lindenau/", headers={"Authorization": "Bearer x"}).headers.get(HIT) is None
    other = cached_app.test_client()
    other.set_cookie("remember_token", "1|abc")
    assert other.get("/lindenau/").headers.get(HIT) is None


def test_a_flashed_message_is_shown_and_not_kept(cached_app, town):
    client = cached_app.test_client()
    client.get("/lindenau/")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Nur für mich")]
    shown = client.get("/lindenau/")
    assert shown.headers.get(HIT) is None
    assert "Nur für mich" in shown.get_data(as_text=True)
    assert "Nur für mich" not in cached_app.test_client().get("/lindenau/").get_data(as_text=True)


def test_each_language_is_kept_apart(cached_app, town):
    german, english = cached_app.test_client(), cached_app.test_client()
    with english.session_transaction() as session:
        session["lang"] = "en"
    german.get("/lindenau/")
    assert german.get("/lindenau/").headers.get(HIT) == "hit"
    page = english.get("/lindenau/")
    assert page.headers.get(HIT) is None
    assert 'lang="en"' in page.get_data(as_text=True)
    english.get("/lindenau/")  # the first answer marked the session (Flask-Login): not kept
    assert english.get("/lindenau/").headers.get(HIT) == "hit"
    assert 'lang="de"' in german.get("/lindenau/").get_data(as_text=True)


def test_each_host_is_kept_apart(visitor, town):
    visitor.get("/lindenau/", base_url="http://a.example")
    assert visitor.get("/lindenau/", base_url="http://b.example").headers.get(HIT) is None


def test_errors_are_never_kept(visitor, town):
    visitor.get("/nirgendwo/")
    assert visitor.get("/nirgendwo/").headers.get(HIT) is None


def test_a_view_can_refuse(cached_app, town):
    @cached_app.get("/__refusing")
    def refusing():
        page_cache.skip()
        return "<p>personal</p>"

    client = cached_app.test_client()
    client.get("/__refusing")
    assert client.get("/__refusing").headers.get(HIT) is None


def test_a_flash_during_the_request_is_not_kept(cached_app, town):
    @cached_app.get("/__flashing")
    def flashing():
        flash("Hallo")
        return "<p>hallo</p>"

    client = cached_app.test_client()
    client.get("/__flashing")
    assert cached_app.test_client().get("/__flashing").headers.get(HIT) is None


def test_a_new_proposal_list_visitor_gets_no_cookie_and_a_kept_list(
    cached_app, visitor, town, make_process
):
    process = make_process(town, slug="markt", formats=("proposals",))
    first = visitor.get(f"/lindenau/processes/{process.slug}/proposals/")
    assert first.status_code == 200
    assert "Set-Cookie" not in first.headers
    assert visitor.get(f"/lindenau/processes/{process.slug}/proposals/").headers.get(HIT) == "hit"


# --- stores -------------------------------------------------------------------------------------


def test_local_pages_expire_and_stay_bounded():
    pages = LocalPages(entries=2, size=10)
    pages.set("a", b"12345", 60)
    pages.set("b", b"12345", 60)
    pages.set("c", b"1", 60)  # too many entries and bytes: the oldest goes
    assert pages.get("a") is None
    assert pages.get("b") == b"12345" and pages.get("c") == b"1"
    pages.set("d", b"x", 0)
    assert pages.get("d") is None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_without_redis_pages_are_rendered(cached_app, town, monkeypatch):
    down = RedisStore(f"redis://127.0.0.1:{_free_port()}/0")
    monkeypatch.setattr(cached_app.wsgi_app, "store", down)
    client = cached_app.test_client()
    assert client.get("/lindenau/").status_code == 200
    page = client.get("/lindenau/")
    assert page.status_code == 200
    assert page.headers.get(HIT) is None


def _redis_url() -> str | None:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return "redis://127.0.0.1:6379/14"
    except OSError:
        return None


@pytest.mark.skipif(_redis_url() is None, reason="needs Redis on 127.0.0.1:6379")
def test_redis_shares_the_generation_between_workers():
    first, second = RedisStore(_redis_url()), RedisStore(_redis_url())
    key = f"test-{_free_port()}"
    generation = first.generation()
    first.set(key, b"page", 30)
    assert second.get(key) == b"page"
    second.bump()
    assert first.generation() == generation + 1


def test_the_store_follows_the_setting():
    assert store_for("off") is None and store_for("") is None
    assert isinstance(store_for("memory://"), MemoryStore)
    assert isinstance(store_for("redis://127.0.0.1:6379/0"), RedisStore)
    with pytest.raises(ValueError):
        store_for("memcached://x")


def test_production_uses_the_rate_limits_redis_and_refuses_memory():
    from config import ConfigurationError, production_page_cache

    assert production_page_cache("", "redis://r:6379/0") == "redis://r:6379/0"
    assert production_page_cache("", "memory://") == "off"
    assert production_page_cache("off", "redis://r:6379/0") == "off"
    with pytest.raises(ConfigurationError):
        production_page_cache("memory://", "redis://r:6379/0")


def test_every_write_through_the_orm_moves_the_generation(cached_app, town):
    from app.extensions import db
    from app.municipalities.models import Municipality

    store = cached_app.extensions["page_cache"]
    with cached_app.app_context():
        before = store.generation()
        found = db.session.scalars(select(Municipality).where(Municipality.id == town.id)).one()
        found.contact = "Rathausplatz 1"
        db.session.commit()
        assert store.generation() == before + 1


def test_forms_make_their_csrf_token_only_when_shown(app, make_process, town):
    """A page that builds forms but shows an anonymous visitor none sets no cookie (so it can be
    kept); a shown form's token is made and still protects the post."""
    import re

    process = make_process(town, slug="markt", formats=("proposals",))
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        for path in ("/lindenau/", f"/lindenau/processes/{process.slug}/"):
            page = client.get(path)
            assert page.status_code == 200
            assert "Set-Cookie" not in page.headers, path
        login_page = client.get("/login")
        assert "Set-Cookie" in login_page.headers
        html = login_page.get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        assert token
        data = {"email": "niemand@example.org", "password": "falsch-falsch"}
        refused = client.post("/login", data=data)
        assert refused.status_code == 400  # no token: refused by CSRF protection
        answered = client.post("/login", data={**data, "csrf_token": token.group(1)})
        assert answered.status_code == 422  # the token was good: the form says what is wrong
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_a_write_behind_a_with_moves_the_generation(cached_app, town):
    """A data-modifying statement written as a CTE (``WITH … UPDATE``) counts as a write."""
    from sqlalchemy import literal

    from app.extensions import db
    from app.municipalities.models import Municipality

    store = cached_app.extensions["page_cache"]
    with cached_app.app_context():
        before = store.generation()
        chosen = select(literal(town.id).label("id")).cte("chosen")
        db.session.execute(
            update(Municipality)
            .where(Municipality.id == chosen.c.id)
            .values(contact="Am Markt 2")
            .add_cte(chosen)
        )
        db.session.commit()
        assert store.generation() == before + 1


def test_remembered_figures_last_until_the_next_write(cached_app, app, town):
    """``remembered`` keeps a computed value per generation for reading requests only."""
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    def ask(application, method="GET"):
        with application.test_request_context("/", method=method):
            return page_cache.remembered(("figure", town.id), compute)

    assert ask(cached_app) == ask(cached_app) == 1  # kept
    _describe(cached_app, town.id, "geändert")
    assert ask(cached_app) == 2  # a committed write: computed again
    assert ask(cached_app, "POST") == 3  # a writing request asks afresh and keeps nothing
    assert ask(cached_app) == 2
    assert ask(app) == 4 and ask(app) == 5  # without a page cache: every time
    with cached_app.app_context():
        assert page_cache.remembered(("figure", town.id), compute) == 6  # outside a request


def test_the_promise_record_is_counted_again_after_a_write(cached_app, make_process, town):
    from app.core.time import utcnow
    from app.extensions import db
    from app.processes.models import Process
    from app.proposals import promise
    from app.proposals.models import ProposalSettings

    process = make_process(town, slug="markt", formats=("proposals",))
    with cached_app.app_context():
        db.session.add(ProposalSettings(process_id=process.id, answer_threshold=1, answer_days=7))
        db.session.commit()

    def record():
        with cached_app.test_request_context("/"):
            return promise.answer_record(db.session.get(Process, process.id), utcnow())

    first = record()
    assert first is not None and first.promise.days == 7
    assert record() is first  # kept: the same object
    with cached_app.app_context():
        settings = db.session.scalars(
            select(ProposalSettings).where(ProposalSettings.process_id == process.id)
        ).one()
        settings.answer_days = 14
        db.session.commit()
    assert record().promise.days == 14


class _FlakyRedis:
    """A Redis client whose server can be switched off and on."""

    def __init__(self, error: type[Exception]) -> None:
        self.error, self.up, self.values = error, True, {}

    def _check(self) -> None:
        if not self.up:
            raise self.error("connection refused")

    def get(self, key):
        self._check()
        return self.values.get(key)

    def incr(self, key):
        self._check()
        self.values[key] = int(self.values.get(key, 0)) + 1
        return self.values[key]

    def set(self, key, value, ex=None):
        self._check()
        self.values[key] = value


def test_a_bump_that_missed_redis_is_paid_when_it_answers_again(monkeypatch):
    """A write during an outage must outdate the pages kept before it, once Redis is back."""
    from app.core import page_cache

    monkeypatch.setattr(page_cache, "RETRY_AFTER", 0.0)  # Redis is asked again at once
    store = RedisStore("redis://127.0.0.1:6379/14")
    redis = store.redis = _FlakyRedis(store.error)
    other_worker = RedisStore("redis://127.0.0.1:6379/14")
    other_worker.redis = redis
    before = store.generation()
    redis.up = False
    store.bump()  # a write while Redis is away
    assert store.generation() is None  # rendered uncached meanwhile
    redis.up = True
    assert store.generation() == before + 1
    assert other_worker.generation() == before + 1  # every worker's kept pages are outdated
    store.bump()
    assert other_worker.generation() == before + 2  # paid once, then bumps as usual
