from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.roles import Role, TrialogGroup, group_for
from app.core.time import UTCDateTime, utcnow
from app.extensions import db

if TYPE_CHECKING:
    from app.municipalities.models import Membership, Municipality


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime())
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # Process architects (platform level, set by platform admins) answer first consultations of
    # municipalities (``app/facilitation``); a flag like the platform admin's, not a membership.
    is_process_architect: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The UI language last chosen; mails (notifications) are written in it. None: the default.
    locale: Mapped[str | None] = mapped_column(String(10))

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def get_id(self) -> str:
        """Flask-Login's session key carries the session version, so bumping it logs out everywhere."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.deleted_at is None

    @property
    def public_name(self) -> str:
        """The name shown on contributions; deleted accounts appear anonymised."""
        return self.display_name if self.deleted_at is None else str(_l("Deleted account"))

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    def membership_in(self, municipality: Municipality) -> Membership | None:
        return next((m for m in self.memberships if m.municipality_id == municipality.id), None)

    def role_in(self, municipality: Municipality) -> Role | None:
        membership = self.membership_in(municipality)
        return membership.role if membership else None

    def group_in(self, municipality: Municipality) -> TrialogGroup:
        """The trialog group this person speaks for in ``municipality`` right now."""
        return group_for(self.role_in(municipality))

    def __repr__(self) -> str:
        return f"<User {self.id}>"
