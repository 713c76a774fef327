"""A database that is away or hangs: every page answers 503 with a German page, soon, and recovers.

The hanging database is a TCP server on 127.0.0.1 that accepts connections and never says a word
(what the fault test found: ``/healthz`` took 135 s). The other tests make every statement fail
with the error a dropped PostgreSQL connection raises, on whatever database the suite runs.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError


class _Dead(Exception):
    """What the driver would say."""


def _connection_lost(*_args, **_kwargs):
    raise OperationalError("SELECT …", {}, _Dead("server closed the connection unexpectedly"))


@contextmanager
def database_away(app) -> Iterator[None]:
    """Every statement fails as if the database had gone, until the block ends."""
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", _connection_lost)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", _connection_lost)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port whose server accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def _assert_unavailable_page(response) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    page = response.get_data(as_text=True)
    assert "Vorübergehend nicht erreichbar" in page
    assert "Datenbank" in page


def test_a_hanging_database_answers_503_within_the_connect_timeout(app, silent_server, monkeypatch):
    import config
    from app import create_app

    monkeypatch.setattr(config.Config, "DB_CONNECT_TIMEOUT", 2)  # libpq's smallest
    monkeypatch.setenv("TEST_DATABASE_URL", f"postgresql://trialog@127.0.0.1:{silent_server}/x")
    hanging = create_app("testing")
    client = hanging.test_client()

    for path in ("/healthz", "/", "/musterstadt/"):
        started = time.monotonic()
        response = client.get(path)
        assert time.monotonic() - started < 8, path
        assert response.status_code == 503, path
    _assert_unavailable_page(client.get("/"))


def test_postgresql_connections_carry_the_statement_timeout(app):
    from app.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only: SQLite has no statement timeout")
        timeout = db.session.execute(db.text("SHOW statement_timeout")).scalar_one()
    assert timeout == f"{app.config['DB_STATEMENT_TIMEOUT']}s"


def test_a_lost_database_gives_the_german_503_page_and_recovers(client, app):
    with database_away(app):
        _assert_unavailable_page(client.get("/"))
        assert client.get("/healthz").status_code == 503
    assert client.get("/").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_a_logged_in_visitor_gets_503_not_500_on_any_page(client, login, make_user, app):
    """The layout of error pages asks who is logged in; with the database away that fails too."""
    login(client, make_user())
    with database_away(app):
        for path in ("/", "/account", "/no-such-town/", "/platform/municipalities"):
            _assert_unavailable_page(client.get(path))
        _assert_unavailable_page(client.post("/logout"))
    assert client.get("/account").status_code == 200


def test_json_clients_get_a_json_503(client, app):
    with database_away(app):
        response = client.get("/", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.get_json()["status"] == 503


def test_connections_the_server_closed_are_replaced_before_use(client, app):
    """After a database restart every pooled connection is dead; the first request on each must
    not fail. PostgreSQL connections are checked at checkout without a round trip (their socket
    has the server's goodbye to read); other drivers keep ``pool_pre_ping``."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from app.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only: a SQLite file has no server to restart")
        assert db.engine.pool._pre_ping is False  # no query at checkout
        connections = [db.engine.connect() for _ in range(3)]  # three pooled connections
        pids = {c.exec_driver_sql("SELECT pg_backend_pid()").scalar_one() for c in connections}
        for connection in connections:
            connection.close()
        outside = create_engine(db.engine.url, poolclass=NullPool)
        with outside.connect() as killer:
            killed = killer.exec_driver_sql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).scalar_one()
        outside.dispose()
        assert killed >= len(pids)
        time.sleep(0.5)  # the server says goodbye asynchronously
        for _ in range(len(pids) + 1):  # each pooled connection is taken out at least once
            assert client.get("/healthz").status_code == 200
            with db.engine.connect() as connection:
                pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
            assert pid not in pids
