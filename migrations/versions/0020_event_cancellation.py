"""event cancellation: an event can be called off with a reason, and stays visible

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 12:30:00

``events.cancelled_at`` (when, NULL while it takes place), ``events.cancellation_reason`` (plain
text shown on the event page) and ``events.cancelled_by_id`` (who called it off; the audit log keeps
the same). Batch mode, so SQLite rebuilds the table for the new foreign key.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("cancellation_reason", sa.Text(), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("cancelled_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_events_cancelled_by_id_users"),
            "users",
            ["cancelled_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_events_cancelled_by_id_users"), type_="foreignkey")
        batch_op.drop_column("cancelled_by_id")
        batch_op.drop_column("cancellation_reason")
        batch_op.drop_column("cancelled_at")
