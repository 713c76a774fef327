"""Mails to registrants: confirmation, waiting list, moved up, reminder. Queued, never sent here.

Each mail is written in the person's language and links to the event on ``PUBLIC_URL``; the
reminder carries the calendar entry as a link to the process's feed.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale, format_date, format_datetime
from flask_babel import gettext as _

from app.core.mail import send_mail
from app.events.calendar import event_url
from app.events.models import EventRegistration, OnsiteEvent, RegistrationStatus


def _locale(user) -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = getattr(user, "locale", None)
    return chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def _details(event: OnsiteEvent, *, brief: bool = False) -> list[str]:
    """When and where; unless ``brief`` (a cancellation), how to join online and accessibility."""
    lines = [
        _(
            "When: %(start)s to %(end)s",
            start=f"{format_date(event.starts_at, 'full')}, {format_datetime(event.starts_at, 'HH:mm')}",
            end=(
                format_datetime(event.ends_at, "HH:mm")
                if format_date(event.ends_at) == format_date(event.starts_at)
                else f"{format_date(event.ends_at, 'full')}, {format_datetime(event.ends_at, 'HH:mm')}"
            ),
        )
    ]
    if event.address:
        lines.append(_("Where: %(place)s", place=event.address))
    if brief:
        return lines
    if event.online_url:
        lines.append(_("Online: %(url)s", url=event.online_url))
    if event.accessibility:
        lines.append(_("Accessibility: %(text)s", text=event.accessibility))
    return lines


def _send(registration: EventRegistration, subject: str, opening: str) -> None:
    user = registration.user
    if user is None or user.deleted_at is not None:
        return
    event = registration.event
    body = "\n\n".join(
        [
            _("Hello %(name)s,", name=user.display_name),
            opening,
            "\n".join(_details(event)),
            _("The event, and where you can cancel your registration:"),
            event_url(event),
        ]
    )
    send_mail(user.email, subject, body)


def send_registered(registration: EventRegistration) -> None:
    """Confirmation of a seat, or of a place on the waiting list."""
    with force_locale(_locale(registration.user)):
        title = registration.event.title
        if registration.status == RegistrationStatus.WAITING:
            _send(
                registration,
                _("On the waiting list: %(title)s", title=title),
                _(
                    "the event “%(title)s” is fully booked. You are on the waiting list; we will "
                    "write to you as soon as a seat becomes free.",
                    title=title,
                ),
            )
        else:
            _send(
                registration,
                _("Registration confirmed: %(title)s", title=title),
                _(
                    "you are registered for “%(title)s”. We look forward to seeing you.",
                    title=title,
                ),
            )


def send_moved_up(registration: EventRegistration) -> None:
    with force_locale(_locale(registration.user)):
        title = registration.event.title
        _send(
            registration,
            _("A seat for you: %(title)s", title=title),
            _(
                "a seat has become free at “%(title)s”: you have moved up from the waiting list "
                "and are registered now.",
                title=title,
            ),
        )


def send_reminder(registration: EventRegistration) -> None:
    with force_locale(_locale(registration.user)):
        title = registration.event.title
        _send(
            registration,
            _("Reminder: %(title)s", title=title),
            _(
                "a reminder: “%(title)s”, for which you are registered, takes place soon.",
                title=title,
            ),
        )


def send_cancelled(registration: EventRegistration) -> None:
    """The event is called off: to everyone who had a seat or waited for one, with the reason."""
    user = registration.user
    if user is None or user.deleted_at is not None:
        return
    event = registration.event
    with force_locale(_locale(user)):
        body = "\n\n".join(
            [
                _("Hello %(name)s,", name=user.display_name),
                _(
                    "we are sorry: the event “%(title)s”, for which you were registered or on "
                    "the waiting list, has been cancelled.",
                    title=event.title,
                ),
                _("Reason: %(reason)s", reason=event.cancellation_reason),
                "\n".join(_details(event, brief=True)),
                _("Your registration has ended with it; there is nothing you need to do."),
                _("The event page:"),
                event_url(event),
            ]
        )
        send_mail(user.email, _("Cancelled: %(title)s", title=event.title), body)
