"""city scale: kept counters, covering indexes, stable random order

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 09:30:00

Kept: ``proposals.answer_due_at``, the deadline of the answer promise (the time of the proposal's
N-th current support plus D days), maintained when supports change and recomputed when a process's
promise changes; the promise figures read it instead of ranking every support of the process on each
page view. Covering: supports by (proposal, time), so the N-th support is one short index scan.
"""

from datetime import UTC, timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _backfill() -> None:
    """Set ``answer_due_at`` of every proposal that reached its process's threshold."""
    bind = op.get_bind()
    settings = bind.execute(
        sa.text(
            "SELECT process_id, answer_threshold, answer_days FROM proposal_settings "
            "WHERE answer_threshold IS NOT NULL AND answer_days IS NOT NULL"
        )
    ).all()
    for process_id, threshold, days in settings:
        rows = bind.execute(
            sa.text(
                "SELECT proposal_id, created_at FROM ("
                " SELECT s.proposal_id, s.created_at, row_number() OVER ("
                "  PARTITION BY s.proposal_id ORDER BY s.created_at, s.id) AS rank"
                " FROM proposal_supports s JOIN proposals p ON p.id = s.proposal_id"
                " WHERE p.process_id = :process) ranked WHERE rank = :threshold"
            ),
            {"process": process_id, "threshold": threshold},
        ).all()
        updates = []
        for proposal_id, reached in rows:
            if isinstance(reached, str):  # SQLite hands back text
                from datetime import datetime

                reached = datetime.fromisoformat(reached)
            if reached.tzinfo is None:
                reached = reached.replace(tzinfo=UTC)
            due = (reached + timedelta(days=days)).astimezone(UTC)
            if bind.dialect.name == "sqlite":
                due = due.replace(tzinfo=None).isoformat(sep=" ")
            updates.append({"id": proposal_id, "due": due})
        if updates:
            bind.execute(
                sa.text("UPDATE proposals SET answer_due_at = :due WHERE id = :id"), updates
            )


def upgrade():
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answer_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_proposals_process_due", ["process_id", "answer_due_at"])
    with op.batch_alter_table("proposal_supports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_proposal_supports_proposal_created", ["proposal_id", "created_at", "id"]
        )
    _backfill()


def downgrade():
    with op.batch_alter_table("proposal_supports", schema=None) as batch_op:
        batch_op.drop_index("ix_proposal_supports_proposal_created")
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index("ix_proposals_process_due")
        batch_op.drop_column("answer_due_at")
