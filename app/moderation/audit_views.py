"""Reading the audit log: a municipality's admins at ``/<slug>/admin/audit``, platform admins at
``/platform/audit``. Read only: the application has no route that changes or deletes an entry."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import to_utc
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from app.accounts.models import User
from app.core import audit
from app.core.pagination import paginate
from app.core.permissions import can, require
from app.extensions import db
from app.moderation.forms import AuditFilterForm
from app.municipalities.models import Municipality
from app.municipalities.tenancy import current_municipality, tenant_blueprint

bp = tenant_blueprint(Blueprint("audit", __name__, url_prefix="/<slug>"))
platform_bp = Blueprint("platform_audit", __name__, url_prefix="/platform")
MODERATION_ACTIONS = "moderation."


def _start_of_day(day: date) -> datetime:
    """Midnight of ``day`` in German time, as an aware UTC datetime."""
    return to_utc(datetime.combine(day, time())).replace(tzinfo=UTC)


def _users(ids) -> dict[int, User]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def _filters(
    municipality_id: int | None, platform: bool, action_prefix: str | None = None
) -> tuple[AuditFilterForm, dict, audit.AuditFilters]:
    """The filter form with its choices, the active filters as query arguments, and the filters
    (``action_prefix``: only those actions, for readers of one part of the log)."""
    form = AuditFilterForm(formdata=request.args)
    form.action.choices = [SelectChoice("", _("All actions"))] + [
        SelectChoice(action, audit.action_label(action))
        for action in audit.actions_in_log(municipality_id)
        if not action_prefix or action.startswith(action_prefix)
    ]
    actors = sorted(
        _users(audit.actors_in_log(municipality_id)).values(), key=lambda u: u.public_name.lower()
    )
    form.actor.choices = [SelectChoice("", _("Everybody"))] + [
        SelectChoice(str(u.id), u.public_name) for u in actors
    ]
    if platform:
        form.municipality.choices = [SelectChoice("", _("All municipalities"))] + [
            SelectChoice(str(m.id), m.name)
            for m in db.session.scalars(select(Municipality).order_by(Municipality.name))
        ]
    else:
        del form.municipality
    if not form.validate():
        return form, {}, audit.AuditFilters(action_prefix=action_prefix)
    args = {
        name: request.args[name]
        for name in ("municipality", "action", "actor", "since", "until")
        if name in form and form[name].data
    }
    return (
        form,
        args,
        audit.AuditFilters(
            action=form.action.data or None,
            action_prefix=action_prefix,
            actor_id=int(form.actor.data) if form.actor.data else None,
            since=_start_of_day(form.since.data) if form.since.data else None,
            until=_start_of_day(form.until.data + timedelta(days=1)) if form.until.data else None,
            municipality_id=(
                int(form.municipality.data) if platform and form.municipality.data else None
            ),
        ),
    )


def _render(page, form: AuditFilterForm, args: dict, endpoint: str, **context):
    entries = page.items
    return render_template(
        "audit/log.html",
        page=page,
        filters=form,
        filter_args=args,
        endpoint=endpoint,
        actors=_users(entry.actor_id for entry in entries),
        action_label=audit.action_label,
        field_label=audit.field_label,
        object_label=audit.object_label,
        value_text=audit.value_text,
        **context,
    ), (422 if form.errors else 200)


@bp.get("/admin/audit")
def log():
    municipality = current_municipality()
    # Admins read everything; moderators read the moderation entries (what they decided).
    prefix = None if can("audit.read", municipality) else MODERATION_ACTIONS
    if prefix is not None:
        require("audit.read_moderation", municipality)
    form, args, filters = _filters(municipality.id, platform=False, action_prefix=prefix)
    page = paginate(audit.municipality_log(municipality.id, filters))
    return _render(
        page,
        form,
        args,
        "audit.log",
        municipality=municipality,
        platform=False,
        moderation_only=prefix is not None,
    )


@platform_bp.get("/audit")
def log_all():
    require("audit.read_all")
    form, args, filters = _filters(None, platform=True)
    page = paginate(audit.platform_log(filters))
    ids = {entry.municipality_id for entry in page.items if entry.municipality_id is not None}
    municipalities = (
        {m.id: m for m in db.session.scalars(select(Municipality).where(Municipality.id.in_(ids)))}
        if ids
        else {}
    )
    return _render(
        page, form, args, "platform_audit.log_all", municipalities=municipalities, platform=True
    )
