"""proposals: proposals, supports, status history, council statements, settings, categories

The German full-text index (an expression GIN index) exists on PostgreSQL only; SQLite searches the
case-folded ``search_text`` column instead. The index on threads (process, comment count) serves
sorting a process's proposals by comments.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 17:40:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

STATUSES = ('submitted', 'under_review', 'accepted', 'partially_accepted', 'rejected', 'implemented', 'merged')
SEARCH_INDEX = (
    "CREATE INDEX ix_proposals_search ON proposals "
    "USING gin (to_tsvector('german'::regconfig, title || ' ' || description_text))"
)


def upgrade():
    op.create_table('proposal_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_proposal_categories_process_id_processes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_categories')),
    sa.UniqueConstraint('process_id', 'name', name=op.f('uq_proposal_categories_process_id_name'))
    )
    with op.batch_alter_table('proposal_categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_categories_process_id'), ['process_id'], unique=False)

    op.create_table('proposal_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('answer_threshold', sa.Integer(), nullable=True),
    sa.Column('answer_days', sa.Integer(), nullable=True),
    sa.CheckConstraint('answer_days IS NULL OR answer_days > 0', name=op.f('ck_proposal_settings_days')),
    sa.CheckConstraint('answer_threshold IS NULL OR answer_threshold > 0', name=op.f('ck_proposal_settings_threshold')),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_proposal_settings_process_id_processes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_settings')),
    sa.UniqueConstraint('process_id', name=op.f('uq_proposal_settings_process_id'))
    )
    op.create_table('proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('description_text', sa.Text(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Enum(*STATUSES, name='proposal_status', length=20), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('support_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(latitude IS NULL) = (longitude IS NULL)', name=op.f('ck_proposals_location_complete_or_empty')),
    sa.CheckConstraint('support_count >= 0', name=op.f('ck_proposals_support_count_not_negative')),
    sa.ForeignKeyConstraint(['category_id'], ['proposal_categories.id'], name=op.f('fk_proposals_category_id_proposal_categories'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contribution_id'], ['contributions.id'], name=op.f('fk_proposals_contribution_id_contributions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['proposals.id'], name=op.f('fk_proposals_merged_into_id_proposals'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], name=op.f('fk_proposals_municipality_id_municipalities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_proposals_process_id_processes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_proposals_thread_id_threads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals')),
    sa.UniqueConstraint('contribution_id', name=op.f('uq_proposals_contribution_id')),
    sa.UniqueConstraint('thread_id', name=op.f('uq_proposals_thread_id'))
    )
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposals_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposals_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index('ix_proposals_process_created', ['process_id', 'created_at'], unique=False)
        batch_op.create_index('ix_proposals_process_supports', ['process_id', 'support_count'], unique=False)

    op.create_table('proposal_statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_proposal_statements_author_id_users')),
    sa.ForeignKeyConstraint(['contribution_id'], ['contributions.id'], name=op.f('fk_proposal_statements_contribution_id_contributions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_statements_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_statements')),
    sa.UniqueConstraint('contribution_id', name=op.f('uq_proposal_statements_contribution_id')),
    sa.UniqueConstraint('proposal_id', 'author_id', name=op.f('uq_proposal_statements_proposal_id_author_id'))
    )
    op.create_table('proposal_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum(*STATUSES, name='proposal_status', length=20).with_variant(postgresql.ENUM(*STATUSES, name='proposal_status', create_type=False), 'postgresql'), nullable=False),
    sa.Column('response', sa.Text(), nullable=False),
    sa.Column('office', sa.String(length=120), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_proposal_status_changes_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['proposals.id'], name=op.f('fk_proposal_status_changes_merged_into_id_proposals'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_status_changes_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_status_changes'))
    )
    with op.batch_alter_table('proposal_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_status_changes_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('proposal_supports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_supports_proposal_id_proposals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_proposal_supports_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_supports')),
    sa.UniqueConstraint('proposal_id', 'user_id', name=op.f('uq_proposal_supports_proposal_id_user_id'))
    )
    with op.batch_alter_table('proposal_supports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_supports_user_id'), ['user_id'], unique=False)


    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.create_index('ix_threads_process_comments', ['process_id', 'comment_count'], unique=False)

    if op.get_bind().dialect.name == 'postgresql':
        op.execute(SEARCH_INDEX)


def downgrade():
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_index('ix_threads_process_comments')

    with op.batch_alter_table('proposal_supports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_supports_user_id'))

    op.drop_table('proposal_supports')
    with op.batch_alter_table('proposal_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_status_changes_proposal_id'))

    op.drop_table('proposal_status_changes')
    op.drop_table('proposal_statements')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX ix_proposals_search")
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_index('ix_proposals_process_supports')
        batch_op.drop_index('ix_proposals_process_created')
        batch_op.drop_index(batch_op.f('ix_proposals_municipality_id'))
        batch_op.drop_index(batch_op.f('ix_proposals_category_id'))

    op.drop_table('proposals')
    op.drop_table('proposal_settings')
    with op.batch_alter_table('proposal_categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_categories_process_id'))

    op.drop_table('proposal_categories')
    sa.Enum(name='proposal_status').drop(op.get_bind(), checkfirst=True)
