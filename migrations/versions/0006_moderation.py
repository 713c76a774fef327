"""moderation: reports, report counts, decisions, review requests, blocks, settings;
processes.premoderated

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 17:12:21.735045

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ENUMS = ("moderation_action", "report_reason")


def upgrade():
    op.create_table(
        "moderation_settings",
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("hide_threshold", sa.Integer(), nullable=True),
        sa.Column("netiquette", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "hide_threshold IS NULL OR hide_threshold >= 1",
            name=op.f("ck_moderation_settings_threshold_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_moderation_settings_municipality_id_municipalities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("municipality_id", name=op.f("pk_moderation_settings")),
    )

    op.create_table(
        "blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            name=op.f("fk_blocks_contribution_id_contributions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_blocks_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lifted_by_id"],
            ["users.id"],
            name=op.f("fk_blocks_lifted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_blocks_municipality_id_municipalities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_blocks_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocks")),
    )

    with op.batch_alter_table("blocks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_blocks_municipality_user", ["municipality_id", "user_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_blocks_user_id"), ["user_id"], unique=False)

    op.create_table(
        "moderation_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column(
            "action",
            sa.Enum(
                "keep",
                "hide",
                "auto_hide",
                "restore",
                "approve",
                "reject",
                "uphold",
                name="moderation_action",
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_moderation_decisions_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            name=op.f("fk_moderation_decisions_contribution_id_contributions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_moderation_decisions_municipality_id_municipalities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_decisions")),
    )

    with op.batch_alter_table("moderation_decisions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_moderation_decisions_contribution", ["contribution_id", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_moderation_decisions_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "report_counts",
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("open_count", sa.Integer(), nullable=False),
        sa.Column("last_reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            name=op.f("fk_report_counts_contribution_id_contributions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_report_counts_municipality_id_municipalities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contribution_id", name=op.f("pk_report_counts")),
    )

    with op.batch_alter_table("report_counts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_report_counts_queue", ["municipality_id", "open_count"], unique=False
        )

    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column(
            "reason",
            sa.Enum(
                "insult",
                "spam",
                "personal_data",
                "off_topic",
                "illegal",
                "other",
                name="report_reason",
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            name=op.f("fk_reports_contribution_id_contributions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["moderation_decisions.id"],
            name=op.f("fk_reports_decision_id_moderation_decisions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_reports_municipality_id_municipalities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["users.id"],
            name=op.f("fk_reports_reporter_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint(
            "contribution_id", "reporter_id", name=op.f("uq_reports_contribution_id_reporter_id")
        ),
    )

    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reports_municipality_open", ["municipality_id", "decision_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_reports_reporter_id"), ["reporter_id"], unique=False)

    op.create_table(
        "review_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["moderation_decisions.id"],
            name=op.f("fk_review_requests_decision_id_moderation_decisions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_review_requests_municipality_id_municipalities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"],
            ["users.id"],
            name=op.f("fk_review_requests_requester_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resolution_id"],
            ["moderation_decisions.id"],
            name=op.f("fk_review_requests_resolution_id_moderation_decisions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_requests")),
        sa.UniqueConstraint("decision_id", name=op.f("uq_review_requests_decision_id")),
    )

    with op.batch_alter_table("review_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_requests_municipality_id"), ["municipality_id"], unique=False
        )

    with op.batch_alter_table("processes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("premoderated", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("processes", schema=None) as batch_op:
        batch_op.drop_column("premoderated")

    with op.batch_alter_table("review_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_requests_municipality_id"))
    op.drop_table("review_requests")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reports_reporter_id"))
        batch_op.drop_index("ix_reports_municipality_open")
    op.drop_table("reports")
    with op.batch_alter_table("report_counts", schema=None) as batch_op:
        batch_op.drop_index("ix_report_counts_queue")
    op.drop_table("report_counts")
    with op.batch_alter_table("moderation_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_moderation_decisions_municipality_id"))
        batch_op.drop_index("ix_moderation_decisions_contribution")
    op.drop_table("moderation_decisions")
    with op.batch_alter_table("blocks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_blocks_user_id"))
        batch_op.drop_index("ix_blocks_municipality_user")
    op.drop_table("blocks")
    op.drop_table("moderation_settings")
    # PostgreSQL keeps enum types after their tables are gone; drop them so upgrade works again.
    for name in ENUMS:
        sa.Enum(name=name).drop(op.get_bind(), checkfirst=True)
