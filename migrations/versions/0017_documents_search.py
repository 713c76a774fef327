"""documents and search: attached documents, search index

The German full-text indexes (expression GIN indexes) exist on PostgreSQL only; SQLite searches with
LIKE on folded text instead. Each expression is exactly the one ``app.search`` (and
``app.documents.models``) query, so PostgreSQL uses the index.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

SEARCH_INDEXES = {
    "ix_documents_search": (
        "documents",
        "to_tsvector('german'::regconfig, title || ' ' || description)",
    ),
    "ix_processes_search": (
        "processes",
        "to_tsvector('german'::regconfig, title || ' ' || summary || ' ' || description)",
    ),
    "ix_comments_search": ("comments", "to_tsvector('german'::regconfig, source)"),
    "ix_outcomes_search": (
        "outcomes",
        "to_tsvector('german'::regconfig, summary || ' ' || next_steps)",
    ),
}


def upgrade():
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("phase_id", sa.Integer(), nullable=True),
        sa.Column("answer_id", sa.Integer(), nullable=True),
        sa.Column("outcome_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("alt_text", sa.Text(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("thumbnail_key", sa.String(length=200), nullable=True),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(CASE WHEN phase_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN answer_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN outcome_id IS NULL THEN 0 ELSE 1 END) <= 1",
            name=op.f("ck_documents_one_attachment"),
        ),
        sa.CheckConstraint("size >= 0", name=op.f("ck_documents_size_not_negative")),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_documents_municipality_id_municipalities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["processes.id"],
            name=op.f("fk_documents_process_id_processes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["phase_id"],
            ["phases.id"],
            name=op.f("fk_documents_phase_id_phases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["proposal_status_changes.id"],
            name=op.f("fk_documents_answer_id_proposal_status_changes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["outcome_id"],
            ["outcomes.id"],
            name=op.f("fk_documents_outcome_id_outcomes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_documents_uploaded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_documents_storage_key")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_documents_municipality_id"), ["municipality_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_documents_phase_id"), ["phase_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_answer_id"), ["answer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_outcome_id"), ["outcome_id"], unique=False)
        batch_op.create_index(
            "ix_documents_process_created", ["process_id", "created_at"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        for name, (table, expression) in SEARCH_INDEXES.items():
            op.execute(f"CREATE INDEX {name} ON {table} USING gin ({expression})")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name in SEARCH_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index("ix_documents_process_created")
        batch_op.drop_index(batch_op.f("ix_documents_outcome_id"))
        batch_op.drop_index(batch_op.f("ix_documents_answer_id"))
        batch_op.drop_index(batch_op.f("ix_documents_phase_id"))
        batch_op.drop_index(batch_op.f("ix_documents_municipality_id"))
    op.drop_table("documents")
