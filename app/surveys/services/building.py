"""Building a survey (staff): its settings, questions and options, their order, and the lock that
keeps a survey with answers from changing under them."""

from __future__ import annotations

from flask_babel import gettext as _

from app.accounts.models import User
from app.core import audit
from app.core.locks import lock_row
from app.core.sanitize import clean_plain
from app.extensions import db
from app.processes.models import Process
from app.processes.services import rich_text
from app.surveys.models import (
    Option,
    Question,
    QuestionType,
    Schedule,
    Survey,
    SurveyState,
)
from app.surveys.services.common import (
    SCALES,
    QuestionData,
    SurveyData,
    SurveyInvalid,
    SurveyLocked,
    has_responses,
    lock_message,
)


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


def _lock(survey: Survey) -> None:
    """State changes one after the other: a double click publishes (and audits) once."""
    lock_row(Survey, survey.id)
    db.session.refresh(survey, ["state"])


def publish(actor: User, survey: Survey) -> None:
    missing = missing_for_publication(survey)
    if missing:
        raise SurveyInvalid(
            _("Before publishing, please add: %(items)s.", items=", ".join(missing))
        )
    _lock(survey)
    if survey.is_published:
        return
    survey.state = SurveyState.PUBLISHED
    _audit(actor, "survey.publish", survey, after={"state": survey.state.value})


def unpublish(actor: User, survey: Survey) -> None:
    """Take the survey off the public pages (answers given so far stay)."""
    _lock(survey)
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
    """The lock: no structural change once someone answered. The survey's row is locked before
    looking, so a first response at the same moment (``hold_structure``) is either seen here or
    comes after the change."""
    lock_row(Survey, survey.id)
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
