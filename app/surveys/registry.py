"""How surveys plug into the rest: the "surveys" participation format (its page and count for a
process) and the "survey_answer" contribution kind (free-text answers in moderation and "my
contributions").

Imported by the package's ``init_app``, so registering happens once per process.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from app.contributions import kinds
from app.extensions import db
from app.municipalities.models import Municipality
from app.processes import formats
from app.processes.models import Process
from app.surveys import policies, services
from app.surveys.models import Answer, Question, Survey, SurveyState


def _surveys_url(process: Process) -> str:
    return url_for("surveys.index", slug=process.municipality.slug, process_slug=process.slug)


def _surveys_per_process(process_ids: list[int]) -> Select:
    """Published surveys per process: ``(process_id, n)`` rows."""
    return (
        select(Survey.process_id, func.count(Survey.id))
        .where(Survey.process_id.in_(process_ids), Survey.state == SurveyState.PUBLISHED)
        .group_by(Survey.process_id)
    )


def _count_surveys(process_ids) -> dict[int, int]:
    """Published surveys per process, for all given processes in one query."""
    ids = list(process_ids)
    if not ids:
        return {}
    return {
        process_id: count for process_id, count in db.session.execute(_surveys_per_process(ids))
    }


def _describe_answers(contribution_ids) -> dict[int, kinds.Shown]:
    """Moderation and "my contributions": the survey and question of each free-text answer."""
    ids = list(contribution_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(
            Answer.contribution_id,
            Answer.question_id,
            Answer.text,
            Survey,
            Process.slug,
            Municipality.slug,
        )
        .join(Question, Question.id == Answer.question_id)
        .join(Survey, Survey.id == Question.survey_id)
        .join(Process, Process.id == Survey.process_id)
        .join(Municipality, Municipality.id == Survey.municipality_id)
        .where(Answer.contribution_id.in_(ids))
    )
    shown = {}
    for contribution_id, question_id, text, survey, process_slug, slug in rows:
        shown[contribution_id] = kinds.Shown(
            title=_("Answer in the survey “%(title)s”", title=survey.title),
            excerpt=(text or "")[:200],
            text=text or "",
            url=url_for(
                "surveys.texts",
                slug=slug,
                process_slug=process_slug,
                survey_id=survey.id,
                question_id=question_id,
            ),
        )
    return shown


formats.register_format(
    formats.Format(
        "surveys",
        _l("Surveys"),
        _l("Participants answer a questionnaire."),
        url=_surveys_url,
        count=_count_surveys,
        count_query=_surveys_per_process,
    )
)
kinds.register_kind(
    kinds.Kind(
        services.KIND,
        _l("Survey answer"),
        _describe_answers,
        can_read=policies.can_read_answer,
    )
)
