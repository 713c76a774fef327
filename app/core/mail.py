"""The outgoing mail queue: requests enqueue, the scheduler process delivers.

A request that causes a mail only adds a row to ``outgoing_mails`` in its own transaction, so the
mail exists exactly when the change that caused it was committed, and no request waits for or fails
because of the mail server. The scheduler's ``mail.deliver`` job sends what is due over SMTP (or into
``instance/outbox/`` when no ``MAIL_SERVER`` is configured, so that ``make run`` works without one),
retries with back-off while the server is down, and gives up after ``MAIL_MAX_ATTEMPTS``.

Each delivery first claims its row with an atomic conditional update, so two senders (a standby
scheduler that took over, a manual run) never send one mail twice.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import JSON, Integer, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from app.core.scheduler import periodic
from app.core.time import UTCDateTime, utcnow
from app.extensions import db

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=5)  # a sender that died mid-batch frees its mails after this
BATCH_SIZE = 100
SMTP_POLICY = SMTP.clone(max_line_length=998)


class OutgoingMail(db.Model):
    __tablename__ = "outgoing_mails"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(400))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict[str, str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")


def send_mail(
    to: str,
    subject: str,
    body: str,
    *,
    html: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> OutgoingMail:
    """Queue a mail in the current transaction; it goes out only if that transaction commits.

    Flushes, never commits. Links in ``body`` must come from ``app.core.urls.public_url_for``.
    """
    mail = OutgoingMail(
        to_address=to,
        subject=subject.replace("\n", " ").replace("\r", " ")[:400],
        body_text=body,
        body_html=html,
        headers=dict(headers) if headers else None,
        next_attempt_at=utcnow(),
    )
    db.session.add(mail)
    db.session.flush()
    return mail


def retry_delay(attempts: int) -> timedelta:
    """Back-off after the ``attempts``-th failure: 1, 2, 4 ... minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def _message(mail: OutgoingMail) -> EmailMessage:
    config = current_app.config
    # Long headers (List-Unsubscribe URLs) stay plain: SMTP allows 998 characters a line, and a
    # URL folded into RFC 2047 encoded words is one no mail client can open.
    message = EmailMessage(policy=SMTP_POLICY)
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    domain = urlsplit(config["PUBLIC_URL"]).hostname or "trialog.invalid"
    message["Message-ID"] = make_msgid(idstring=str(mail.id), domain=domain)
    for name, value in (mail.headers or {}).items():
        message[name] = value
    message.set_content(mail.body_text)
    if mail.body_html:
        message.add_alternative(mail.body_html, subtype="html")
    return message


class _Transport:
    """One SMTP connection per batch, opened on the first mail; or the outbox folder."""

    def __init__(self) -> None:
        self.config = current_app.config
        self.smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        if not self.config.get("MAIL_SERVER"):
            self._to_outbox(message)
            return
        if self.smtp is None:
            self.smtp = smtplib.SMTP(
                self.config["MAIL_SERVER"],
                self.config["MAIL_PORT"],
                timeout=self.config["MAIL_TIMEOUT"],
            )
            if self.config.get("MAIL_USE_TLS"):
                self.smtp.starttls()
            if self.config.get("MAIL_USERNAME"):
                self.smtp.login(self.config["MAIL_USERNAME"], self.config["MAIL_PASSWORD"])
        self.smtp.send_message(message)

    def _to_outbox(self, message: EmailMessage) -> None:
        outbox = Path(self.config["MAIL_OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)
        path = outbox / f"{utcnow():%Y%m%d-%H%M%S-%f}-{secrets.token_hex(3)}.eml"
        path.write_bytes(bytes(message))
        log.warning("No MAIL_SERVER set: mail to %s written to %s", message["To"], path)

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None


@contextmanager
def _transport() -> Iterator[_Transport]:
    transport = _Transport()
    try:
        yield transport
    finally:
        transport.close()


def _due(now: datetime):
    """Mails that may be sent at ``now``: unsent, not given up, due, and claimed by no live sender."""
    return (
        OutgoingMail.sent_at.is_(None),
        OutgoingMail.failed_at.is_(None),
        OutgoingMail.next_attempt_at <= now,
        or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until < now),
    )


def _settle(mail_ids: list[int], token: str, values: dict[str, Any]) -> None:
    """Record the outcome of this sender's mails and give up its claim on them."""
    db.session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id.in_(mail_ids), OutgoingMail.claim_token == token)
        .values(claimed_until=None, claim_token=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def deliver_queued(now: datetime | None = None, limit: int = BATCH_SIZE) -> int:
    """Send the due mails (at most ``limit``); returns how many went out.

    Claims the batch in one conditional update (the database re-checks the condition per row, so
    a row another sender claimed meanwhile is not taken again), commits the claim, then records
    each mail's result in its own commit. A mail server that refuses the connection ends the
    batch, since the rest would fail alike.
    """
    now = now or utcnow()
    token = secrets.token_hex(16)
    due = (
        select(OutgoingMail.id)
        .where(*_due(now))
        .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id)
        .limit(limit)
    )
    db.session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id.in_(due.scalar_subquery()), *_due(now))
        .values(claimed_until=now + CLAIM_LEASE, claim_token=token)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    batch = [
        (mail.id, mail.attempts, _message(mail))
        for mail in db.session.scalars(
            select(OutgoingMail)
            .where(OutgoingMail.claim_token == token)
            .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id)
        )
    ]
    if not batch:
        return 0

    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    sent = 0
    with _transport() as transport:
        for position, (mail_id, attempts_before, message) in enumerate(batch):
            attempts = attempts_before + 1
            try:
                transport.send(message)
            except (OSError, smtplib.SMTPException) as exc:
                log.warning("mail %s failed (attempt %s): %s", mail_id, attempts, exc)
                retry_at = utcnow() + retry_delay(attempts)
                values: dict[str, Any] = {"attempts": attempts, "last_error": str(exc)[:2000]}
                if attempts >= max_attempts:
                    values["failed_at"] = utcnow()
                else:
                    values["next_attempt_at"] = retry_at
                _settle([mail_id], token, values)
                if isinstance(exc, (OSError, smtplib.SMTPServerDisconnected)):
                    # The server is unreachable: the rest would fail alike; try them later.
                    transport.close()
                    rest = [later[0] for later in batch[position + 1 :]]
                    if rest:
                        _settle(rest, token, {"next_attempt_at": retry_at})
                    break
                continue
            _settle([mail_id], token, {"attempts": attempts, "sent_at": utcnow()})
            sent += 1
    return sent


@periodic("mail.deliver", seconds=15)
def deliver_job(now: datetime) -> None:
    while deliver_queued(now) == BATCH_SIZE:
        now = utcnow()
