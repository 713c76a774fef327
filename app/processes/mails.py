"""E-mails about processes. Composed in a request context of the public address, so that links and
the default language work inside scheduler jobs too."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _

from app.core.mail import send_mail
from app.processes.models import Phase


def send_closing_reminder(phase: Phase, recipients: list[tuple[str, str]]) -> int:
    """Tell each follower (name, e-mail) that participation closes soon; returns mails sent."""
    process = phase.process
    base_url = current_app.config["PUBLIC_URL"]
    sent = 0
    with current_app.test_request_context("/", base_url=base_url):
        link = url_for(
            "processes.show",
            slug=process.municipality.slug,
            process_slug=process.slug,
            _external=True,
        )
        subject = _("Participation in “%(title)s” closes soon", title=process.title)
        for name, email in recipients:
            body = "\n\n".join(
                [
                    _("Hello %(name)s,", name=name),
                    _(
                        "the participation phase “%(phase)s” of “%(title)s” in %(municipality)s "
                        "closes on %(end)s. Until then you can still take part:",
                        phase=phase.title,
                        title=process.title,
                        municipality=process.municipality.name,
                        end=format_datetime(phase.ends_at, "medium"),
                    ),
                    link,
                    _(
                        "You receive this e-mail because you follow this process. To stop, open "
                        "the process page and choose “Unfollow”."
                    ),
                ]
            )
            try:
                send_mail(email, subject, body)
            except OSError:
                current_app.logger.exception("closing reminder to %s failed", email)
                continue
            sent += 1
    return sent
