"""city scale: kept proposal counts, keyset indexes, a stored random order

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 10:30:00

Kept: ``proposal_counts`` (listed proposals per process, by status or "withdrawn", and by trialog
group) and ``proposals.listed_as`` (under which count a proposal stands, empty while not listed), so
the proposal list never counts its rows. ``proposals.random_key``: a random number drawn once per
proposal, so the random order walks an index instead of sorting the process. The list's sort
indexes end in ``id`` so keyset pages are one range scan.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

RANDOM_KEYS = 2**31 - 1


def _backfill() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        draw = f"floor(random() * {RANDOM_KEYS})::integer"
    else:
        draw = f"abs(random()) % {RANDOM_KEYS}"
    bind.execute(sa.text(f"UPDATE proposals SET random_key = {draw}"))  # noqa: S608
    bind.execute(
        sa.text(
            "UPDATE proposals SET listed_as = CASE WHEN withdrawn_at IS NOT NULL THEN 'withdrawn' "
            "ELSE CAST(status AS VARCHAR(20)) END "
            "WHERE contribution_id IN "
            "(SELECT id FROM contributions WHERE visibility = 'visible')"
        )
    )
    bind.execute(
        sa.text(
            "INSERT INTO proposal_counts (process_id, listed_as, author_group, n) "
            "SELECT p.process_id, p.listed_as, CAST(c.author_group AS VARCHAR(20)), count(*) "
            "FROM proposals p JOIN contributions c ON c.id = p.contribution_id "
            "WHERE p.listed_as IS NOT NULL "
            "GROUP BY p.process_id, p.listed_as, CAST(c.author_group AS VARCHAR(20))"
        )
    )


def upgrade():
    op.create_table(
        "proposal_counts",
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("listed_as", sa.String(length=20), nullable=False),
        sa.Column("author_group", sa.String(length=20), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.CheckConstraint("n >= 0", name=op.f("ck_proposal_counts_not_negative")),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["processes.id"],
            name=op.f("fk_proposal_counts_process_id_processes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "process_id", "listed_as", "author_group", name=op.f("pk_proposal_counts")
        ),
    )
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("random_key", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("listed_as", sa.String(length=20), nullable=True))
        batch_op.drop_index("ix_proposals_process_created")
        batch_op.drop_index("ix_proposals_process_supports")
    _backfill()
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.alter_column("random_key", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(
            "ix_proposals_process_created", ["process_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_proposals_process_supports", ["process_id", "support_count", "id"], unique=False
        )
        batch_op.create_index(
            "ix_proposals_process_random", ["process_id", "random_key", "id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index("ix_proposals_process_random")
        batch_op.drop_index("ix_proposals_process_supports")
        batch_op.drop_index("ix_proposals_process_created")
        batch_op.create_index(
            "ix_proposals_process_supports", ["process_id", "support_count"], unique=False
        )
        batch_op.create_index(
            "ix_proposals_process_created", ["process_id", "created_at"], unique=False
        )
        batch_op.drop_column("listed_as")
        batch_op.drop_column("random_key")
    op.drop_table("proposal_counts")
