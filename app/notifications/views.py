"""The account's notification list, its preferences, and the one-click unsubscribe link."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from app.core.pagination import paginate
from app.core.permissions import require
from app.core.urls import safe_next
from app.extensions import csrf, db
from app.notifications import kinds, services
from app.notifications.forms import DELIVERY_LABELS, field_name, preferences_form
from app.notifications.models import Delivery

bp = Blueprint("notifications", __name__, url_prefix="/account/notifications")
unsubscribe_bp = Blueprint("notifications_unsubscribe", __name__, url_prefix="/notifications")


@bp.before_request
def _own_only() -> None:
    require("notifications.own")


@bp.get("")
def index():
    page = paginate(services.listing(current_user))
    return render_template(
        "notifications/index.html",
        page=page,
        shown=services.present(page.items),
        unread=services.unread_count(current_user),
    )


def _target_url(target: dict | None) -> str | None:
    if not target:
        return None
    try:
        return url_for(target["endpoint"], **dict(target.get("values") or {}))
    except (BuildError, KeyError, TypeError, ValueError):
        return None


@bp.get("/<int:notification_id>")
def open_notification(notification_id: int):
    """Follow a notification's link and count it as read (a person's own flag; no CSRF harm)."""
    notification = services.get_own(current_user, notification_id)
    if notification is None:
        abort(404)
    services.mark_read(notification)
    db.session.commit()
    target = _target_url((notification.event.payload or {}).get("link"))
    return redirect(target or url_for(".index"))


@bp.post("/<int:notification_id>/read")
def mark_read(notification_id: int):
    notification = services.get_own(current_user, notification_id)
    if notification is None:
        abort(404)
    services.mark_read(notification)
    db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for(".index")))


@bp.post("/read")
def mark_all_read():
    count = services.mark_all_read(current_user)
    db.session.commit()
    if count:
        flash(_("All notifications are marked as read."), "success")
    return redirect(safe_next(request.form.get("next"), url_for(".index")))


@bp.route("/preferences", methods=["GET", "POST"])
def preferences():
    offered = services.offered_kinds(current_user)
    form = preferences_form(offered, services.choices_of(current_user))
    if form.validate_on_submit():
        chosen = {
            kind.key: Delivery(form[field_name(kind)].data)
            for kind in offered
            if not kind.direct_mail
        }
        services.save_choices(current_user, chosen)
        db.session.commit()
        flash(_("Your notification settings are saved."), "success")
        return redirect(url_for(".preferences"))
    sections = [
        (label, [kind for kind in offered if kind.group == group])
        for group, label in kinds.GROUP_LABELS.items()
    ]
    status = 422 if form.is_submitted() else 200
    return render_template(
        "notifications/preferences.html",
        form=form,
        sections=[(label, items) for label, items in sections if items],
        field_name=field_name,
        labels=DELIVERY_LABELS,
    ), status


# --- one-click unsubscribe (no login) -----------------------------------------------------------


@unsubscribe_bp.get("/unsubscribe/<token>")
def confirm(token: str):
    """Ask before unsubscribing: mail scanners open links, and a GET must change nothing."""
    found = services.read_unsubscribe_token(token)
    if found is None:
        return render_template("notifications/unsubscribe.html", invalid=True), 404
    _user, chosen = found
    return render_template(
        "notifications/unsubscribe.html", invalid=False, chosen=chosen, token=token, done=False
    )


@unsubscribe_bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe(token: str):
    """RFC 8058 one-click: mail clients POST here without a session or CSRF token; idempotent."""
    found = services.read_unsubscribe_token(token)
    if found is None:
        return render_template("notifications/unsubscribe.html", invalid=True), 404
    user, chosen = found
    services.unsubscribe(user, chosen)
    db.session.commit()
    return render_template(
        "notifications/unsubscribe.html", invalid=False, chosen=chosen, token=token, done=True
    )
