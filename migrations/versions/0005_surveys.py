"""surveys: surveys, questions, options, responses, participations, answers

The trialog group enum type exists already (0003, contributions); on PostgreSQL it is reused, not
created again. Downgrading drops this revision's own enum types.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 17:20:00

"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

GROUPS = ("citizens", "administration", "council", "facilitation")
TRIALOG_GROUP = sa.Enum(*GROUPS, name="trialog_group", length=20).with_variant(
    postgresql.ENUM(*GROUPS, name="trialog_group", create_type=False), "postgresql"
)
OWN_ENUMS = (
    "survey_state",
    "survey_audience",
    "survey_schedule",
    "survey_results_visibility",
    "survey_question_type",
)


def upgrade():
    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("introduction", sa.Text(), nullable=False),
        sa.Column("closing_text", sa.Text(), nullable=False),
        sa.Column(
            "state", sa.Enum("draft", "published", name="survey_state", length=20), nullable=False
        ),
        sa.Column(
            "audience",
            sa.Enum("members", "link", name="survey_audience", length=20),
            nullable=False,
        ),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column(
            "schedule", sa.Enum("phase", "own", name="survey_schedule", length=20), nullable=False
        ),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "results_visibility",
            sa.Enum("after_close", "live", "internal", name="survey_results_visibility", length=20),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "schedule != 'own' OR (opens_at IS NOT NULL AND closes_at IS NOT NULL AND closes_at > opens_at)",
            name=op.f("ck_surveys_own_dates"),
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_surveys_municipality_id_municipalities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["processes.id"],
            name=op.f("fk_surveys_process_id_processes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
    )
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_surveys_municipality_id"), ["municipality_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_surveys_process_id"), ["process_id"], unique=False)

    op.create_table(
        "survey_participations",
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_participations_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_survey_participations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("survey_id", "user_id", name=op.f("pk_survey_participations")),
    )
    op.create_table(
        "survey_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "single",
                "multiple",
                "yes_no",
                "scale",
                "ranking",
                "short_text",
                "long_text",
                name="survey_question_type",
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("help", sa.Text(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("allow_other", sa.Boolean(), nullable=False),
        sa.Column("min_choices", sa.Integer(), nullable=True),
        sa.Column("max_choices", sa.Integer(), nullable=True),
        sa.Column("scale_min", sa.Integer(), nullable=False),
        sa.Column("scale_max", sa.Integer(), nullable=False),
        sa.Column("scale_min_label", sa.String(length=80), nullable=False),
        sa.Column("scale_max_label", sa.String(length=80), nullable=False),
        sa.CheckConstraint(
            "scale_min IN (0, 1) AND scale_max IN (5, 10)",
            name=op.f("ck_survey_questions_scale_range"),
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_questions_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_questions")),
    )
    with op.batch_alter_table("survey_questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_questions_survey_id"), ["survey_id"], unique=False
        )

    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("author_group", TRIALOG_GROUP, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_responses_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_survey_responses_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        sa.UniqueConstraint(
            "survey_id", "token_hash", name=op.f("uq_survey_responses_survey_id_token_hash")
        ),
        sa.UniqueConstraint(
            "survey_id", "user_id", name=op.f("uq_survey_responses_survey_id_user_id")
        ),
    )
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_survey_responses_survey_group", ["survey_id", "author_group"], unique=False
        )

    op.create_table(
        "survey_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["survey_questions.id"],
            name=op.f("fk_survey_options_question_id_survey_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_options")),
    )
    with op.batch_alter_table("survey_options", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_options_question_id"), ["question_id"], unique=False
        )

    op.create_table(
        "survey_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=True),
        sa.Column("value_int", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("contribution_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            name=op.f("fk_survey_answers_contribution_id_contributions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["survey_options.id"],
            name=op.f("fk_survey_answers_option_id_survey_options"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["survey_questions.id"],
            name=op.f("fk_survey_answers_question_id_survey_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["survey_responses.id"],
            name=op.f("fk_survey_answers_response_id_survey_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answers")),
    )
    with op.batch_alter_table("survey_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_answers_contribution_id"), ["contribution_id"], unique=False
        )
        batch_op.create_index(
            "ix_survey_answers_question_cover",
            ["question_id", "option_id", "value_int", "response_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_survey_answers_response_id"), ["response_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("survey_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_answers_response_id"))
        batch_op.drop_index("ix_survey_answers_question_cover")
        batch_op.drop_index(batch_op.f("ix_survey_answers_contribution_id"))

    op.drop_table("survey_answers")
    with op.batch_alter_table("survey_options", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_options_question_id"))

    op.drop_table("survey_options")
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_responses_survey_group")

    op.drop_table("survey_responses")
    with op.batch_alter_table("survey_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_questions_survey_id"))

    op.drop_table("survey_questions")
    op.drop_table("survey_participations")
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_surveys_process_id"))
        batch_op.drop_index(batch_op.f("ix_surveys_municipality_id"))

    op.drop_table("surveys")

    if op.get_bind().dialect.name == "postgresql":
        for enum_name in OWN_ENUMS:
            sa.Enum(name=enum_name).drop(op.get_bind(), checkfirst=True)
