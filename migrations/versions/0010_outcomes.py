"""outcomes: council statements and decisions, published outcomes, report settings

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 09:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("next_steps", sa.Text(), nullable=False),
        sa.Column("next_steps_by", sa.Date(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_outcomes_municipality_id_municipalities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["processes.id"],
            name=op.f("fk_outcomes_process_id_processes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["users.id"],
            name=op.f("fk_outcomes_published_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcomes")),
        sa.UniqueConstraint("process_id", name=op.f("uq_outcomes_process_id")),
    )
    with op.batch_alter_table("outcomes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outcomes_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "report_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("export_names", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["processes.id"],
            name=op.f("fk_report_settings_process_id_processes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_settings")),
        sa.UniqueConstraint("process_id", name=op.f("uq_report_settings_process_id")),
    )
    op.create_table(
        "council_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_council_statements_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            name=op.f("fk_council_statements_contribution_id_contributions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_council_statements_municipality_id_municipalities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["processes.id"],
            name=op.f("fk_council_statements_process_id_processes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_statements")),
        sa.UniqueConstraint("contribution_id", name=op.f("uq_council_statements_contribution_id")),
        sa.UniqueConstraint(
            "process_id", "author_id", name=op.f("uq_council_statements_process_id_author_id")
        ),
    )
    with op.batch_alter_table("council_statements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_statements_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "council_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("body", sa.String(length=120), nullable=False),
        sa.Column("reference", sa.String(length=80), nullable=False),
        sa.Column("votes_for", sa.Integer(), nullable=True),
        sa.Column("votes_against", sa.Integer(), nullable=True),
        sa.Column("abstentions", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(votes_for IS NULL OR votes_for >= 0) AND (votes_against IS NULL OR votes_against >= 0) AND (abstentions IS NULL OR abstentions >= 0)",
            name=op.f("ck_council_decisions_votes_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_council_decisions_municipality_id_municipalities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["processes.id"],
            name=op.f("fk_council_decisions_process_id_processes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_council_decisions_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_council_decisions_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_decisions")),
    )
    with op.batch_alter_table("council_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_decisions_municipality_id"), ["municipality_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_council_decisions_process_id"), ["process_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_council_decisions_proposal_id"), ["proposal_id"], unique=False
        )

    op.create_table(
        "outcome_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outcome_id"],
            ["outcomes.id"],
            name=op.f("fk_outcome_proposals_outcome_id_outcomes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_outcome_proposals_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_proposals")),
        sa.UniqueConstraint(
            "outcome_id", "proposal_id", name=op.f("uq_outcome_proposals_outcome_id_proposal_id")
        ),
    )
    with op.batch_alter_table("outcome_proposals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outcome_proposals_proposal_id"), ["proposal_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("outcome_proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outcome_proposals_proposal_id"))

    op.drop_table("outcome_proposals")
    with op.batch_alter_table("council_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_decisions_proposal_id"))
        batch_op.drop_index(batch_op.f("ix_council_decisions_process_id"))
        batch_op.drop_index(batch_op.f("ix_council_decisions_municipality_id"))

    op.drop_table("council_decisions")
    with op.batch_alter_table("council_statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_statements_municipality_id"))

    op.drop_table("council_statements")
    op.drop_table("report_settings")
    with op.batch_alter_table("outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outcomes_municipality_id"))

    op.drop_table("outcomes")
