"""comments: comments, their reactions, the threads of processes' own discussions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 17:13:37.421194

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("root_id", sa.Integer(), nullable=True),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("is_official_answer", sa.Boolean(), nullable=False),
        sa.Column("agree_count", sa.Integer(), nullable=False),
        sa.Column("disagree_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            name=op.f("fk_comments_contribution_id_contributions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["comments.id"],
            name=op.f("fk_comments_parent_id_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["root_id"],
            ["comments.id"],
            name=op.f("fk_comments_root_id_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.id"],
            name=op.f("fk_comments_thread_id_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
        sa.UniqueConstraint("contribution_id", name=op.f("uq_comments_contribution_id")),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index("ix_comments_root_id", ["root_id"], unique=False)
        batch_op.create_index("ix_comments_thread_root", ["thread_id", "root_id"], unique=False)

    op.create_table(
        "process_threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["processes.id"],
            name=op.f("fk_process_threads_process_id_processes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.id"],
            name=op.f("fk_process_threads_thread_id_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_process_threads")),
        sa.UniqueConstraint("process_id", name=op.f("uq_process_threads_process_id")),
        sa.UniqueConstraint("thread_id", name=op.f("uq_process_threads_thread_id")),
    )
    op.create_table(
        "comment_reactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "value",
            sa.Enum("agree", "disagree", name="comment_reaction", length=10),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name=op.f("fk_comment_reactions_comment_id_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_comment_reactions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_reactions")),
        sa.UniqueConstraint(
            "comment_id", "user_id", name=op.f("uq_comment_reactions_comment_id_user_id")
        ),
    )
    with op.batch_alter_table("comment_reactions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comment_reactions_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("comment_reactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_reactions_user_id"))
    op.drop_table("comment_reactions")
    op.drop_table("process_threads")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_thread_root")
        batch_op.drop_index("ix_comments_root_id")
    op.drop_table("comments")
    sa.Enum(name="comment_reaction").drop(op.get_bind(), checkfirst=True)
