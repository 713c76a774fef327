"""The append-only audit log of moderation and administrative actions.

Entries are written in the same transaction as the change they describe, so a rolled-back change
leaves no entry and a committed one always has its entry. The ORM refuses to update or delete them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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


@dataclass(frozen=True)
class AuditFilters:
    """What a reader narrows the log to; ``until`` is exclusive. Empty fields filter nothing."""

    action: str | None = None
    actor_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    municipality_id: int | None = None  # only on the platform-wide log


def _filtered(statement: Select, filters: AuditFilters) -> Select:
    if filters.action:
        statement = statement.where(AuditEntry.action == filters.action)
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
