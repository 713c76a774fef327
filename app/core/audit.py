"""The append-only audit log of moderation and administrative actions.

Entries are written in the same transaction as the change they describe, so a rolled-back change
leaves no entry and a committed one always has its entry. The ORM refuses to update or delete them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Select, String, Text, event, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core.time import UTCDateTime, utcnow
from app.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipalities.id", ondelete="SET NULL"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(80))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class AuditLogIsAppendOnly(RuntimeError):
    pass


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_change(mapper, connection, target) -> None:
    raise AuditLogIsAppendOnly("audit entries cannot be changed or deleted")


def record(
    *,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: int | None,
    municipality_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        municipality_id=municipality_id,
        before=before,
        after=after,
        reason=reason,
    )
    db.session.add(entry)
    return entry


# --- reading the log ----------------------------------------------------------------------------

_ACTION_LABELS: dict[str, Any] = {}


def label_actions(labels: Mapping[str, Any]) -> None:
    """Let a domain name its actions for the people reading the log (lazy strings welcome).

    An action nobody named is shown by its key, so the log never hides an entry.
    """
    _ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    label = _ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def labelled_actions() -> set[str]:
    return set(_ACTION_LABELS)


# What the before/after fields and the objects of entries are called for readers. Field names are
# shared across domains (a title is a title), so the common ones are named here; a domain names
# its own with ``label_fields`` / ``label_objects``. An unnamed one is shown by its key.
_FIELD_LABELS: dict[str, Any] = {
    "title": _l("Title"),
    "name": _l("Name"),
    "slug": _l("Address"),
    "state": _l("State"),
    "status": _l("Status"),
    "visibility": _l("Visibility"),
    "kind": _l("Kind"),
    "formats": _l("Formats"),
    "starts_at": _l("Start"),
    "ends_at": _l("End"),
    "at": _l("Time"),
    "until": _l("Until"),
    "expires_at": _l("Expires"),
    "lifted_at": _l("Lifted"),
    "decided_on": _l("Decided on"),
    "next_steps_by": _l("Next steps by"),
    "reason": _l("Reason"),
    "note": _l("Note"),
    "text": _l("Text"),
    "body": _l("Text"),
    "role": _l("Role"),
    "email": _l("E-mail address"),
    "user_id": _l("Person"),
    "process_id": _l("Process"),
    "proposal_id": _l("Proposal"),
    "event_id": _l("Event"),
    "block_id": _l("Block"),
    "count": _l("Number"),
    "comments": _l("Comments"),
    "proposals": _l("Proposals"),
    "categories": _l("Categories"),
    "answer_threshold": _l("Supports for an answer"),
    "answer_days": _l("Days to answer"),
    "official": _l("Official answer"),
    "office": _l("Office"),
    "published": _l("Published"),
    "is_active": _l("Active"),
    "ags": _l("Municipality key (AGS)"),
    "federal_state": _l("Federal state"),
    "member_reports": _l("Reports by members"),
    "reports_closed": _l("Reports closed"),
    "residents_only": _l("Verified residents only"),
    "method": _l("Method"),
    "prefix": _l("Prefix"),
    "label": _l("Label"),
    "filename": _l("File name"),
    "content_type": _l("File type"),
    "size": _l("Size"),
    "caption": _l("Caption"),
    "alt": _l("Text alternative"),
    "version": _l("Version"),
    "target": _l("Target"),
    "merged_into": _l("Merged into"),
    "status_change": _l("Status change"),
    "channel": _l("Channel"),
    "votes": _l("Votes"),
    "adopted": _l("Adopted"),
    "reference": _l("Reference"),
    "asks_consent": _l("Asks for consent again"),
    "export_names": _l("Names in exports"),
    "audience": _l("Audience"),
    "anonymous": _l("Anonymous"),
    "schedule": _l("Schedule"),
    "results_visibility": _l("Results"),
    "outcome": _l("Outcome"),
}
_OBJECT_LABELS: dict[str, Any] = {
    "process": _l("Process"),
    "phase": _l("Phase"),
    "proposal": _l("Proposal"),
    "comment": _l("Comment"),
    "survey": _l("Survey"),
    "contribution": _l("Contribution"),
    "municipality": _l("Municipality"),
    "membership": _l("Membership"),
    "invitation": _l("Invitation"),
    "user": _l("Person"),
    "block": _l("Block"),
}


def label_fields(labels: Mapping[str, Any]) -> None:
    """Let a domain name the fields of its entries' before/after for readers."""
    _FIELD_LABELS.update(labels)


def label_objects(labels: Mapping[str, Any]) -> None:
    """Let a domain name the kinds of object its entries are about."""
    _OBJECT_LABELS.update(labels)


def field_label(key: str) -> str:
    label = _FIELD_LABELS.get(key)
    return str(label) if label is not None else key


def object_label(object_type: str) -> str:
    label = _OBJECT_LABELS.get(object_type)
    return str(label) if label is not None else object_type


NOTHING = "\u2013"  # the dash for an empty value
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?$")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def value_text(value: Any) -> str:
    """A before/after value as a reader wants it: moments in local time and the short format,
    days likewise, yes/no, lists joined; everything else as stored (escaped on output)."""
    from flask_babel import format_date, format_datetime
    from flask_babel import gettext as _

    if value is None or value == "":
        return NOTHING
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return ", ".join(value_text(item) for item in value) or NOTHING
    if isinstance(value, str) and _ISO_MOMENT.match(value):
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return format_datetime(moment, "short")
    if isinstance(value, str) and _ISO_DAY.match(value):
        return format_date(date.fromisoformat(value), "short")
    return str(value)


@dataclass(frozen=True)
class AuditFilters:
    """What a reader narrows the log to; ``until`` is exclusive. Empty fields filter nothing."""

    action: str | None = None
    action_prefix: str | None = None  # e.g. "moderation.": what a moderator may read
    actor_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    municipality_id: int | None = None  # only on the platform-wide log


def _filtered(statement: Select, filters: AuditFilters) -> Select:
    if filters.action:
        statement = statement.where(AuditEntry.action == filters.action)
    if filters.action_prefix:
        statement = statement.where(AuditEntry.action.startswith(filters.action_prefix))
    if filters.actor_id is not None:
        statement = statement.where(AuditEntry.actor_id == filters.actor_id)
    if filters.since is not None:
        statement = statement.where(AuditEntry.created_at >= filters.since)
    if filters.until is not None:
        statement = statement.where(AuditEntry.created_at < filters.until)
    return statement.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


def municipality_log(municipality_id: int, filters: AuditFilters) -> Select:
    """One municipality's entries, newest first; ``filters.municipality_id`` is ignored here."""
    return _filtered(
        select(AuditEntry).where(AuditEntry.municipality_id == municipality_id), filters
    )


def platform_log(filters: AuditFilters) -> Select:
    """Every entry of the installation, newest first, optionally of one municipality."""
    statement = select(AuditEntry)
    if filters.municipality_id is not None:
        statement = statement.where(AuditEntry.municipality_id == filters.municipality_id)
    return _filtered(statement, filters)


def _scoped(column, municipality_id: int | None) -> Select:
    statement = select(column).distinct()
    if municipality_id is not None:
        statement = statement.where(AuditEntry.municipality_id == municipality_id)
    return statement


def actions_in_log(municipality_id: int | None) -> list[str]:
    """The actions that occur in the log (of one municipality, or all): the filter's choices."""
    return sorted(db.session.scalars(_scoped(AuditEntry.action, municipality_id)))


def actors_in_log(municipality_id: int | None) -> list[int]:
    """The ids of accounts that acted in the log (of one municipality, or all)."""
    statement = _scoped(AuditEntry.actor_id, municipality_id).where(
        AuditEntry.actor_id.is_not(None)
    )
    return list(db.session.scalars(statement))
