"""Shared fixtures: the app, a clean database per test, a real SMTP server, factories, login.

The database is SQLite in a temporary file (one per xdist worker) unless ``TEST_DATABASE_URL`` names
another server; on PostgreSQL each worker gets its own database. Every test starts with empty tables.

Factories put an XSS payload into every text field by default, so that every page test doubles as an
escaping test; pass ``xss=False`` where a test compares exact text.
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

XSS = "<script>window.__xss=1</script>"
PASSWORD = "correct horse battery staple"


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _database_url() -> str:
    """A database for this worker alone: a fresh PostgreSQL database or a SQLite file."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        path = os.path.join(tempfile.mkdtemp(prefix="trialog-test-"), "test.db")
        return f"sqlite:///{path}"
    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{url.database}_{_worker()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


# --- mail -------------------------------------------------------------------------------------


@dataclass
class Outbox:
    """Mails received by the test SMTP server.

    Requests only queue mails; reading the outbox first delivers what the queue holds (what the
    scheduler's ``mail.deliver`` job does), so tests read mails as a person's inbox would show them.
    """

    received: list[Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    deliver: Callable[[], Any] | None = None

    def clear(self) -> None:
        with self.lock:
            self.received.clear()

    @property
    def messages(self) -> list[Message]:
        if self.deliver is not None:
            self.deliver()
        with self.lock:
            return list(self.received)

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    def last_to(self, address: str) -> Message:
        found = self.to(address)
        assert found, f"no mail to {address}; got {[m['To'] for m in self.messages]}"
        return found[-1]

    @staticmethod
    def body(message: Message, subtype: str = "plain") -> str:
        """The text (or with ``subtype="html"`` the HTML) part of a mail."""
        for part in message.walk():
            if part.get_content_type() == f"text/{subtype}":
                return part.get_payload(decode=True).decode()
        raise AssertionError(f"the mail has no text/{subtype} part")

    def link_in_last_to(self, address: str, marker: str) -> str:
        """The path of the first link containing ``marker`` in the newest mail to ``address``."""
        for word in self.body(self.last_to(address)).split():
            if marker in word and "://" in word:
                return urlsplit(word).path
        raise AssertionError(f"no link with {marker!r} in the mail")


class _Handler:
    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    async def handle_DATA(self, server, session, envelope):
        with self.outbox.lock:
            self.outbox.received.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Controller, Outbox]]:
    outbox = Outbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(_Handler(outbox), hostname="127.0.0.1", port=port)
    controller.start()
    yield controller, outbox
    controller.stop()


# --- app and database -------------------------------------------------------------------------


def _compile_translations() -> None:
    """What ``make translations`` does, so that ``pytest`` alone serves the German pages.

    Flask-Babel caches a catalog for the app's lifetime, so this must happen before the first
    request; the ``.mo`` is written atomically because xdist workers may race here.
    """
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (Path(__file__).resolve().parent.parent / "translations").glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source)
        partial = mo.with_suffix(f".mo.{os.getpid()}")
        with partial.open("wb") as target:
            write_mo(target, catalog)
        os.replace(partial, mo)


def _fast_sqlite(dbapi_connection, _record) -> None:
    """Test data need not survive a power cut: skip fsync, which dominates small commits."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA journal_mode=MEMORY")
    cursor.close()


def deliver_all(application: Flask) -> int:
    """Send every mail the queue holds, as the scheduler would, whatever its back-off says."""
    from datetime import timedelta

    from app.core.mail import deliver_queued
    from app.core.time import utcnow

    with application.app_context():
        return deliver_queued(utcnow() + timedelta(days=1), limit=10_000)


@pytest.fixture(scope="session")
def app(smtp_server) -> Iterator[Flask]:
    os.environ["TEST_DATABASE_URL"] = _database_url()  # once per worker process
    _compile_translations()
    from app import create_app
    from app.extensions import db

    controller, outbox = smtp_server
    application = create_app("testing")
    application.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    outbox.deliver = lambda: deliver_all(application)
    with application.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _fast_sqlite)
            db.engine.dispose()
        db.drop_all()
        db.create_all()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_state(request, app, smtp_server) -> Iterator[None]:
    from app.extensions import db, limiter, write_limiter

    smtp_server[1].clear()
    limiter.reset()
    write_limiter.reset()
    yield
    with app.app_context():
        db.session.remove()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()


@pytest.fixture
def outbox(smtp_server) -> Outbox:
    return smtp_server[1]


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def ctx(app) -> Iterator[None]:
    """An app context for tests that call services and models directly (not with ``client``)."""
    with app.app_context():
        yield


# --- factories --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def password_hash(app) -> str:
    from app.accounts.passwords import hash_password

    with app.app_context():
        return hash_password(PASSWORD)


def _persist(app: Flask, obj):
    """Commit ``obj`` in a short app context and hand it back detached, its columns loaded."""
    from app.extensions import db

    with app.app_context():
        db.session.add(obj)
        db.session.commit()
        db.session.refresh(obj)
        db.session.expunge(obj)
    return obj


@pytest.fixture
def make_municipality(app) -> Callable:
    from app.municipalities.models import FederalState, Municipality

    counter = iter(range(1, 10_000))

    def make(*, xss: bool = True, **values):
        n = next(counter)
        payload = XSS if xss else ""
        defaults = dict(
            name=f"Gemeinde {n}{payload}",
            slug=f"gemeinde-{n}",
            federal_state=FederalState.BW,
            description=f"Beschreibung {n}{payload}",
            contact=f"Rathaus {n}{payload}",
            is_active=True,
        )
        defaults.update(values)
        return _persist(app, Municipality(**defaults))

    return make


@pytest.fixture
def make_user(app, password_hash) -> Callable:
    from app.accounts.models import User
    from app.core.time import utcnow

    counter = iter(range(1, 10_000))

    def make(*, xss: bool = True, verified: bool = True, **values):
        n = next(counter)
        now = utcnow()
        defaults = dict(
            email=f"person{n}@example.org",
            display_name=f"Person {n}{XSS if xss else ''}",
            password_hash=password_hash,
            consented_at=now,
            email_verified_at=now if verified else None,
        )
        defaults.update(values)
        return _persist(app, User(**defaults))

    return make


@pytest.fixture
def make_member(app, make_user) -> Callable:
    """A user with a membership of ``municipality`` in ``role``."""
    from app.core.roles import Role
    from app.municipalities.models import Membership

    def make(municipality, role: Role | str = Role.CITIZEN, user=None, **user_values):
        user = user or make_user(**user_values)
        _persist(app, Membership(user_id=user.id, municipality_id=municipality.id, role=Role(role)))
        return user

    return make


@pytest.fixture
def login() -> Callable:
    """Log ``user`` into ``client`` the way Flask-Login's session does, without the login form."""

    def do(client: FlaskClient, user) -> FlaskClient:
        with client.session_transaction() as session:
            session["_user_id"] = f"{user.id}:{user.session_version}"
            session["_fresh"] = True
        return client

    return do


@dataclass
class QueryCount:
    count: int = 0


@pytest.fixture
def count_queries(app) -> Callable:
    """``with count_queries() as counted:`` counts the SQL statements run inside the block."""
    from contextlib import contextmanager

    from app.extensions import db

    @contextmanager
    def counting() -> Iterator[QueryCount]:
        counted = QueryCount()

        def count(*_args) -> None:
            counted.count += 1

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            yield counted
        finally:
            event.remove(engine, "before_cursor_execute", count)

    return counting


@pytest.fixture
def make_process(app) -> Callable:
    """A process of ``municipality``, published and public, in a participation phase running now.

    ``phases`` is a list of ``(kind, starts_at, ends_at)``; rich-text fields go through the same
    sanitiser the services use (they are stored sanitised), plain fields carry the raw payload.
    """
    from datetime import timedelta

    from app.core.time import utcnow
    from app.processes.models import (
        DecisionMaker,
        Phase,
        PhaseKind,
        Process,
        ProcessFormat,
        ProcessState,
        Visibility,
    )
    from app.processes.services import rich_text

    counter = iter(range(1, 10_000))

    def make(
        municipality,
        *,
        xss: bool = True,
        state: ProcessState | str = ProcessState.PUBLISHED,
        visibility: Visibility | str = Visibility.PUBLIC,
        phases=None,
        formats=(),
        **values,
    ):
        n = next(counter)
        payload = XSS if xss else ""
        now = utcnow()
        if phases is None:
            phases = [(PhaseKind.PARTICIPATION, now - timedelta(days=1), now + timedelta(days=1))]
        with app.app_context():
            defaults = dict(
                municipality_id=municipality.id,
                slug=f"verfahren-{n}",
                title=f"Verfahren {n}{payload}",
                summary=f"Kurz {n}{payload}",
                topic=f"Thema{payload}" if xss else "",
                contact_name=f"Ansprechperson {n}{payload}",
                decision_maker=DecisionMaker.COUNCIL,
                decision_timing=f"Im Herbst{payload}",
                state=ProcessState(state),
                visibility=Visibility(visibility),
                **{
                    name: rich_text(f"{name} {n}{payload}")
                    for name in (
                        "description",
                        "goal",
                        "question",
                        "open_to_influence",
                        "already_fixed",
                        "input_use",
                    )
                },
            )
            defaults.update(values)
            process = Process(**defaults)
            process.phases = [
                Phase(
                    kind=PhaseKind(kind),
                    title=f"Phase {i}{payload}",
                    starts_at=start,
                    ends_at=end,
                    description=rich_text(f"Phasentext {i}{payload}"),
                )
                for i, (kind, start, end) in enumerate(phases, 1)
            ]
            process.format_rows = [ProcessFormat(key=key) for key in formats]
        return _persist(app, process)

    return make


@dataclass
class SurveyRef:
    """What tests need of a survey made by ``make_survey``: ids, in question order."""

    id: int
    process_slug: str
    questions: list[Any]  # QuestionRef

    def q(self, qtype: str) -> Any:
        """The first question of ``qtype`` ("single", "scale", ...)."""
        return next(q for q in self.questions if q.type == qtype)


@dataclass
class QuestionRef:
    id: int
    type: str
    options: list[int]


EVERY_QUESTION_TYPE = [
    dict(
        type="single",
        text="Wie oft",
        required=True,
        allow_other=True,
        options=["Täglich", "Wöchentlich", "Selten"],
    ),
    dict(
        type="multiple",
        text="Was fehlt",
        min_choices=2,
        max_choices=3,
        options=["Bänke", "Bäume", "Wasser", "Spielgeräte"],
    ),
    dict(type="yes_no", text="Autofrei"),
    dict(
        type="scale",
        text="Wie wichtig",
        scale_min=1,
        scale_max=5,
        scale_min_label="unwichtig",
        scale_max_label="sehr wichtig",
    ),
    dict(type="ranking", text="Reihenfolge", options=["Grün", "Markt", "Feste"]),
    dict(type="short_text", text="Ein Wort"),
    dict(type="long_text", text="Ihre Idee"),
]


@pytest.fixture
def make_survey(app) -> Callable:
    """A survey in ``process`` with one question of every type by default (see
    ``EVERY_QUESTION_TYPE``); texts carry the XSS payload unless ``xss=False``."""
    from app.extensions import db
    from app.processes.models import Process
    from app.surveys.models import Option, Question, QuestionType, Survey

    def make(process, *, xss: bool = True, questions=None, **values):
        payload = XSS if xss else ""
        with app.app_context():
            loaded = db.session.get(Process, process.id)
            defaults = dict(
                municipality_id=loaded.municipality_id,
                process_id=loaded.id,
                title=f"Umfrage{payload}",
                introduction="<p>Einleitung</p>",
                closing_text="<p>Danke</p>",
                state="published",
            )
            defaults.update(values)
            survey = Survey(**defaults)
            for position, spec in enumerate(
                EVERY_QUESTION_TYPE if questions is None else questions
            ):
                spec = dict(spec)
                labels = spec.pop("options", [])
                text = spec.pop("text")
                question = Question(
                    position=position,
                    text=f"{text}{payload}",
                    type=QuestionType(spec.pop("type")),
                    **spec,
                )
                question.options = [
                    Option(label=f"{label}{payload}", position=i) for i, label in enumerate(labels)
                ]
                survey.questions.append(question)
            db.session.add(survey)
            db.session.commit()
            ref = SurveyRef(
                survey.id,
                loaded.slug,
                [
                    QuestionRef(q.id, q.type.value, [o.id for o in q.options])
                    for q in survey.questions
                ],
            )
        return ref

    return make


@pytest.fixture
def empty_database(tmp_path) -> Iterator[str]:
    """The address of an empty database: a scratch PostgreSQL database beside TEST_DATABASE_URL's
    (dropped afterwards, so runs leave none behind), else a SQLite file."""
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(base)
    name = f"{url.database.rsplit('_', 1)[0]}_migrations_{os.getpid()}"
    admin = create_engine(url.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    drop = text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    with admin.connect() as conn:
        conn.execute(drop)
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(drop)
        admin.dispose()
