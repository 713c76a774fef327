"""unique legal versions and residency verifications

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 17:45:00

The platform's legal page versions, and a person's active residency verification, are unique in
the database:

- ``uq_legal_documents_platform_kind_version``: one number per version of each of the platform's
  own legal pages (``municipality_id`` NULL). The unique constraint on (municipality_id, kind,
  version) never matches NULL, so two platform admins saving at once both stored, say, version 4.
  Existing duplicates are renumbered first, in the order they were saved (version, created_at,
  id): a version keeps its number unless an earlier one holds it, and then takes the next free
  one, shifting the later versions only as far as needed (4, 4, 5 becomes 4, 5, 6). Consents keep
  the number they recorded; someone who accepted a renumbered terms version may be asked to accept
  again, never the other way round. The renumbering is not undone by the downgrade.
- ``uq_residency_verifications_active``: one active (not revoked) verification per person and
  municipality. Where a person holds several (from before the services' row lock), the first one
  stays and the later ones are marked revoked, with the reason saying why.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

PLATFORM = sa.text("municipality_id IS NULL")
ACTIVE = sa.text("revoked_at IS NULL")
DUPLICATE_REASON = (
    "Doppelte Verifizierung, bei der Umstellung auf eine je Person und Kommune beendet"
)


def _renumber_platform_versions(connection) -> None:
    legal = sa.table(
        "legal_documents",
        sa.column("id", sa.Integer),
        sa.column("municipality_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("version", sa.Integer),
        sa.column("created_at", sa.DateTime),
    )
    rows = connection.execute(
        sa.select(legal.c.id, legal.c.kind, legal.c.version)
        .where(legal.c.municipality_id.is_(None))
        .order_by(legal.c.kind, legal.c.version, legal.c.created_at, legal.c.id)
    ).all()
    last: dict[str, int] = {}
    for row in rows:
        number = max(row.version, last.get(row.kind, 0) + 1)
        last[row.kind] = number
        if number != row.version:
            connection.execute(sa.update(legal).where(legal.c.id == row.id).values(version=number))


def _end_duplicate_verifications(connection) -> None:
    verifications = sa.table(
        "residency_verifications",
        sa.column("id", sa.Integer),
        sa.column("municipality_id", sa.Integer),
        sa.column("user_id", sa.Integer),
        sa.column("revoked_at", sa.DateTime(timezone=True)),
        sa.column("revoke_reason", sa.Text),
    )
    first = (
        sa.select(sa.func.min(verifications.c.id))
        .where(verifications.c.revoked_at.is_(None))
        .group_by(verifications.c.municipality_id, verifications.c.user_id)
    )
    connection.execute(
        sa.update(verifications)
        .where(verifications.c.revoked_at.is_(None), verifications.c.id.not_in(first))
        .values(revoked_at=datetime.now(UTC), revoke_reason=DUPLICATE_REASON)
    )


def upgrade():
    connection = op.get_bind()
    _renumber_platform_versions(connection)
    _end_duplicate_verifications(connection)
    with op.batch_alter_table("legal_documents", schema=None) as batch_op:
        batch_op.create_index(
            "uq_legal_documents_platform_kind_version",
            ["kind", "version"],
            unique=True,
            postgresql_where=PLATFORM,
            sqlite_where=PLATFORM,
        )
    with op.batch_alter_table("residency_verifications", schema=None) as batch_op:
        batch_op.create_index(
            "uq_residency_verifications_active",
            ["municipality_id", "user_id"],
            unique=True,
            postgresql_where=ACTIVE,
            sqlite_where=ACTIVE,
        )


def downgrade():
    with op.batch_alter_table("residency_verifications", schema=None) as batch_op:
        batch_op.drop_index("uq_residency_verifications_active")
    with op.batch_alter_table("legal_documents", schema=None) as batch_op:
        batch_op.drop_index("uq_legal_documents_platform_kind_version")
