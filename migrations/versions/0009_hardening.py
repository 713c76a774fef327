"""hardening: survey answer uniqueness, report snapshots

- ``survey_answers``: one row per (response, question, option), and at most one row without an
  option per (response, question). Duplicates left by the race this closes are removed first
  (the newest row of each duplicate set is kept; single-value questions keep one row).
- ``reports.snapshot`` / ``moderation_decisions.snapshot``: the contribution's text when it was
  reported and decided on.
- ``reports.by_member`` and ``report_counts.member_count``: only members' reports count towards
  the automatic hiding threshold.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 09:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _remove_duplicate_answers() -> None:
    op.execute(
        "DELETE FROM survey_answers WHERE option_id IS NOT NULL AND id NOT IN ("
        " SELECT MAX(id) FROM survey_answers WHERE option_id IS NOT NULL"
        " GROUP BY response_id, question_id, option_id)"
    )
    op.execute(
        "DELETE FROM survey_answers WHERE option_id IS NULL AND id NOT IN ("
        " SELECT MAX(id) FROM survey_answers WHERE option_id IS NULL"
        " GROUP BY response_id, question_id)"
    )
    op.execute(
        # Question types that store exactly one row per response: single choice, yes/no, scale,
        # texts.
        "DELETE FROM survey_answers WHERE question_id IN ("
        " SELECT id FROM survey_questions"
        " WHERE type IN ('single', 'yes_no', 'scale', 'short_text', 'long_text'))"
        " AND id NOT IN (SELECT MAX(id) FROM survey_answers GROUP BY response_id, question_id)"
    )


def upgrade():
    _remove_duplicate_answers()
    with op.batch_alter_table("survey_answers", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_survey_answers_response_id_question_id_option_id"),
            ["response_id", "question_id", "option_id"],
        )
        batch_op.create_index(
            "uq_survey_answers_response_question_value",
            ["response_id", "question_id"],
            unique=True,
            postgresql_where=sa.text("option_id IS NULL"),
            sqlite_where=sa.text("option_id IS NULL"),
        )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snapshot", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("by_member", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("report_counts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("member_count", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute("UPDATE report_counts SET member_count = open_count")
    with op.batch_alter_table("moderation_decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snapshot", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("moderation_decisions", schema=None) as batch_op:
        batch_op.drop_column("snapshot")
    with op.batch_alter_table("report_counts", schema=None) as batch_op:
        batch_op.drop_column("member_count")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("by_member")
        batch_op.drop_column("snapshot")
    with op.batch_alter_table("survey_answers", schema=None) as batch_op:
        batch_op.drop_index("uq_survey_answers_response_question_value")
        batch_op.drop_constraint(
            batch_op.f("uq_survey_answers_response_id_question_id_option_id"), type_="unique"
        )
