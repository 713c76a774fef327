"""Answering: validating the submitted values question by question and storing one response,
exactly once per person, even under concurrent submits."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.contributions import services as contributions
from app.contributions.models import Contribution
from app.contributions.models import Visibility as ContributionVisibility
from app.core.roles import TrialogGroup
from app.core.sanitize import clean_plain
from app.core.time import utcnow
from app.extensions import db
from app.surveys.models import (
    Answer,
    Question,
    QuestionType,
    Response,
    Survey,
    SurveyParticipation,
)
from app.surveys.services.availability import (
    answer_gate,
    has_answered,
    may_change,
    own_response,
    token_hash,
)
from app.surveys.services.common import (
    KIND,
    LONG_TEXT_MAX,
    OTHER,
    OTHER_TEXT_MAX,
    SHORT_TEXT_MAX,
    AlreadyAnswered,
    AnswersInvalid,
    AnswersLocked,
    Respondent,
    Submitted,
    SurveyClosed,
    SurveyError,
    Value,
)


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
        ranks = {oid: _int(raw) for oid, raw in given.items()}
        if any(rank is None or not 1 <= rank <= len(option_ids) for rank in ranks.values()):
            return [], _("Ranks run from 1 to %(count)d.", count=len(option_ids))
        # A rank given twice says more about what went wrong than the gap it leaves elsewhere.
        if len(set(ranks.values())) != len(ranks):
            return [], _("Please give each option a different rank.")
        if len(given) < len(option_ids):
            return [], _("Please give every option a rank.")
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
