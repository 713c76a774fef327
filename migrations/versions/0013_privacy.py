"""privacy: consents, legal pages, residency verification, data exports

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 09:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ENUMS = ("export_state", "consent_kind", "legal_kind", "verification_method")


def upgrade():
    # Supports and reactions of deleted accounts stay counted but unlinked.
    for table in ("proposal_supports", "comment_reactions"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=True)

    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("terms", "privacy", "email_notifications", name="consent_kind", length=30),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_consents_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consents_user_kind", ["user_id", "kind", "created_at"], unique=False
        )

    op.create_table(
        "data_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum("pending", "running", "ready", "failed", name="export_state", length=20),
            nullable=False,
        ),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_data_exports_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_exports")),
    )
    with op.batch_alter_table("data_exports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_data_exports_user_id"), ["user_id"], unique=False)

    op.create_table(
        "legal_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "impressum",
                "datenschutz",
                "barrierefreiheit",
                "nutzungsbedingungen",
                name="legal_kind",
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("asks_consent", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_legal_documents_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_legal_documents_municipality_id_municipalities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_documents")),
        sa.UniqueConstraint(
            "municipality_id",
            "kind",
            "version",
            name=op.f("uq_legal_documents_municipality_id_kind_version"),
        ),
    )
    with op.batch_alter_table("legal_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_legal_documents_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "residency_code_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_residency_code_batches_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_residency_code_batches_municipality_id_municipalities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_residency_code_batches")),
    )
    with op.batch_alter_table("residency_code_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_residency_code_batches_municipality_id"),
            ["municipality_id"],
            unique=False,
        )

    op.create_table(
        "residency_verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "method",
            sa.Enum("letter", "in_person", name="verification_method", length=20),
            nullable=False,
        ),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_residency_verifications_municipality_id_municipalities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"],
            ["users.id"],
            name=op.f("fk_residency_verifications_revoked_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_residency_verifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["verified_by_id"],
            ["users.id"],
            name=op.f("fk_residency_verifications_verified_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_residency_verifications")),
    )
    with op.batch_alter_table("residency_verifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_residency_verifications_lookup",
            ["municipality_id", "user_id", "revoked_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_residency_verifications_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "residency_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["residency_code_batches.id"],
            name=op.f("fk_residency_codes_batch_id_residency_code_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_residency_codes_municipality_id_municipalities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["used_by_id"],
            ["users.id"],
            name=op.f("fk_residency_codes_used_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_residency_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_residency_codes_code_hash")),
    )
    with op.batch_alter_table("residency_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_residency_codes_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_residency_codes_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "residency_rules",
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_residency_rules_municipality_id_municipalities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["processes.id"],
            name=op.f("fk_residency_rules_process_id_processes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("process_id", name=op.f("pk_residency_rules")),
    )
    with op.batch_alter_table("residency_rules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_residency_rules_municipality_id"), ["municipality_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("residency_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_residency_rules_municipality_id"))

    op.drop_table("residency_rules")
    with op.batch_alter_table("residency_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_residency_codes_municipality_id"))
        batch_op.drop_index(batch_op.f("ix_residency_codes_batch_id"))

    op.drop_table("residency_codes")
    with op.batch_alter_table("residency_verifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_residency_verifications_user_id"))
        batch_op.drop_index("ix_residency_verifications_lookup")

    op.drop_table("residency_verifications")
    with op.batch_alter_table("residency_code_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_residency_code_batches_municipality_id"))

    op.drop_table("residency_code_batches")
    with op.batch_alter_table("legal_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legal_documents_municipality_id"))

    op.drop_table("legal_documents")
    with op.batch_alter_table("data_exports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_exports_user_id"))

    op.drop_table("data_exports")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index("ix_consents_user_kind")

    op.drop_table("consents")
    for table in ("proposal_supports", "comment_reactions"):
        op.execute(sa.text(f"DELETE FROM {table} WHERE user_id IS NULL"))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
    if op.get_bind().dialect.name == "postgresql":
        for name in ENUMS:
            op.execute(f"DROP TYPE IF EXISTS {name}")
