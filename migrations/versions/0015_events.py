"""events: on-site events, registrations, on-site input channels

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 10:00:00

Events of a process with registrations (a kept ``confirmed_count`` that a conditional update
guards, so limited seats are never overbooked), photos of their documentation, where on-site input
came from (``onsite_entries``), summaries in Leichte Sprache, and ``contributions.channel``
(``online`` for everything written before).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

MODES = ("none", "open", "limited")
STATUSES = ("confirmed", "waiting", "cancelled")


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade():
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", sa.String(length=20), server_default="online", nullable=False)
        )

    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        _when("starts_at"),
        _when("ends_at"),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("accessibility", sa.Text(), nullable=False),
        sa.Column("online_url", sa.String(length=500), nullable=False),
        sa.Column(
            "registration",
            sa.Enum(*MODES, name="event_registration", length=20),
            nullable=False,
        ),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("confirmed_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("protocol", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_events_ends_after_start")),
        sa.CheckConstraint(
            "capacity IS NULL OR capacity > 0", name=op.f("ck_events_capacity_positive")
        ),
        sa.CheckConstraint(
            "confirmed_count >= 0 AND (capacity IS NULL OR confirmed_count <= capacity)",
            name=op.f("ck_events_not_overbooked"),
        ),
        sa.CheckConstraint(
            "(latitude IS NULL) = (longitude IS NULL)",
            name=op.f("ck_events_location_complete_or_empty"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_events_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_events_municipality_id_municipalities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["processes.id"],
            name=op.f("fk_events_process_id_processes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index("ix_events_process_starts", "events", ["process_id", "starts_at"])
    op.create_index("ix_events_municipality_starts", "events", ["municipality_id", "starts_at"])

    op.create_table(
        "event_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(*STATUSES, name="event_registration_status", length=20),
            nullable=False,
        ),
        _when("queued_at"),
        _when("created_at"),
        _when("cancelled_at", nullable=True),
        _when("reminded_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_registrations_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_event_registrations_municipality_id_municipalities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_event_registrations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_registrations")),
        sa.UniqueConstraint(
            "event_id", "user_id", name=op.f("uq_event_registrations_event_id_user_id")
        ),
    )
    op.create_index(
        "ix_event_registrations_event_status_queued",
        "event_registrations",
        ["event_id", "status", "queued_at"],
    )
    op.create_index(
        "ix_event_registrations_status_reminded",
        "event_registrations",
        ["status", "reminded_at"],
    )
    op.create_index(
        op.f("ix_event_registrations_municipality_id"), "event_registrations", ["municipality_id"]
    )
    op.create_index(op.f("ix_event_registrations_user_id"), "event_registrations", ["user_id"])

    op.create_table(
        "event_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("image_key", sa.String(length=120), nullable=False),
        sa.Column("alt", sa.String(length=300), nullable=False),
        sa.Column("caption", sa.String(length=300), nullable=False),
        _when("created_at"),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_photos_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_event_photos_municipality_id_municipalities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_photos")),
    )
    op.create_index(op.f("ix_event_photos_event_id"), "event_photos", ["event_id"])

    op.create_table(
        "onsite_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        _when("created_at"),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            name=op.f("fk_onsite_entries_contribution_id_contributions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"],
            ["users.id"],
            name=op.f("fk_onsite_entries_entered_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_onsite_entries_event_id_events"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_onsite_entries_municipality_id_municipalities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onsite_entries")),
        sa.UniqueConstraint("contribution_id", name=op.f("uq_onsite_entries_contribution_id")),
    )
    op.create_index(op.f("ix_onsite_entries_event_id"), "onsite_entries", ["event_id"])
    op.create_index(
        op.f("ix_onsite_entries_municipality_id"), "onsite_entries", ["municipality_id"]
    )

    op.create_table(
        "easy_read_summaries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("promise", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        _when("updated_at"),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_easy_read_summaries_municipality_id_municipalities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["processes.id"],
            name=op.f("fk_easy_read_summaries_process_id_processes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_easy_read_summaries_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_easy_read_summaries")),
        sa.UniqueConstraint("process_id", name=op.f("uq_easy_read_summaries_process_id")),
    )

    op.create_table(
        "paper_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        _when("created_at"),
        sa.ForeignKeyConstraint(
            ["entered_by_id"],
            ["users.id"],
            name=op.f("fk_paper_responses_entered_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_paper_responses_municipality_id_municipalities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["survey_responses.id"],
            name=op.f("fk_paper_responses_response_id_survey_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_responses")),
        sa.UniqueConstraint("response_id", name=op.f("uq_paper_responses_response_id")),
    )
    op.create_index(
        op.f("ix_paper_responses_municipality_id"), "paper_responses", ["municipality_id"]
    )


def downgrade():
    op.drop_index(op.f("ix_paper_responses_municipality_id"), table_name="paper_responses")
    op.drop_table("paper_responses")
    op.drop_table("easy_read_summaries")
    op.drop_index(op.f("ix_onsite_entries_municipality_id"), table_name="onsite_entries")
    op.drop_index(op.f("ix_onsite_entries_event_id"), table_name="onsite_entries")
    op.drop_table("onsite_entries")
    op.drop_index(op.f("ix_event_photos_event_id"), table_name="event_photos")
    op.drop_table("event_photos")
    for name in (
        "ix_event_registrations_user_id",
        "ix_event_registrations_municipality_id",
        "ix_event_registrations_status_reminded",
        "ix_event_registrations_event_status_queued",
    ):
        op.drop_index(name, table_name="event_registrations")
    op.drop_table("event_registrations")
    op.drop_index("ix_events_municipality_starts", table_name="events")
    op.drop_index("ix_events_process_starts", table_name="events")
    op.drop_table("events")
    bind = op.get_bind()
    for enum in ("event_registration_status", "event_registration"):
        sa.Enum(name=enum).drop(bind, checkfirst=True)
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.drop_column("channel")
