"""drafts: draft texts, versions, chapters, paragraphs, how comments were taken in

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_drafts_municipality_id_municipalities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["processes.id"],
            name=op.f("fk_drafts_process_id_processes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drafts")),
    )
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_drafts_municipality_id"), ["municipality_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_drafts_process_id"), ["process_id"], unique=False)

    op.create_table(
        "draft_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("introduction_source", sa.Text(), nullable=False),
        sa.Column("introduction", sa.Text(), nullable=False),
        sa.Column("body_source", sa.Text(), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["draft_id"],
            ["drafts.id"],
            name=op.f("fk_draft_versions_draft_id_drafts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.id"],
            name=op.f("fk_draft_versions_thread_id_threads"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft_versions")),
        sa.UniqueConstraint("draft_id", "number", name=op.f("uq_draft_versions_draft_id_number")),
        sa.UniqueConstraint("thread_id", name=op.f("uq_draft_versions_thread_id")),
    )
    op.create_table(
        "draft_chapters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("identity", sa.String(length=32), nullable=False),
        sa.Column("heading", sa.String(length=300), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.id"],
            name=op.f("fk_draft_chapters_thread_id_threads"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["draft_versions.id"],
            name=op.f("fk_draft_chapters_version_id_draft_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft_chapters")),
        sa.UniqueConstraint("thread_id", name=op.f("uq_draft_chapters_thread_id")),
    )
    with op.batch_alter_table("draft_chapters", schema=None) as batch_op:
        batch_op.create_index(
            "ix_draft_chapters_version_position", ["version_id", "position"], unique=False
        )

    op.create_table(
        "draft_comment_handlings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum("adopted", "partly", "not_adopted", name="draft_handling", length=20),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name=op.f("fk_draft_comment_handlings_comment_id_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_draft_comment_handlings_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["draft_id"],
            ["drafts.id"],
            name=op.f("fk_draft_comment_handlings_draft_id_drafts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_draft_comment_handlings_municipality_id_municipalities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft_comment_handlings")),
        sa.UniqueConstraint("comment_id", name=op.f("uq_draft_comment_handlings_comment_id")),
    )
    with op.batch_alter_table("draft_comment_handlings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_draft_comment_handlings_decided_by_id"), ["decided_by_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_draft_comment_handlings_draft_id"), ["draft_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_draft_comment_handlings_municipality_id"),
            ["municipality_id"],
            unique=False,
        )

    op.create_table(
        "draft_paragraphs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("chapter_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("identity", sa.String(length=32), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["chapter_id"],
            ["draft_chapters.id"],
            name=op.f("fk_draft_paragraphs_chapter_id_draft_chapters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.id"],
            name=op.f("fk_draft_paragraphs_thread_id_threads"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["draft_versions.id"],
            name=op.f("fk_draft_paragraphs_version_id_draft_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft_paragraphs")),
        sa.UniqueConstraint("thread_id", name=op.f("uq_draft_paragraphs_thread_id")),
    )
    with op.batch_alter_table("draft_paragraphs", schema=None) as batch_op:
        batch_op.create_index("ix_draft_paragraphs_identity", ["identity"], unique=False)
        batch_op.create_index(
            "ix_draft_paragraphs_version_position", ["version_id", "position"], unique=False
        )


def downgrade():
    with op.batch_alter_table("draft_paragraphs", schema=None) as batch_op:
        batch_op.drop_index("ix_draft_paragraphs_version_position")
        batch_op.drop_index("ix_draft_paragraphs_identity")

    op.drop_table("draft_paragraphs")
    with op.batch_alter_table("draft_comment_handlings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_draft_comment_handlings_municipality_id"))
        batch_op.drop_index(batch_op.f("ix_draft_comment_handlings_draft_id"))
        batch_op.drop_index(batch_op.f("ix_draft_comment_handlings_decided_by_id"))

    op.drop_table("draft_comment_handlings")
    with op.batch_alter_table("draft_chapters", schema=None) as batch_op:
        batch_op.drop_index("ix_draft_chapters_version_position")

    op.drop_table("draft_chapters")
    op.drop_table("draft_versions")
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drafts_process_id"))
        batch_op.drop_index(batch_op.f("ix_drafts_municipality_id"))

    op.drop_table("drafts")
    sa.Enum(name="draft_handling").drop(op.get_bind(), checkfirst=True)
