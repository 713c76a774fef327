"""report figures: the consolidated report's participation figures, kept per process

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 14:40:00

Counting a process's participation figures reads every contribution, support and reaction of it
(about four seconds at 100,000 proposals and 1.1 million contributions). The last count is kept per
process with when and at which write generation it was made, how long it took and who is counting
again (``app.outcomes.kept``).
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_figures",
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("generation", sa.BigInteger(), nullable=True),
        sa.Column("seconds_taken", sa.Float(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("refreshing_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["processes.id"],
            name=op.f("fk_report_figures_process_id_processes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("process_id", name=op.f("pk_report_figures")),
    )


def downgrade():
    op.drop_table("report_figures")
