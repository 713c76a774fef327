"""Per-account throttles on every act of participation, and a shared limit store in production.

The limits are read from the config at request time (``WRITE_RATE_LIMITS``), so each test sets a
small one. A form that hits its limit comes back with what was typed, a German message, status 429
and ``Retry-After``; button actions answer with a 429 page that links back. The key is the account:
changing the client address does not open a fresh bucket.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from app.core.roles import Role
from app.extensions import db
from config import ConfigurationError, ProductionConfig, shared_limit_store

TYPED = "Mein sorgfältig getippter Text über die Parkbänke"
GERMAN_MESSAGE = "Sie haben das in kurzer Zeit sehr oft getan"


@pytest.fixture
def limit(app, monkeypatch):
    def set_limit(action: str, value: str = "2 per minute") -> None:
        monkeypatch.setitem(app.config["WRITE_RATE_LIMITS"], action, value)

    return set_limit


@pytest.fixture
def town(make_municipality):
    return make_municipality(xss=False)


@pytest.fixture
def process(app, town, make_process):
    return make_process(town, formats=("proposals", "comments", "surveys"), xss=False)


@pytest.fixture
def member(town, make_member):
    return make_member(town, Role.CITIZEN)


def ip(n: int) -> dict:
    return {"REMOTE_ADDR": f"198.51.100.{n}"}


def assert_kept_form_429(response, typed: str = TYPED) -> None:
    assert response.status_code == 429
    assert response.headers["Retry-After"].isdigit()
    assert GERMAN_MESSAGE in response.text
    assert typed in response.text  # nothing typed is lost
    assert "<form" in response.text


def test_proposal_form_is_throttled_per_account_and_keeps_what_was_typed(
    client, login, town, process, member, limit
):
    limit("proposal")
    login(client, member)
    url = f"/{town.slug}/processes/{process.slug}/proposals/new"
    data = {"title": "", "description": TYPED}  # refused by the form: the limit is what is tested
    for n in range(2):
        assert client.post(url, data=data, environ_overrides=ip(n)).status_code == 422
    assert_kept_form_429(client.post(url, data=data, environ_overrides=ip(99)))
    assert client.get(url).status_code == 200  # reading the form is not limited


def test_comment_form_is_throttled_and_keeps_what_was_typed(
    app, client, login, town, process, member, limit
):
    from tests.integration.comments_support import thread_id_of

    limit("comment")
    thread = thread_id_of(app, process)
    login(client, member)
    url = f"/{town.slug}/threads/{thread}/comments"
    for n in range(2):
        client.post(url, data={f"thread{thread}-body": f"Kommentar {n}"})
    assert_kept_form_429(client.post(url, data={f"thread{thread}-body": TYPED}))


def test_report_form_is_throttled_and_keeps_what_was_typed(
    app, client, login, town, process, member, make_member, limit
):
    from tests.integration.moderation_support import contribute, ensure_test_kind

    ensure_test_kind()
    limit("report")
    author = make_member(town, Role.CITIZEN)
    contributions = [contribute(app, author, process) for _ in range(3)]
    login(client, member)
    for contribution in contributions[:2]:
        client.post(f"/{town.slug}/contributions/{contribution}/report", data={"reason": "spam"})
    response = client.post(
        f"/{town.slug}/contributions/{contributions[2]}/report",
        data={"reason": "spam", "text": TYPED},
    )
    assert_kept_form_429(response)


def test_survey_answers_are_throttled_and_keep_what_was_typed(
    app, client, login, town, process, member, make_survey, limit
):
    limit("survey_answer")
    survey = make_survey(
        process, xss=False, anonymous=False, questions=[dict(type="long_text", text="Ideen")]
    )
    question = survey.questions[0].id
    login(client, member)
    url = f"/{town.slug}/processes/{process.slug}/surveys/{survey.id}/"
    for n in range(2):
        client.post(url, data={f"q{question}": f"Idee {n}"})
    assert_kept_form_429(client.post(url, data={f"q{question}": TYPED}))


def test_support_and_reactions_answer_429_with_a_way_back(
    app, client, login, town, process, member, make_member, limit
):
    from tests.integration.comments_support import write_comment
    from tests.integration.proposals_support import create_proposal

    limit("support")
    limit("reaction")
    author = make_member(town, Role.CITIZEN)
    proposal = create_proposal(app, process, author, xss=False)
    comment = write_comment(app, author, process)
    login(client, member)
    support = f"/{town.slug}/processes/{process.slug}/proposals/{proposal}"
    # support and unsupport share one bucket: alternating does not escape it
    client.post(f"{support}/support")
    client.post(f"{support}/unsupport")
    limited = client.post(f"{support}/support", headers={"Referer": f"http://localhost{support}"})
    assert limited.status_code == 429 and limited.headers["Retry-After"].isdigit()
    assert GERMAN_MESSAGE in limited.text and f'href="{support}"' in limited.text
    for value in ("agree", "disagree"):
        client.post(f"/{town.slug}/comments/{comment}/reaction", data={"reaction": value})
    reaction = client.post(f"/{town.slug}/comments/{comment}/reaction", data={"reaction": "none"})
    assert reaction.status_code == 429 and GERMAN_MESSAGE in reaction.text


def test_writes_send_no_rate_limit_headers_while_logins_and_the_api_keep_theirs(
    app, client, login, town, process, member, make_member
):
    """The headers cost two round trips to the limit store per request; on the participation
    throttles nobody reads them (a throttled write says when to try again, with Retry-After)."""
    from tests.integration.proposals_support import create_proposal

    proposal = create_proposal(app, process, make_member(town, Role.CITIZEN), xss=False)
    anonymous = app.test_client()
    refused_login = anonymous.post("/login", data={"email": "x@example.org", "password": "falsch"})
    assert refused_login.headers["X-RateLimit-Limit"]
    assert anonymous.get("/api/v1/municipalities").headers["X-RateLimit-Remaining"]
    login(client, member)
    url = f"/{town.slug}/processes/{process.slug}/proposals/{proposal}"
    for action in ("support", "unsupport"):
        response = client.post(f"{url}/{action}", headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert not [h for h in response.headers if h[0].lower().startswith("x-ratelimit")]


def test_the_throttle_counts_per_account_not_per_person_sharing_an_address(
    app, client, login, town, process, member, make_member, limit
):
    from app.proposals.models import ProposalSupport
    from tests.integration.proposals_support import create_proposal

    limit("support", "1 per minute")
    author = make_member(town, Role.CITIZEN)
    proposal = create_proposal(app, process, author, xss=False)
    url = f"/{town.slug}/processes/{process.slug}/proposals/{proposal}/support"
    login(client, member)
    assert client.post(url, environ_overrides=ip(1)).status_code == 302
    assert client.post(url, environ_overrides=ip(2)).status_code == 429
    neighbour = app.test_client()
    login(neighbour, make_member(town, Role.CITIZEN))
    assert neighbour.post(url, environ_overrides=ip(1)).status_code == 302  # own bucket
    with app.app_context():
        assert len(db.session.scalars(select(ProposalSupport)).all()) == 2


# --- production needs a shared limit store -----------------------------------------------------

PRODUCTION_ENV = {
    "SECRET_KEY": "x" * 40,
    "DATABASE_URL": "postgresql://trialog@db/trialog",
    "PUBLIC_URL": "https://beteiligung.example",
}


@pytest.fixture
def production_env(monkeypatch):
    for name in ("RATELIMIT_STORAGE_URI", "RATELIMIT_ALLOW_MEMORY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


@pytest.mark.parametrize("uri", [None, "memory://", " "])
def test_production_refuses_to_start_without_a_shared_limit_store(production_env, uri):
    if uri is not None:
        production_env.setenv("RATELIMIT_STORAGE_URI", uri)
    with pytest.raises(ConfigurationError, match="RATELIMIT_STORAGE_URI"):
        ProductionConfig()


def test_production_uses_the_shared_store_it_is_given(production_env):
    production_env.setenv("RATELIMIT_STORAGE_URI", "redis://redis.internal:6379/0")
    assert ProductionConfig().RATELIMIT_STORAGE_URI == "redis://redis.internal:6379/0"


def test_production_runs_with_memory_limits_only_when_told_and_says_so(production_env, caplog):
    production_env.setenv("RATELIMIT_ALLOW_MEMORY", "1")
    with caplog.at_level(logging.WARNING, logger="trialog.config"):
        config = ProductionConfig()
    assert config.RATELIMIT_STORAGE_URI == "memory://"
    assert "RATELIMIT_ALLOW_MEMORY=1" in caplog.text and "do not hold" in caplog.text


def test_allowing_memory_does_not_hide_a_configured_store():
    assert shared_limit_store("redis://r:6379/0", "1") == "redis://r:6379/0"


# --- how the throttles count -------------------------------------------------------------------


def _redis_url() -> str | None:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return "redis://127.0.0.1:6379/13"
    except OSError:
        return None


def _dead_store() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{sock.getsockname()[1]}/0"


def _throttle(uri: str):
    from flask import Flask

    from app.core.ratelimit import WriteThrottle

    throttle = WriteThrottle()
    app = Flask(__name__)
    app.config["RATELIMIT_STORAGE_URI"] = uri
    throttle.init_app(app)
    return throttle


def _person() -> str:
    import secrets

    return f"user:test-{secrets.token_hex(6)}"


NEEDS_REDIS = pytest.mark.skipif(_redis_url() is None, reason="needs Redis on 127.0.0.1:6379")
STORES = ["memory://", pytest.param("redis", marks=NEEDS_REDIS)]


@pytest.mark.parametrize("store", STORES)
def test_a_full_short_window_does_not_count_against_the_long_one(store):
    """As Flask-Limiter counted them: the windows after the first full one are not counted, so
    clicks refused by the minute's limit do not use up the day's."""
    from limits import parse_many
    from limits.strategies import FixedWindowRateLimiter

    throttle = _throttle(_redis_url() if store == "redis" else store)
    minute, day = sorted(parse_many("2 per minute;5 per day"))
    person = _person()
    assert [throttle.hit((minute, day), person, "write-support") for _ in range(2)] == [None, None]
    for _ in range(3):
        assert throttle.hit((minute, day), person, "write-support") == minute
    counted = FixedWindowRateLimiter(throttle.storage)
    assert counted.get_window_stats(day, person, "write-support").remaining == 3
    assert 1 <= throttle.retry_after(minute, person, "write-support") <= 60


@NEEDS_REDIS
def test_a_write_counts_all_its_windows_in_one_round_trip(monkeypatch):
    import redis.connection
    from limits import parse_many

    throttle = _throttle(_redis_url())
    windows = tuple(sorted(parse_many("30 per minute;500 per day")))
    throttle.hit(windows, _person(), "write-support")  # the script is loaded once
    sent = []
    original = redis.connection.Connection.send_packed_command

    def counting(self, command, *args, **kwargs):
        sent.append(command)
        return original(self, command, *args, **kwargs)

    monkeypatch.setattr(redis.connection.Connection, "send_packed_command", counting)
    assert throttle.hit(windows, _person(), "write-support") is None
    assert len(sent) == 1


def test_while_the_store_is_down_each_worker_counts_in_memory(caplog):
    from limits import parse_many

    throttle = _throttle(_dead_store())
    windows = tuple(sorted(parse_many("2 per minute")))
    person = _person()
    with caplog.at_level(logging.WARNING, logger="trialog.ratelimit"):
        seen = [throttle.hit(windows, person, "write-comment") for _ in range(3)]
    assert seen == [None, None, windows[0]]  # still limited, and no request failed
    assert "unavailable" in caplog.text
    assert throttle.retry_after(windows[0], person, "write-comment") >= 1


def test_requests_that_write_nothing_pay_nothing_for_the_write_throttles(app):
    """Flask-Limiter's hooks (a check before and headers after every request) cost every page
    about 0.1 ms; the write throttles are counted only in the routes they guard."""
    from app.extensions import write_limiter

    hooks = [
        *app.before_request_funcs.get(None, []),
        *app.after_request_funcs.get(None, []),
        *app.teardown_request_funcs.get(None, []),
    ]
    assert not [hook for hook in hooks if getattr(hook, "__self__", None) is write_limiter]
    assert not [hook for hook in hooks if getattr(hook, "args", ()) == (write_limiter,)]


def test_a_redis_cluster_counts_each_window_on_its_own(monkeypatch):
    """A cluster refuses one script over keys of different slots (the windows' keys are), so
    there each window is its own round trip, as Flask-Limiter counted them."""
    from flask import Flask
    from limits import parse_many
    from limits.storage import MemoryStorage, RedisClusterStorage

    import app.core.ratelimit as ratelimit

    class Cluster(RedisClusterStorage):
        """A cluster store that keeps its counts in memory (no cluster to connect to here)."""

        def __init__(self) -> None:
            self.memory = MemoryStorage()

        def incr(self, key, expiry, amount=1):
            return self.memory.incr(key, expiry, amount=amount)

        def get_connection(self, readonly=False):
            raise AssertionError("no script on a cluster")

    monkeypatch.setattr(ratelimit, "storage_from_string", lambda _uri, **_options: Cluster())
    throttle = ratelimit.WriteThrottle()
    app = Flask(__name__)
    app.config["RATELIMIT_STORAGE_URI"] = "redis+cluster://127.0.0.1:7000"
    throttle.init_app(app)
    windows = tuple(sorted(parse_many("1 per minute;5 per day")))
    person = _person()
    assert throttle.hit(windows, person, "write-support") is None
    assert throttle.hit(windows, person, "write-support") == windows[0]
