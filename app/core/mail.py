"""Outgoing e-mail over SMTP, or into ``instance/outbox/`` when no SMTP server is configured.

The outbox lets a person trying ``make run`` follow verification links without a mail server.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app

from app.core.time import utcnow

log = logging.getLogger(__name__)


def send_mail(to: str, subject: str, body: str) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="trialog.example")
    message.set_content(body)

    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
        return

    outbox = Path(config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{utcnow():%Y%m%d-%H%M%S-%f}.eml"
    path.write_bytes(bytes(message))
    log.warning("No MAIL_SERVER set: mail to %s (%r) written to %s\n%s", to, subject, path, body)
