"""Residency verification: one-time letter codes, who is verified where, and which processes ask."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql import column

from app.accounts.models import User
from app.core.time import UTCDateTime, utcnow
from app.extensions import db


def _values(enum_cls) -> list[str]:
    return [member.value for member in enum_cls]


class VerificationMethod(StrEnum):
    LETTER = "letter"  # a one-time code sent by post to the registered address
    IN_PERSON = "in_person"  # an ID checked at the Bürgerbüro


class ResidencyRule(db.Model):
    """A process that only verified residents may take part in (reading is unaffected)."""

    __tablename__ = "residency_rules"

    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), primary_key=True
    )
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), index=True
    )
    required: Mapped[bool] = mapped_column(Boolean, default=True)


class CodeBatch(db.Model):
    """A set of letter codes generated together; only their hashes are stored."""

    __tablename__ = "residency_code_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(120), default="")
    size: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ResidencyCode(db.Model):
    """One single-use code; ``code_hash`` is an HMAC of the code, so a database dump reveals none."""

    __tablename__ = "residency_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("residency_code_batches.id", ondelete="CASCADE"), index=True
    )
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ResidencyVerification(db.Model):
    """One person verified as a resident of one municipality, until revoked (with a reason).

    One active (not revoked) verification per person and municipality is a database rule, a
    partial unique index; the services also take the membership's row lock so that the loser of a
    race is told it is verified already instead of meeting the index.
    """

    __tablename__ = "residency_verifications"
    __table_args__ = (
        Index("ix_residency_verifications_lookup", "municipality_id", "user_id", "revoked_at"),
        Index(
            "uq_residency_verifications_active",
            "municipality_id",
            "user_id",
            unique=True,
            postgresql_where=column("revoked_at").is_(None),
            sqlite_where=column("revoked_at").is_(None),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    method: Mapped[VerificationMethod] = mapped_column(
        Enum(VerificationMethod, name="verification_method", values_callable=_values, length=20)
    )
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
