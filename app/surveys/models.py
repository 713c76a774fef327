"""Surveys of a process: questions and options, responses and their answers.

Answers are stored one row per chosen option / given value, so that results are ``GROUP BY``
queries over ``survey_answers`` and never loops over responses in Python. Free-text answers are
contributions (``contribution_id``), so moderation can hide them like any other text.

How one response per person is kept by the database:

- named member surveys: ``survey_responses.user_id`` with a unique ``(survey_id, user_id)``;
- anonymous member surveys: the response stores no account; a separate ``survey_participations``
  row (primary key ``(survey_id, user_id)``, no id sequence, no time) records *that* someone
  answered, without saying *which* response is theirs;
- visitors without an account in link surveys: a unique ``(survey_id, token_hash)``, the hash of a
  signed browser token (a weaker guarantee: a new browser answers again).
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.contributions.models import Contribution
from app.core.enums import LabelledEnum, enum_column
from app.core.roles import TrialogGroup
from app.core.time import UTCDateTime, utcnow
from app.extensions import db
from app.processes.models import Process


class SurveyState(LabelledEnum):
    DRAFT = "draft", _l("Draft")
    PUBLISHED = "published", _l("Published")


class Audience(LabelledEnum):
    # members of the municipality, logged in
    MEMBERS = "members", _l("Members of the municipality (logged in)")
    # anyone with the link, no account needed
    LINK = "link", _l("Anyone with the link, without an account")


class Schedule(LabelledEnum):
    # open while the process's participation phase runs
    PHASE = "phase", _l("With the process's participation phase")
    # open between the survey's own dates
    OWN = "own", _l("Between its own dates")


class ResultsVisibility(LabelledEnum):
    AFTER_CLOSE = "after_close", _l("Public after the survey closes")
    LIVE = "live", _l("Public while the survey runs (live)")
    INTERNAL = "internal", _l("Internal only (administration, council, facilitation)")


class QuestionType(LabelledEnum):
    SINGLE = "single", _l("Single choice")
    MULTIPLE = "multiple", _l("Multiple choice")
    YES_NO = "yes_no", _l("Yes or no")
    SCALE = "scale", _l("Scale")
    RANKING = "ranking", _l("Ranking")
    SHORT_TEXT = "short_text", _l("Short text")
    LONG_TEXT = "long_text", _l("Long text")

    @property
    def has_options(self) -> bool:
        return self in CHOICE_TYPES or self == QuestionType.RANKING

    @property
    def is_choice(self) -> bool:
        return self in CHOICE_TYPES

    @property
    def is_text(self) -> bool:
        return self in (QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT)


CHOICE_TYPES = (QuestionType.SINGLE, QuestionType.MULTIPLE)


class Survey(db.Model):
    """A questionnaire within a process. ``introduction`` and ``closing_text`` hold sanitised HTML."""

    __tablename__ = "surveys"
    __table_args__ = (
        CheckConstraint(
            "schedule != 'own' OR (opens_at IS NOT NULL AND closes_at IS NOT NULL "
            "AND closes_at > opens_at)",
            name="own_dates",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), index=True
    )
    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    introduction: Mapped[str] = mapped_column(Text, default="")
    closing_text: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[SurveyState] = mapped_column(
        enum_column(SurveyState, "survey_state"), default=SurveyState.DRAFT
    )
    audience: Mapped[Audience] = mapped_column(
        enum_column(Audience, "survey_audience"), default=Audience.MEMBERS
    )
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    schedule: Mapped[Schedule] = mapped_column(
        enum_column(Schedule, "survey_schedule"), default=Schedule.PHASE
    )
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    results_visibility: Mapped[ResultsVisibility] = mapped_column(
        enum_column(ResultsVisibility, "survey_results_visibility"),
        default=ResultsVisibility.AFTER_CLOSE,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    process: Mapped[Process] = relationship()
    questions: Mapped[list[Question]] = relationship(
        back_populates="survey",
        cascade="all, delete-orphan",
        order_by="[Question.position, Question.id]",
    )

    @property
    def is_published(self) -> bool:
        return self.state == SurveyState.PUBLISHED

    def __repr__(self) -> str:
        return f"<Survey {self.id}>"


class Question(db.Model):
    __tablename__ = "survey_questions"
    __table_args__ = (
        CheckConstraint("scale_min IN (0, 1) AND scale_max IN (5, 10)", name="scale_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    type: Mapped[QuestionType] = mapped_column(enum_column(QuestionType, "survey_question_type"))
    text: Mapped[str] = mapped_column(String(500))
    help: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_other: Mapped[bool] = mapped_column(Boolean, default=False)
    min_choices: Mapped[int | None] = mapped_column(Integer)
    max_choices: Mapped[int | None] = mapped_column(Integer)
    scale_min: Mapped[int] = mapped_column(Integer, default=1)
    scale_max: Mapped[int] = mapped_column(Integer, default=5)
    scale_min_label: Mapped[str] = mapped_column(String(80), default="")
    scale_max_label: Mapped[str] = mapped_column(String(80), default="")

    survey: Mapped[Survey] = relationship(back_populates="questions")
    options: Mapped[list[Option]] = relationship(
        back_populates="question",
        cascade="all, delete-orphan",
        order_by="[Option.position, Option.id]",
    )

    @property
    def scale_values(self) -> list[int]:
        return list(range(self.scale_min, self.scale_max + 1))


class Option(db.Model):
    __tablename__ = "survey_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("survey_questions.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer, default=0)

    question: Mapped[Question] = relationship(back_populates="options")


class Response(db.Model):
    """One person's (or one browser's) answers to a survey.

    ``user_id`` is set only in named surveys; anonymous responses keep only the trialog group, and
    their times are cut to the day so that they cannot be matched against other records by time.
    """

    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("survey_id", "user_id"),
        UniqueConstraint("survey_id", "token_hash"),
        Index("ix_survey_responses_survey_group", "survey_id", "author_group"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    token_hash: Mapped[str | None] = mapped_column(String(64))
    author_group: Mapped[TrialogGroup] = mapped_column(enum_column(TrialogGroup, "trialog_group"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class SurveyParticipation(db.Model):
    """That ``user_id`` answered an anonymous survey, and nothing about how.

    No surrogate id and no timestamp: neither insertion order nor time links it to a response.
    """

    __tablename__ = "survey_participations"

    survey_id: Mapped[int] = mapped_column(
        ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class Answer(db.Model):
    """One value of a response: a chosen option, a rank, a scale or yes/no value, or a text.

    ``option_id`` empty with ``text`` set on a choice question is the "other, namely" answer.
    """

    __tablename__ = "survey_answers"
    __table_args__ = (
        # One row per chosen option (or rank) of a question, and at most one row without an option
        # (a scale, yes/no or text value, or the "other" text): the database refuses the duplicate
        # rows that concurrent "change my answers" requests would otherwise leave behind.
        UniqueConstraint("response_id", "question_id", "option_id"),
        Index(
            "uq_survey_answers_response_question_value",
            "response_id",
            "question_id",
            unique=True,
            postgresql_where=column("option_id").is_(None),
            sqlite_where=column("option_id").is_(None),
        ),
        # Covers the results queries (distribution, answered per question): index-only scans.
        Index(
            "ix_survey_answers_question_cover",
            "question_id",
            "option_id",
            "value_int",
            "response_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id", ondelete="CASCADE"))
    option_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_options.id", ondelete="CASCADE")
    )
    value_int: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
    contribution_id: Mapped[int | None] = mapped_column(
        ForeignKey("contributions.id", ondelete="SET NULL"), index=True
    )

    response: Mapped[Response] = relationship(back_populates="answers")
    contribution: Mapped[Contribution | None] = relationship()
