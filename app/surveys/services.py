"""The rules of surveys: building them, who may answer when, and storing answers.

Services flush, never commit; the request commits once. They raise ``SurveyError`` subclasses whose
``str()`` is a message for the person.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import delete, exists, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.contributions import services as contributions
from app.contributions.models import Contribution
from app.contributions.models import Visibility as ContributionVisibility
from app.core import audit
from app.core.roles import TrialogGroup
from app.core.sanitize import clean_plain
from app.core.time import utcnow
from app.extensions import db
from app.municipalities.models import Municipality
from app.processes import services as processes
from app.processes.models import Process
from app.processes.services import Gate, GateReason, rich_text
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
    SurveyParticipation,
    SurveyState,
)

KIND = "survey_answer"  # the contribution kind of free-text answers
SHORT_TEXT_MAX = 300
LONG_TEXT_MAX = 5000
OTHER_TEXT_MAX = 300
SCALES = {(1, 5), (0, 10)}


# --- errors -------------------------------------------------------------------------------------


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


# --- data ---------------------------------------------------------------------------------------


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


# --- loading ------------------------------------------------------------------------------------


def get_survey(municipality: Municipality, survey_id: int) -> Survey | None:
    """A survey of this municipality only; another municipality's ids find nothing."""
    return db.session.scalar(
        select(Survey)
        .where(Survey.id == survey_id, Survey.municipality_id == municipality.id)
        .options(selectinload(Survey.questions).selectinload(Question.options))
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


def has_responses(survey: Survey) -> bool:
    """The lock: once a response exists, structural changes are refused."""
    return bool(db.session.scalar(select(exists().where(Response.survey_id == survey.id))))


# --- building -----------------------------------------------------------------------------------


def _survey_state(survey: Survey) -> dict:
    return {
        "title": survey.title,
        "state": survey.state.value,
        "audience": survey.audience.value,
        "anonymous": survey.anonymous,
        "schedule": survey.schedule.value,
        "results_visibility": survey.results_visibility.value,
    }


def _audit(actor: User, action: str, survey: Survey, before=None, after=None) -> None:
    audit.record(
        actor_id=actor.id,
        action=action,
        object_type="survey",
        object_id=survey.id,
        municipality_id=survey.municipality_id,
        before=before,
        after=after,
    )


def _check_dates(data: SurveyData) -> None:
    if data.schedule != Schedule.OWN:
        return
    if data.opens_at is None:
        raise SurveyInvalid(_("Please enter when the survey opens."), "opens_at")
    if data.closes_at is None:
        raise SurveyInvalid(_("Please enter when the survey closes."), "closes_at")
    if data.closes_at <= data.opens_at:
        raise SurveyInvalid(_("The survey must close after it opens."), "closes_at")


def create_survey(actor: User, process: Process, data: SurveyData) -> Survey:
    """A new draft survey in ``process``."""
    _check_dates(data)
    survey = Survey(
        municipality_id=process.municipality_id,
        process=process,
        state=SurveyState.DRAFT,
    )
    _apply_survey(survey, data)
    db.session.add(survey)
    db.session.flush()
    _audit(actor, "survey.create", survey, after=_survey_state(survey))
    return survey


def _apply_survey(survey: Survey, data: SurveyData) -> None:
    survey.title = clean_plain(data.title)
    survey.introduction = rich_text(data.introduction)
    survey.closing_text = rich_text(data.closing_text)
    survey.audience = data.audience
    survey.anonymous = data.anonymous
    survey.schedule = data.schedule
    own = data.schedule == Schedule.OWN
    survey.opens_at = data.opens_at if own else None
    survey.closes_at = data.closes_at if own else None
    survey.results_visibility = data.results_visibility


def update_survey(actor: User, survey: Survey, data: SurveyData) -> None:
    """Change the settings; who answers and whether anonymously are fixed once responses exist.

    Turning a named survey anonymous would keep the names of earlier answers, and the other way
    round would break the promise made to those who answered anonymously.
    """
    _check_dates(data)
    if has_responses(survey):
        if data.anonymous != survey.anonymous:
            raise SurveyInvalid(
                _(
                    "People have answered under the promise that the survey is %(kind)s; "
                    "this can no longer be changed.",
                    kind=_("anonymous") if survey.anonymous else _("named"),
                ),
                "anonymous",
            )
        if data.audience != survey.audience:
            raise SurveyInvalid(
                _("Who may answer can no longer be changed once responses exist."), "audience"
            )
    before = _survey_state(survey)
    _apply_survey(survey, data)
    db.session.flush()
    _audit(actor, "survey.update", survey, before=before, after=_survey_state(survey))


def missing_for_publication(survey: Survey) -> list[str]:
    """What keeps a survey from being answered sensibly."""
    missing = []
    if not survey.questions:
        missing.append(_("at least one question"))
    for number, question in enumerate(survey.questions, 1):
        if question.type.has_options and len(question.options) < 2:
            missing.append(_("at least two options for question %(number)d", number=number))
    return missing


def publish(actor: User, survey: Survey) -> None:
    missing = missing_for_publication(survey)
    if missing:
        raise SurveyInvalid(
            _("Before publishing, please add: %(items)s.", items=", ".join(missing))
        )
    if survey.is_published:
        return
    survey.state = SurveyState.PUBLISHED
    _audit(actor, "survey.publish", survey, after={"state": survey.state.value})


def unpublish(actor: User, survey: Survey) -> None:
    """Take the survey off the public pages (answers given so far stay)."""
    if not survey.is_published:
        return
    survey.state = SurveyState.DRAFT
    _audit(actor, "survey.unpublish", survey, after={"state": survey.state.value})


def delete_survey(actor: User, survey: Survey) -> None:
    """Delete a survey nobody has answered; answered surveys are kept (people wrote there)."""
    if has_responses(survey):
        raise SurveyLocked(
            _(
                "This survey has responses and cannot be deleted. Take it off the public pages "
                "instead; the answers stay available for the evaluation."
            )
        )
    _audit(actor, "survey.delete", survey, before=_survey_state(survey))
    db.session.delete(survey)
    db.session.flush()


def _check_question(data: QuestionData, option_count: int | None = None) -> None:
    if data.type == QuestionType.SCALE and (data.scale_min, data.scale_max) not in SCALES:
        raise SurveyInvalid(_("A scale runs from 1 to 5 or from 0 to 10."), "scale")
    if data.type == QuestionType.MULTIPLE:
        low, high = data.min_choices, data.max_choices
        if low is not None and high is not None and low > high:
            raise SurveyInvalid(_("The minimum cannot be larger than the maximum."), "min_choices")
        available = option_count if option_count is not None else len(data.options)
        available += 1 if data.allow_other else 0
        if low is not None and available and low > available:
            raise SurveyInvalid(
                _(
                    "The minimum cannot be larger than the number of options (%(count)d).",
                    count=available,
                ),
                "min_choices",
            )


def _apply_question(question: Question, data: QuestionData) -> None:
    question.type = data.type
    question.text = clean_plain(data.text)
    question.help = clean_plain(data.help)
    question.required = data.required
    is_choice = data.type.is_choice
    question.allow_other = data.allow_other if is_choice else False
    multiple = data.type == QuestionType.MULTIPLE
    question.min_choices = data.min_choices if multiple else None
    question.max_choices = data.max_choices if multiple else None
    scale = data.type == QuestionType.SCALE
    question.scale_min = data.scale_min if scale else 1
    question.scale_max = data.scale_max if scale else 5
    question.scale_min_label = clean_plain(data.scale_min_label) if scale else ""
    question.scale_max_label = clean_plain(data.scale_max_label) if scale else ""


def _require_unlocked(survey: Survey) -> None:
    if has_responses(survey):
        raise SurveyLocked(lock_message())


def add_question(actor: User, survey: Survey, data: QuestionData) -> Question:
    """Append a question (with its first options) to a survey nobody has answered yet."""
    _require_unlocked(survey)
    _check_question(data)
    question = Question(survey=survey, position=_next_position(survey.questions))
    _apply_question(question, data)
    if data.type.has_options:
        labels = [clean_plain(label) for label in data.options]
        question.options = [
            Option(label=label, position=i) for i, label in enumerate(labels) if label
        ]
    db.session.add(question)
    db.session.flush()
    _audit(actor, "survey.question_add", survey, after={"question": question.id})
    return question


def _next_position(items) -> int:
    return max((item.position for item in items), default=-1) + 1


STRUCTURAL = (
    "type",
    "allow_other",
    "min_choices",
    "max_choices",
    "scale_min",
    "scale_max",
)


def update_question(actor: User, question: Question, data: QuestionData) -> None:
    """Change a question; once answered, only its wording (and whether it is required)."""
    probe = Question()  # what the data would store, to compare with what is stored
    _apply_question(probe, data)
    structural = [name for name in STRUCTURAL if getattr(probe, name) != getattr(question, name)]
    if structural and has_responses(question.survey):
        raise SurveyLocked(lock_message())
    _check_question(data, option_count=len(question.options))
    _apply_question(question, data)
    if not question.type.has_options:
        question.options = []
    db.session.flush()
    _audit(actor, "survey.question_update", question.survey, after={"question": question.id})


def delete_question(actor: User, question: Question) -> None:
    survey = question.survey
    _require_unlocked(survey)
    survey.questions.remove(question)
    db.session.flush()
    _audit(actor, "survey.question_delete", survey, before={"question": question.id})


def _move(items: list, item, direction: str) -> None:
    """Swap ``item`` with its neighbour; positions are renumbered so that gaps never confuse."""
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    for position, each in enumerate(items):
        each.position = position


def move_question(actor: User, question: Question, direction: str) -> None:
    """Reorder; allowed with responses too (answers point at questions, not at positions)."""
    survey = question.survey
    ordered = list(survey.questions)
    _move(ordered, question, direction)
    db.session.flush()
    survey.questions.sort(key=lambda q: q.position)


def add_option(actor: User, question: Question, label: str) -> Option:
    _require_unlocked(question.survey)
    if not question.type.has_options:
        raise SurveyInvalid(_("This type of question has no options."), "label")
    option = Option(label=clean_plain(label), position=_next_position(question.options))
    question.options.append(option)
    db.session.flush()
    _audit(actor, "survey.option_add", question.survey, after={"option": option.id})
    return option


def update_option(actor: User, option: Option, label: str) -> None:
    """Rename an option; always allowed (typo fixes keep the answers' meaning)."""
    option.label = clean_plain(label)
    db.session.flush()


def delete_option(actor: User, option: Option) -> None:
    question = option.question
    _require_unlocked(question.survey)
    question.options.remove(option)
    db.session.flush()
    _audit(actor, "survey.option_delete", question.survey, before={"option": option.id})


def move_option(actor: User, option: Option, direction: str) -> None:
    question = option.question
    ordered = list(question.options)
    _move(ordered, option, direction)
    db.session.flush()
    question.options.sort(key=lambda o: o.position)


# --- when a survey is open, and for whom ---------------------------------------------------------


def _format_local(moment: datetime) -> str:
    return format_datetime(moment, "short")


def survey_window(survey: Survey, now: datetime) -> Gate:
    """Is the survey open at ``now``, whoever asks? Its own dates or the process's phase."""
    process = survey.process
    if not survey.is_published or process.is_draft:
        return Gate(GateReason.NOT_PUBLISHED, _("This survey is not published."))
    if process.is_archived:
        return Gate(GateReason.ARCHIVED, _("This process is archived; the survey is closed."))
    if survey.schedule == Schedule.PHASE:
        gate = processes.phase_gate(process, now)
        if gate.allowed:
            return Gate(
                GateReason.OPEN,
                _("The survey is open until %(end)s.", end=_format_local(gate.closes_at)),
                closes_at=gate.closes_at,
            )
        return gate
    if now < survey.opens_at:
        return Gate(
            GateReason.NOT_YET,
            _("The survey opens on %(start)s.", start=_format_local(survey.opens_at)),
            opens_at=survey.opens_at,
        )
    if now >= survey.closes_at:
        return Gate(
            GateReason.ENDED,
            _("The survey closed on %(end)s.", end=_format_local(survey.closes_at)),
        )
    return Gate(
        GateReason.OPEN,
        _("The survey is open until %(end)s.", end=_format_local(survey.closes_at)),
        closes_at=survey.closes_at,
    )


def is_closed(survey: Survey, now: datetime) -> bool:
    """Has answering ended for good (as opposed to not having started yet)?"""
    gate = survey_window(survey, now)
    return gate.reason in {GateReason.ENDED, GateReason.ARCHIVED} or (
        gate.reason == GateReason.NO_PARTICIPATION
    )


def answer_gate(survey: Survey, user, now: datetime) -> Gate:
    """May this visitor answer now? Member surveys need a logged-in member; a block holds for
    every survey of the municipality (link surveys too, as long as the person is logged in)."""
    gate = survey_window(survey, now)
    if not gate.allowed:
        return gate
    refusal = contributions.participation_refusal(user, survey.process)
    if refusal:
        return Gate(GateReason.BLOCKED, refusal, closes_at=gate.closes_at)
    if survey.audience == Audience.LINK:
        return gate
    if not getattr(user, "is_authenticated", False):
        return Gate(GateReason.LOGIN, _("Log in to answer."), closes_at=gate.closes_at)
    if user.membership_in(survey.process.municipality) is None:
        return Gate(
            GateReason.JOIN,
            _("Join %(name)s to answer.", name=survey.process.municipality.name),
            closes_at=gate.closes_at,
        )
    return gate


def results_public(survey: Survey, now: datetime) -> bool:
    """Do the results show to everyone who may see the survey?"""
    if not survey.is_published:
        return False
    if survey.results_visibility == ResultsVisibility.LIVE:
        return True
    if survey.results_visibility == ResultsVisibility.AFTER_CLOSE:
        return is_closed(survey, now)
    return False


# --- who answered -------------------------------------------------------------------------------


def token_hash(survey: Survey, browser_token: str) -> str:
    """A per-survey hash of the browser's random id, so the id itself is never stored."""
    return hashlib.sha256(f"{survey.id}:{browser_token}".encode()).hexdigest()


def own_response(survey: Survey, respondent: Respondent) -> Response | None:
    """The respondent's response where it is linked to them (named surveys, link tokens)."""
    if respondent.is_account:
        if survey.anonymous:
            return None
        return db.session.scalar(
            select(Response)
            .where(Response.survey_id == survey.id, Response.user_id == respondent.user.id)
            .options(selectinload(Response.answers))
        )
    if respondent.browser_token:
        return db.session.scalar(
            select(Response).where(
                Response.survey_id == survey.id,
                Response.token_hash == token_hash(survey, respondent.browser_token),
            )
        )
    return None


def has_answered(survey: Survey, respondent: Respondent) -> bool:
    if respondent.is_account and survey.anonymous:
        return db.session.get(SurveyParticipation, (survey.id, respondent.user.id)) is not None
    return own_response(survey, respondent) is not None


def may_change(survey: Survey, respondent: Respondent) -> bool:
    """Members of named surveys change their response until it closes; nobody else can."""
    return respondent.is_account and not survey.anonymous


# --- validating answers -------------------------------------------------------------------------


def _int(value: str) -> int | None:
    try:
        return int(value.strip())
    except (ValueError, AttributeError):
        return None


def _validate_question(question: Question, sent: Submitted) -> tuple[list[Value], str | None]:
    """The rows to store for one question, or the message that explains what is wrong."""
    qtype = question.type
    required_message = _("Please answer this question.")
    if qtype.is_choice:
        option_ids = {option.id for option in question.options}
        chosen: list[int] = []
        other = False
        for raw in sent.choices:
            if raw == OTHER and question.allow_other:
                other = True
                continue
            value = _int(raw)
            if value is None or value not in option_ids:
                return [], _("Please choose one of the options shown.")
            if value not in chosen:
                chosen.append(value)
        other_text = clean_plain(sent.other)
        if other and not other_text:
            return [], _("Please say what you mean by “other”, or untick it.")
        if len(other_text) > OTHER_TEXT_MAX:
            return [], _("At most %(max)d characters, please.", max=OTHER_TEXT_MAX)
        if other_text and not other and (qtype == QuestionType.MULTIPLE or not chosen):
            other = True  # typed into "other" without ticking it: they meant it
        count = len(chosen) + (1 if other else 0)
        if count == 0:
            return [], required_message if question.required else None
        if qtype == QuestionType.SINGLE and count > 1:
            return [], _("Please choose only one option.")
        if qtype == QuestionType.MULTIPLE:
            if question.min_choices and count < question.min_choices:
                return [], _("Please choose at least %(min)d options.", min=question.min_choices)
            if question.max_choices and count > question.max_choices:
                return [], _("Please choose at most %(max)d options.", max=question.max_choices)
        values = [Value(question.id, option_id=option_id) for option_id in chosen]
        if other:
            values.append(Value(question.id, text=other_text))
        return values, None
    if qtype in (QuestionType.YES_NO, QuestionType.SCALE):
        raw = sent.choices[0] if sent.choices else ""
        if len(sent.choices) > 1:
            return [], _("Please choose only one value.")
        if not raw:
            return [], required_message if question.required else None
        value = _int(raw)
        allowed = {0, 1} if qtype == QuestionType.YES_NO else set(question.scale_values)
        if value is None or value not in allowed:
            if qtype == QuestionType.SCALE:
                return [], _(
                    "Please choose a value from %(low)d to %(high)d.",
                    low=question.scale_min,
                    high=question.scale_max,
                )
            return [], _("Please answer yes or no.")
        return [Value(question.id, value_int=value)], None
    if qtype == QuestionType.RANKING:
        option_ids = [option.id for option in question.options]
        if set(sent.ranks) - set(option_ids):
            return [], _("Please rank the options shown.")
        given = {oid: raw for oid, raw in sent.ranks.items() if raw and raw.strip()}
        if not given:
            return [], required_message if question.required else None
        if len(given) < len(option_ids):
            return [], _("Please give every option a rank.")
        ranks = {oid: _int(raw) for oid, raw in given.items()}
        if any(rank is None or not 1 <= rank <= len(option_ids) for rank in ranks.values()):
            return [], _("Ranks run from 1 to %(count)d.", count=len(option_ids))
        if len(set(ranks.values())) != len(ranks):
            return [], _("Please give each option a different rank.")
        return [Value(question.id, option_id=oid, value_int=ranks[oid]) for oid in option_ids], None
    text = clean_plain(sent.text)
    limit = SHORT_TEXT_MAX if qtype == QuestionType.SHORT_TEXT else LONG_TEXT_MAX
    if not text:
        return [], required_message if question.required else None
    if len(text) > limit:
        return [], _(
            "At most %(max)d characters, please (you wrote %(count)d).",
            max=limit,
            count=len(text),
        )
    return [Value(question.id, text=text)], None


def validate_answers(survey: Survey, submitted: dict[int, Submitted]) -> list[Value]:
    """Every answer checked against its question; raises ``AnswersInvalid`` with all problems.

    Ids come from the browser and are never trusted: an option of another question or survey is
    refused like any unknown value.
    """
    values: list[Value] = []
    errors: dict[int, str] = {}
    for question in survey.questions:
        rows, problem = _validate_question(question, submitted.get(question.id, Submitted()))
        if problem:
            errors[question.id] = problem
        values.extend(rows)
    if errors:
        raise AnswersInvalid(errors)
    return values


# --- storing a response -------------------------------------------------------------------------


def _stamp(survey: Survey, now: datetime) -> datetime:
    """Anonymous responses keep the day only, so times cannot tie them to a person."""
    if survey.anonymous:
        return datetime(now.year, now.month, now.day, tzinfo=UTC)
    return now


def _group(survey: Survey, respondent: Respondent) -> TrialogGroup:
    if respondent.is_account:
        return respondent.user.group_in(survey.process.municipality)
    return TrialogGroup.CITIZENS


def _new_text_contribution(survey: Survey, respondent: Respondent, now: datetime) -> Contribution:
    """A contribution row for a free-text answer, so that moderation can hide it."""
    process = survey.process
    if respondent.is_account:
        try:
            contribution = contributions.start_contribution(
                respondent.user, process, KIND, anonymous=survey.anonymous
            )
        except contributions.ContributionRefused as exc:
            raise SurveyError(str(exc)) from exc
    else:
        # Visitors without an account (link surveys) speak as citizens and have no author row.
        contribution = Contribution(
            municipality_id=process.municipality_id,
            process_id=process.id,
            author=None,
            author_group=TrialogGroup.CITIZENS,
            kind=KIND,
            visibility=(
                ContributionVisibility.PENDING
                if getattr(process, "premoderated", False)
                else ContributionVisibility.VISIBLE
            ),
        )
        db.session.add(contribution)
    contribution.created_at = _stamp(survey, now)
    return contribution


def _store_values(
    survey: Survey,
    response: Response,
    values: list[Value],
    respondent: Respondent,
    now: datetime,
    reusable: dict[int, Contribution] | None = None,
) -> None:
    """Insert the answer rows; each free-text answer (at most one per question) is a contribution,
    reused from ``reusable`` (question id -> contribution) when the person changes a response."""
    reusable = dict(reusable or {})
    rows: list[tuple[Value, Contribution | None]] = []
    for value in values:
        contribution = None
        if value.text is not None:
            contribution = reusable.pop(value.question_id, None)
            if contribution is None:
                contribution = _new_text_contribution(survey, respondent, now)
            else:
                contributions.mark_edited(contribution)
                if contribution.visibility == ContributionVisibility.DELETED:
                    contribution.visibility = ContributionVisibility.VISIBLE
        rows.append((value, contribution))
    db.session.flush()  # contribution ids
    for value, contribution in rows:
        db.session.add(
            Answer(
                response_id=response.id,
                question_id=value.question_id,
                option_id=value.option_id,
                value_int=value.value_int,
                text=value.text,
                contribution_id=contribution.id if contribution is not None else None,
            )
        )
    for contribution in reusable.values():
        contribution.visibility = ContributionVisibility.DELETED  # the person took it back
    db.session.flush()


def _claim(model, index_elements: list[str], **values):
    """Insert one row unless the unique key ``index_elements`` holds one already.

    Returns the new row's primary key, or None when a row was there (``ON CONFLICT DO NOTHING``):
    the database decides who came first, and nothing needs a rollback (a failed flush would end
    the whole transaction, and savepoints are unreliable on SQLite's driver).
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    primary_key = next(iter(model.__table__.primary_key.columns))
    return db.session.execute(
        insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=index_elements)
        .returning(primary_key)
    ).scalar()


def submit_response(
    survey: Survey,
    respondent: Respondent,
    submitted: dict[int, Submitted],
    now: datetime | None = None,
) -> Response:
    """Store a new response, or change the respondent's own one in a named survey.

    One response per person is a database constraint (see ``models``); when two first submits
    race, the second one's insert is skipped and it is told that an answer exists.
    """
    now = now or utcnow()
    gate = answer_gate(survey, respondent.user or _Anonymous(), now)
    if not gate.allowed:
        raise SurveyClosed(gate.message)
    if not respondent.is_account and not respondent.browser_token:
        raise SurveyClosed(_("Your browser did not keep our cookie; please allow it and reload."))
    answered = has_answered(survey, respondent)
    if answered and not may_change(survey, respondent):
        raise AlreadyAnswered(_("You have already answered this survey."))
    values = validate_answers(survey, submitted)
    existing = own_response(survey, respondent) if answered else None
    if existing is not None:
        return _change_response(survey, existing, values, respondent, now)
    already = AlreadyAnswered(_("You have already answered this survey."))
    stamp = _stamp(survey, now)
    row = {
        "survey_id": survey.id,
        "author_group": _group(survey, respondent),
        "created_at": stamp,
        "updated_at": stamp,
    }
    if respondent.is_account and survey.anonymous:
        if (
            _claim(
                SurveyParticipation,
                ["survey_id", "user_id"],
                survey_id=survey.id,
                user_id=respondent.user.id,
            )
            is None
        ):
            raise already
        response_id = _claim(Response, ["id"], **row)
    elif respondent.is_account:
        response_id = _claim(Response, ["survey_id", "user_id"], user_id=respondent.user.id, **row)
    else:
        response_id = _claim(
            Response,
            ["survey_id", "token_hash"],
            token_hash=token_hash(survey, respondent.browser_token),
            **row,
        )
    if response_id is None:  # a concurrent submit of the same person won
        raise already
    response = db.session.get(Response, response_id)
    _store_values(survey, response, values, respondent, now)
    return response


def _change_response(
    survey: Survey, response: Response, values: list[Value], respondent: Respondent, now: datetime
) -> Response:
    """Replace the answers; free-text contributions are kept (and marked edited) where possible.

    The response row is locked first (``SELECT ... FOR UPDATE`` on PostgreSQL), so concurrent
    changes by one person run one after the other, each replacing what the previous one stored;
    without the lock each would delete only the rows it saw and add its own beside the others'.
    (SQLite takes no row locks, but lets one writer at a time anyway.) The answers are read again
    after the lock, since another change may just have replaced them.
    """
    db.session.execute(
        select(Response.id).where(Response.id == response.id).with_for_update()
    ).scalar_one()
    db.session.expire(response, ["answers"])
    _refuse_moderated_texts(response)
    reusable: dict[int, Contribution] = {}
    ids = [a.contribution_id for a in response.answers if a.contribution_id]
    if ids:
        by_id = {
            c.id: c
            for c in db.session.scalars(
                select(Contribution)
                .where(Contribution.id.in_(ids))
                .execution_options(populate_existing=True)
            )
        }
        for answer in response.answers:
            if answer.contribution_id in by_id:
                reusable[answer.question_id] = by_id[answer.contribution_id]
    db.session.execute(delete(Answer).where(Answer.response_id == response.id))
    db.session.expire(response, ["answers"])
    response.updated_at = _stamp(survey, now)
    _store_values(survey, response, values, respondent, now, reusable)
    return response


def _refuse_moderated_texts(response: Response) -> None:
    """A response whose free text moderation hid, or which awaits moderation, stays as it is until
    a moderator restores or approves it: otherwise the author could rewrite what the moderators
    are deciding about."""
    ids = [a.contribution_id for a in response.answers if a.contribution_id]
    if not ids:
        return
    held = db.session.scalar(
        select(func.count())
        .select_from(Contribution)
        .where(
            Contribution.id.in_(ids),
            Contribution.visibility.in_(
                [ContributionVisibility.HIDDEN, ContributionVisibility.PENDING]
            ),
        )
    )
    if held:
        raise AnswersLocked(
            _(
                "One of your answers is hidden by moderation or awaits moderation. You can change "
                "your answers again once the moderators have restored or approved it."
            )
        )


def change_refusal(survey: Survey, respondent: Respondent) -> str | None:
    """Why the respondent cannot change their stored response now (None: they can)."""
    response = own_response(survey, respondent)
    if response is None:
        return None
    try:
        _refuse_moderated_texts(response)
    except AnswersLocked as exc:
        return str(exc)
    return None


class _Anonymous:
    is_authenticated = False


def submitted_from_response(response: Response) -> dict[int, Submitted]:
    """A stored response as form input, to show it for changing."""
    submitted: dict[int, Submitted] = {}
    for answer in response.answers:
        sent = submitted.setdefault(answer.question_id, Submitted())
        if answer.option_id is not None and answer.value_int is not None:
            sent.ranks[answer.option_id] = str(answer.value_int)
        elif answer.option_id is not None:
            sent.choices.append(str(answer.option_id))
        elif answer.value_int is not None:
            sent.choices.append(str(answer.value_int))
        elif answer.text is not None:
            sent.text = answer.text
            sent.other = answer.text
            sent.choices.append(OTHER)
    return submitted
