"""What every part of surveys shares: the errors, the data a form hands over, loading scoped to the
municipality."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.extensions import db
from app.municipalities.models import Municipality
from app.processes.models import Process
from app.surveys.models import (
    Answer,
    Audience,
    Option,
    Question,
    QuestionType,
    Response,
    ResultsVisibility,
    Schedule,
    Survey,
    SurveyState,
)

KIND = "survey_answer"  # the contribution kind of free-text answers


SHORT_TEXT_MAX = 300


LONG_TEXT_MAX = 5000


OTHER_TEXT_MAX = 300


SCALES = {(1, 5), (0, 10)}


class SurveyError(Exception):
    """A survey rule refused the action; ``str(error)`` is a message for the person."""


class SurveyLocked(SurveyError):
    """The survey has responses; the change would make stored answers wrong."""


class SurveyInvalid(SurveyError):
    """The survey or question is not consistent; ``field`` names the form field to show it at."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class SurveyClosed(SurveyError):
    pass


class AlreadyAnswered(SurveyError):
    pass


class AnswersLocked(SurveyError):
    """The response cannot be changed while moderation holds one of its texts."""


class AnswersInvalid(SurveyError):
    """Some answers break the questions' rules; ``errors`` maps question ids to messages."""

    def __init__(self, errors: dict[int, str]) -> None:
        super().__init__(_("Some answers need your attention."))
        self.errors = errors


def lock_message() -> str:
    return _(
        "This survey already has responses. Changing question types, options, the number of "
        "choices or the scale would make the stored answers wrong, so it is no longer possible. "
        "You can still correct the wording of questions, help texts and options."
    )


@dataclass(frozen=True)
class SurveyData:
    title: str
    introduction: str = ""
    closing_text: str = ""
    audience: Audience = Audience.MEMBERS
    anonymous: bool = True
    schedule: Schedule = Schedule.PHASE
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    results_visibility: ResultsVisibility = ResultsVisibility.AFTER_CLOSE


@dataclass(frozen=True)
class QuestionData:
    type: QuestionType
    text: str
    help: str = ""
    required: bool = False
    allow_other: bool = False
    min_choices: int | None = None
    max_choices: int | None = None
    scale_min: int = 1
    scale_max: int = 5
    scale_min_label: str = ""
    scale_max_label: str = ""
    options: tuple[str, ...] = ()  # initial options, when the question is created


@dataclass
class Submitted:
    """What the form sent for one question, as strings, before any validation."""

    choices: list[str] = field(default_factory=list)  # option ids (and "other")
    other: str = ""
    ranks: dict[int, str] = field(default_factory=dict)  # option id -> rank as sent
    text: str = ""


@dataclass(frozen=True)
class Value:
    """One validated answer row to store."""

    question_id: int
    option_id: int | None = None
    value_int: int | None = None
    text: str | None = None


@dataclass(frozen=True)
class Respondent:
    """Who answers: a logged-in account, or a browser holding a signed token (link surveys)."""

    user: User | None = None
    browser_token: str | None = None

    @property
    def is_account(self) -> bool:
        return self.user is not None


OTHER = "other"


def get_survey(municipality: Municipality, survey_id: int) -> Survey | None:
    """A survey of this municipality only; another municipality's ids find nothing.

    Its questions and their options come in the same statement (a few dozen rows): every survey
    page shows or checks them, and three round trips cost more than the repeated columns.
    """
    return (
        db.session.execute(
            select(Survey)
            .where(Survey.id == survey_id, Survey.municipality_id == municipality.id)
            .options(joinedload(Survey.questions).joinedload(Question.options))
        )
        .unique()
        .scalar_one_or_none()
    )


def get_question(survey: Survey, question_id: int) -> Question | None:
    return next((q for q in survey.questions if q.id == question_id), None)


def get_option(question: Question, option_id: int) -> Option | None:
    return next((o for o in question.options if o.id == option_id), None)


def surveys_of(process: Process, *, published_only: bool) -> list[Survey]:
    query = select(Survey).where(Survey.process_id == process.id)
    if published_only:
        query = query.where(Survey.state == SurveyState.PUBLISHED)
    return list(db.session.scalars(query.order_by(Survey.created_at, Survey.id)))


def response_counts(survey_ids: list[int]) -> dict[int, int]:
    if not survey_ids:
        return {}
    rows = db.session.execute(
        select(Response.survey_id, func.count(Response.id))
        .where(Response.survey_id.in_(survey_ids))
        .group_by(Response.survey_id)
    )
    return {survey_id: count for survey_id, count in rows}


def survey_of_text(contribution_id: int) -> Survey | None:
    """The survey a free-text answer (its contribution id) belongs to."""
    return db.session.scalar(
        select(Survey)
        .join(Question, Question.survey_id == Survey.id)
        .join(Answer, Answer.question_id == Question.id)
        .where(Answer.contribution_id == contribution_id)
        .limit(1)
    )


def hold_structure(survey_id: int) -> None:
    """Share-lock the survey's row before a response reads its questions and options: a change of
    the structure (which locks the row for itself, then looks for responses) waits until the
    response is stored and is then refused, or went first and the response reads the changed
    questions. Responses do not wait for each other. (PostgreSQL; SQLite lets one writer at a
    time anyway.)"""
    db.session.execute(select(Survey.id).where(Survey.id == survey_id).with_for_update(read=True))


def has_responses(survey: Survey) -> bool:
    """The lock: once a response exists, structural changes are refused."""
    return bool(db.session.scalar(select(exists().where(Response.survey_id == survey.id))))
