"""Imports every model module so that the metadata (and so Alembic) knows all tables."""

from app.accounts.models import User  # noqa: F401
from app.core.audit import AuditEntry  # noqa: F401
from app.municipalities.models import Invitation, Membership, Municipality  # noqa: F401
