"""promise figures from indexes: the answer promise's counts without reading every proposal row

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 13:05:00

The figures of the answer promise (answered on time, late, overdue, pending) were one aggregate
over every proposal that reached the threshold, joined to its contribution for its visibility:
54-160 ms at 100,000 proposals, on every list, process and proposal page. Now they are counted
from ``ix_proposals_process_due`` alone (it holds the answer and withdrawal times too), minus the
few proposals that are not shown, found through the new partial index
``ix_contributions_unpublished``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

UNPUBLISHED = sa.text("visibility <> 'visible'")


def upgrade():
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index("ix_proposals_process_due")
        batch_op.create_index(
            "ix_proposals_process_due",
            ["process_id", "answer_due_at", "answered_at", "withdrawn_at"],
        )
    op.create_index(
        "ix_contributions_unpublished",
        "contributions",
        ["process_id"],
        postgresql_where=UNPUBLISHED,
        sqlite_where=UNPUBLISHED,
    )


def downgrade():
    op.drop_index("ix_contributions_unpublished", table_name="contributions")
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index("ix_proposals_process_due")
        batch_op.create_index("ix_proposals_process_due", ["process_id", "answer_due_at"])
