"""Imports every model module so that the metadata (and so Alembic) knows all tables.

Each domain listed in ``app.DOMAINS`` contributes its ``models`` module, if it has one; ``core``
holds the few tables every domain shares.
"""

from __future__ import annotations

import importlib
import importlib.util

from app import DOMAINS
from app.core.audit import AuditEntry  # noqa: F401
from app.core.mail import OutgoingMail  # noqa: F401

for _domain in DOMAINS:
    if importlib.util.find_spec(f"{_domain}.models") is not None:
        importlib.import_module(f"{_domain}.models")
