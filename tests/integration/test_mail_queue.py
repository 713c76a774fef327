"""The outgoing mail queue and the links in mails: what the penetration and fault tests found.

Requests only queue mails; the scheduler's job delivers them over SMTP with retries. These tests use
real SMTP servers (aiosmtpd) that they start, stop and start again, and a server that accepts
connections and never answers.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.message import Message

import moderation_support
import pytest
from aiosmtpd.controller import Controller
from moderation_support import contribute, contribution_state
from sqlalchemy import func, select
from werkzeug.middleware.proxy_fix import ProxyFix

from app.core.mail import OutgoingMail, deliver_queued, retry_delay, send_mail
from app.core.roles import Role
from app.core.time import utcnow
from app.core.urls import public_url_for
from app.extensions import db
from tests.conftest import PASSWORD

PUBLIC = "https://beteiligung.example.de"
scene = moderation_support.scene  # the fixture


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Collect:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


class SmtpServer:
    """A real SMTP server on a fixed port that a test can stop and start again."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.handler = _Collect()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[Message]:
        with self.handler.lock:
            return list(self.handler.messages)


@pytest.fixture
def smtp(app, monkeypatch) -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    yield server
    server.stop()


@pytest.fixture
def public_url(app, monkeypatch) -> str:
    monkeypatch.setitem(app.config, "PUBLIC_URL", PUBLIC)
    return PUBLIC


def deliver(app, *, later: timedelta = timedelta(0)) -> int:
    with app.app_context():
        return deliver_queued(utcnow() + later)


def queued(app) -> list[OutgoingMail]:
    with app.app_context():
        mails = db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)).all()
        db.session.expunge_all()
        return list(mails)


def links(message: Message) -> list[str]:
    body = message.get_payload(decode=True).decode()
    return [word for word in body.split() if "://" in word]


# --- links come from PUBLIC_URL, never from the request --------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{"Host": "evil.example"}, {"Host": "evil.example:8443"}],
    ids=["host", "host-with-port"],
)
def test_reset_link_ignores_the_host_header(app, client, make_user, smtp, public_url, headers):
    user = make_user()
    response = client.post("/password/forgot", data={"email": user.email}, headers=headers)
    assert response.status_code == 200
    deliver(app)
    (mail,) = smtp.messages
    (link,) = [link for link in links(mail) if "/password/reset/" in link]
    assert link.startswith(f"{PUBLIC}/password/reset/")
    assert "evil" not in mail.as_string()


def test_forwarded_host_behind_a_proxy_is_refused(app, client, make_user, smtp, monkeypatch):
    """Behind ``TRUST_PROXY_HOPS=1`` an X-Forwarded-Host naming another host gets 400, no mail."""
    monkeypatch.setattr(app, "wsgi_app", ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1))
    monkeypatch.setitem(app.config, "PUBLIC_URL", PUBLIC)
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["beteiligung.example.de"])
    user = make_user()
    response = client.post(
        "/password/forgot",
        data={"email": user.email},
        headers={"Host": "beteiligung.example.de", "X-Forwarded-Host": "evil.example"},
    )
    assert response.status_code == 400
    assert queued(app) == []
    good = client.post(
        "/password/forgot",
        data={"email": user.email},
        headers={"Host": "beteiligung.example.de", "X-Forwarded-Host": "beteiligung.example.de"},
    )
    assert good.status_code == 200
    assert len(queued(app)) == 1


def test_requests_for_another_host_are_refused(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["beteiligung.example.de"])
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/", headers={"Host": "beteiligung.example.de"}).status_code == 200


def test_production_trusts_only_the_public_host(monkeypatch):
    from config import config_for

    monkeypatch.setenv("SECRET_KEY", "a-production-secret")
    monkeypatch.setenv("DATABASE_URL", "postgresql://trialog@db/trialog")
    monkeypatch.setenv("PUBLIC_URL", "https://beteiligung.example.de/")
    monkeypatch.setenv("TRUSTED_HOSTS", "trialog-internal, ")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/15")
    config = config_for("production")
    assert config.PUBLIC_URL == "https://beteiligung.example.de"
    assert config.TRUSTED_HOSTS == ["beteiligung.example.de", "trialog-internal"]


def test_invitation_link_ignores_the_host_header(
    app, client, make_municipality, make_member, smtp, public_url
):
    town = make_municipality()
    admin = make_member(town, Role.ADMIN)
    with client.session_transaction(base_url="http://evil.example") as session:
        session["_user_id"] = f"{admin.id}:{admin.session_version}"
        session["_fresh"] = True
    response = client.post(
        f"/{town.slug}/admin/members/invite",
        data={"email": "neu@example.org", "role": "citizen"},
        base_url="http://evil.example",
    )
    assert response.location.endswith(f"/{town.slug}/admin/members")
    assert response.status_code == 302
    deliver(app)
    (mail,) = smtp.messages
    (link,) = [link for link in links(mail) if "/invitations/" in link]
    assert link.startswith(f"{PUBLIC}/{town.slug}/invitations/")


def test_public_url_for_keeps_a_path_prefix(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://example.de/beteiligung")
    with app.app_context():
        assert public_url_for("accounts.login", _anchor="top") == (
            "https://example.de/beteiligung/login#top"
        )


# --- requests only queue -----------------------------------------------------------------------


class HangingServer:
    """Accepts TCP connections and never says a word, like a mail server that hangs."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.connections.append(connection)

    def close(self) -> None:
        for connection in self.connections:
            connection.close()
        self.sock.close()


def test_requests_never_touch_a_hanging_mail_server(app, client, make_user, monkeypatch):
    server = HangingServer()
    try:
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
        monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 1)
        user = make_user()
        assert client.post("/password/forgot", data={"email": user.email}).status_code == 200
        registration = {
            "email": "new@example.org",
            "display_name": "Neu",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "accept_terms": "y",
        }
        assert client.post("/register", data=registration).status_code == 200
        assert server.accepted == 0
        assert len(queued(app)) == 2
        assert deliver(app) == 0  # the sender times out, keeps the mails for later
        assert server.accepted == 1  # and does not try the second mail on a dead server
        first, second = queued(app)
        assert first.attempts == 1 and first.sent_at is None and "timed out" in first.last_error
        assert second.attempts == 0 and second.next_attempt_at > utcnow()
    finally:
        server.close()


def test_mail_server_down_loses_nothing_and_answers_like_for_unknown_addresses(
    app, client, make_user, smtp
):
    smtp.stop()
    user = make_user()
    known = client.post("/password/forgot", data={"email": user.email})
    unknown = client.post("/password/forgot", data={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)

    assert deliver(app) == 0
    (mail,) = queued(app)
    assert mail.attempts == 1 and mail.sent_at is None
    assert mail.next_attempt_at >= utcnow() + retry_delay(1) - timedelta(seconds=5)
    assert deliver(app) == 0  # not due yet: back-off
    assert queued(app)[0].attempts == 1

    smtp.start()
    assert deliver(app, later=timedelta(minutes=2)) == 1
    assert [m["To"] for m in smtp.messages] == [user.email]
    assert deliver(app, later=timedelta(days=1)) == 0  # sent once
    assert queued(app)[0].sent_at is not None


def test_a_mail_is_given_up_after_the_last_attempt(app, smtp, monkeypatch):
    smtp.stop()
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 3)
    with app.app_context():
        send_mail("person@example.org", "Betreff", "Text")
        db.session.commit()
    for hours in range(3):
        deliver(app, later=timedelta(hours=hours * 2))
    (mail,) = queued(app)
    assert mail.attempts == 3 and mail.failed_at is not None
    smtp.start()
    assert deliver(app, later=timedelta(days=2)) == 0
    assert smtp.messages == []


def test_a_rolled_back_request_sends_nothing(app, smtp):
    with app.app_context():
        send_mail("person@example.org", "Betreff", "Text")
        db.session.rollback()
    assert deliver(app) == 0
    assert queued(app) == []


def test_moderation_decision_is_kept_and_its_mail_delivered_once_the_server_is_back(
    app, client, login, smtp, scene
):
    """Formerly the decision was saved while the author's mail was lost (and the page said 500)."""
    contribution = contribute(app, scene.author, scene.process)
    smtp.stop()
    login(client, scene.users["moderator"])
    response = client.post(
        f"/{scene.town.slug}/admin/moderation/contributions/{contribution}/hide",
        data={"hide-reason": "Beleidigung"},
    )
    assert response.status_code == 302
    assert contribution_state(app, contribution) == ("hidden", "Beleidigung")
    assert deliver(app) == 0
    smtp.start()
    assert deliver(app, later=timedelta(minutes=5)) == 1
    assert [m["To"] for m in smtp.messages] == [scene.author.email]


def test_html_part_and_headers_are_sent(app, smtp):
    with app.app_context():
        send_mail(
            "person@example.org",
            "Betreff\nBcc: injected@example.org",
            "Text",
            html="<p>Text</p>",
            headers={"List-Unsubscribe": "<https://example.de/u>"},
        )
        db.session.commit()
    assert deliver(app) == 1
    (message,) = smtp.messages
    assert message["List-Unsubscribe"] == "<https://example.de/u>"
    assert message["Bcc"] is None
    assert {part.get_content_type() for part in message.walk()} >= {"text/plain", "text/html"}


# --- two senders ---------------------------------------------------------------------------------


def test_two_senders_deliver_each_mail_exactly_once(app, smtp):
    with app.app_context():
        for number in range(60):
            send_mail(f"person{number}@example.org", f"Mail {number}", "Text")
        db.session.commit()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            barrier.wait()
            with app.app_context():
                while deliver_queued(limit=7):
                    pass
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    received = sorted(m["To"] for m in smtp.messages)
    assert received == sorted(f"person{number}@example.org" for number in range(60))
    with app.app_context():
        unsent = db.session.scalar(
            select(func.count()).select_from(OutgoingMail).where(OutgoingMail.sent_at.is_(None))
        )
    assert unsent == 0
