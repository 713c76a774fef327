"""Notification mails: composed in the recipient's language, plain text plus HTML, with a signed
one-click unsubscribe link per kind and the RFC 8058 headers.

Runs in the scheduler (no request): every link is built by ``public_url_for`` from the configured
public address, never from a request's host.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from app.accounts.models import User
from app.notifications import kinds, services
from app.notifications.models import Delivery


@dataclass(frozen=True)
class Line:
    message: str
    url: str | None


@dataclass(frozen=True)
class Section:
    label: str
    lines: list[Line]
    unsubscribe_url: str | None


def locale_of(user: User) -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = getattr(user, "locale", None)
    return chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def _url(target: dict | None) -> str | None:
    from app.core.urls import public_url_for

    if not target:
        return None
    try:
        return public_url_for(target["endpoint"], **dict(target.get("values") or {}))
    except (BuildError, KeyError, TypeError, ValueError):
        return None


def _unsubscribe_url(user: User, kind_keys: list[str]) -> str | None:
    from app.core.urls import public_url_for

    keys = [key for key in kind_keys if not kinds.KINDS[key].direct_mail]
    if not keys:
        return None
    token = services.unsubscribe_token(user.id, keys)
    return public_url_for("notifications_unsubscribe.confirm", token=token)


def send_batch(user: User, notifications: Sequence, cadence: Delivery) -> None:
    """One mail with the claimed ``notifications`` of one person: a single message or a digest.

    Queued in the current transaction (the scheduler commits it with the claim).
    """
    from app.core.mail import send_mail
    from app.core.urls import public_url_for

    with force_locale(locale_of(user)):
        shown = services.present(notifications)
        sections: list[Section] = []
        by_kind: dict[str, list[services.Shown]] = {}
        for item in shown:
            by_kind.setdefault(item.notification.kind, []).append(item)
        for key, items in by_kind.items():
            kind = kinds.KINDS[key]
            sections.append(
                Section(
                    label=str(kind.label),
                    lines=[Line(item.message, _url(item.target)) for item in items],
                    unsubscribe_url=_unsubscribe_url(user, [key]),
                )
            )
        count = len(shown)
        if count == 1:
            subject = shown[0].message
        elif cadence == Delivery.DAILY:
            subject = ngettext(
                "Your daily summary: %(num)d new notification",
                "Your daily summary: %(num)d new notifications",
                count,
            )
        elif cadence == Delivery.WEEKLY:
            subject = ngettext(
                "Your weekly summary: %(num)d new notification",
                "Your weekly summary: %(num)d new notifications",
                count,
            )
        else:
            subject = ngettext("%(num)d new notification", "%(num)d new notifications", count)
        context = dict(
            user=user,
            sections=sections,
            count=count,
            cadence=cadence.value,
            list_url=public_url_for("notifications.index"),
            preferences_url=public_url_for("notifications.preferences"),
        )
        text = render_template("notifications/mail/notifications.txt", **context)
        html = render_template("notifications/mail/notifications.html", **context)
        one_click = _unsubscribe_url(user, list(by_kind))
        headers = {"Auto-Submitted": "auto-generated"}
        if one_click:
            headers["List-Unsubscribe"] = f"<{one_click}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        send_mail(user.email, subject or _("New notifications"), text, html=html, headers=headers)
