"""facilitation: facilitator directory, process architects, first consultations

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 11:30:00

``facilitator_profiles`` (the platform-wide directory, reviewed by platform admins),
``users.is_process_architect`` (the platform role that answers first consultations),
``consultation_requests`` (a municipality's request with the participation-concept template as
JSON) and ``consultation_steps`` (its append-only history).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "facilitator_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=200), nullable=False),
        sa.Column("methods", sa.Text(), nullable=False),
        sa.Column("languages", sa.String(length=200), nullable=False),
        sa.Column("references", sa.Text(), nullable=False),
        sa.Column("about", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending", "approved", "rejected", name="facilitator_profile_status", length=20
            ),
            nullable=False,
        ),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["users.id"],
            name=op.f("fk_facilitator_profiles_reviewed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_facilitator_profiles_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facilitator_profiles")),
    )
    with op.batch_alter_table("facilitator_profiles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_facilitator_profiles_user_id"), ["user_id"], unique=True
        )

    op.create_table(
        "consultation_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("goals", sa.Text(), nullable=False),
        sa.Column("timing", sa.String(length=300), nullable=False),
        sa.Column("local_context", sa.Text(), nullable=False),
        sa.Column("previous_experience", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "in_consultation",
                "proposed",
                "accepted",
                name="consultation_status",
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("concept", sa.JSON(), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), nullable=True),
        sa.Column("process_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["facilitator_id"],
            ["users.id"],
            name=op.f("fk_consultation_requests_facilitator_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_consultation_requests_municipality_id_municipalities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["processes.id"],
            name=op.f("fk_consultation_requests_process_id_processes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_consultation_requests_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_requests")),
    )
    with op.batch_alter_table("consultation_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_requests_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_consultation_requests_municipality_id"),
            ["municipality_id"],
            unique=False,
        )

    op.create_table(
        "consultation_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "submitted",
                "message",
                "proposal",
                "accepted",
                "concept",
                "draft",
                name="consultation_step_kind",
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("by_architect", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_consultation_steps_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["facilitator_id"],
            ["users.id"],
            name=op.f("fk_consultation_steps_facilitator_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["consultation_requests.id"],
            name=op.f("fk_consultation_steps_request_id_consultation_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_steps")),
    )
    with op.batch_alter_table("consultation_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_steps_request_id"), ["request_id"], unique=False
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "is_process_architect", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("is_process_architect")

    with op.batch_alter_table("consultation_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_steps_request_id"))

    op.drop_table("consultation_steps")
    with op.batch_alter_table("consultation_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_requests_municipality_id"))
        batch_op.drop_index(batch_op.f("ix_consultation_requests_created_at"))

    op.drop_table("consultation_requests")
    with op.batch_alter_table("facilitator_profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_facilitator_profiles_user_id"))

    op.drop_table("facilitator_profiles")
    bind = op.get_bind()
    for enum in ("consultation_step_kind", "consultation_status", "facilitator_profile_status"):
        sa.Enum(name=enum).drop(bind, checkfirst=True)
