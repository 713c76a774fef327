"""What the privacy domain stores: data export requests, consents, and the legal pages' versions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column
from sqlalchemy.sql import column

from app.core.time import UTCDateTime, utcnow
from app.extensions import db


def _values(enum_cls) -> list[str]:
    return [member.value for member in enum_cls]


class ExportState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    READY = "ready"
    FAILED = "failed"


class DataExport(db.Model):
    """One person's request for a copy of their data (Art. 15 and 20 GDPR).

    The ZIP is kept in the database, not on one app server's disk, so any web worker can hand it
    out; it is deleted when the link expires (``expires_at``) by the retention job.
    """

    __tablename__ = "data_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[ExportState] = mapped_column(
        Enum(ExportState, name="export_state", values_callable=_values, length=20),
        default=ExportState.PENDING,
    )
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    size: Mapped[int | None] = mapped_column(Integer)
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))


class ConsentKind(StrEnum):
    TERMS = "terms"
    PRIVACY = "privacy"
    EMAIL_NOTIFICATIONS = "email_notifications"


class Consent(db.Model):
    """One recorded answer of one person to one version of a consent question; never updated.

    The newest row per (person, kind) is the person's current answer; older rows are the history
    that proves what was agreed to when (Art. 7 (1) GDPR).
    """

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_user_kind", "user_id", "kind", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[ConsentKind] = mapped_column(
        Enum(ConsentKind, name="consent_kind", values_callable=_values, length=30)
    )
    version: Mapped[int] = mapped_column(Integer)
    granted: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LegalKind(StrEnum):
    IMPRINT = "impressum"
    PRIVACY = "datenschutz"
    ACCESSIBILITY = "barrierefreiheit"
    TERMS = "nutzungsbedingungen"


class LegalDocument(db.Model):
    """One version of one legal page of one municipality; each save adds a version.

    ``municipality_id`` NULL is the platform operator's own page. ``source`` is the Markdown the
    editor wrote, ``body`` the sanitised HTML made from it.
    ``asks_consent`` marks a version of the terms or privacy policy that everyone must accept again.
    Version numbers are unique per page and scope: the unique constraint for municipalities' pages,
    and beside it a partial unique index for the platform's own (a unique key never matches NULL,
    so two platform versions with one number would pass it).
    """

    __tablename__ = "legal_documents"
    __table_args__ = (
        UniqueConstraint("municipality_id", "kind", "version"),
        Index(
            "uq_legal_documents_platform_kind_version",
            "kind",
            "version",
            unique=True,
            postgresql_where=column("municipality_id").is_(None),
            sqlite_where=column("municipality_id").is_(None),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[LegalKind] = mapped_column(
        Enum(LegalKind, name="legal_kind", values_callable=_values, length=30)
    )
    version: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)  # what the editor wrote (Markdown)
    body: Mapped[str] = mapped_column(Text)  # the sanitised HTML shown
    asks_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
