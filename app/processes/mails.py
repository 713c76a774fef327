"""E-mails about processes, queued in the scheduler job's transaction; links on ``PUBLIC_URL``."""

from __future__ import annotations

from flask_babel import format_datetime
from flask_babel import gettext as _

from app.core.mail import send_mail
from app.core.urls import public_url_for
from app.processes.models import Phase


def send_closing_reminder(phase: Phase, recipients: list[tuple[str, str]]) -> int:
    """Queue for each follower (name, e-mail) the news that participation closes soon."""
    process = phase.process
    link = public_url_for(
        "processes.show", slug=process.municipality.slug, process_slug=process.slug
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
        send_mail(email, subject, body)
    return len(recipients)
