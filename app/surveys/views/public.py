"""Survey pages for participants: the surveys of a process, answering one, its results and the
free-text answers."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.core.pagination import paginate
from app.core.permissions import can, require
from app.core.ratelimit import write_limited
from app.core.roles import TrialogGroup
from app.core.time import utcnow
from app.extensions import db
from app.municipalities.tenancy import current_municipality
from app.processes.loading import visible_process
from app.processes.services import GateReason
from app.surveys import charts, forms, results, services
from app.surveys.models import (
    Audience,
    QuestionType,
    Survey,
)
from app.surveys.views.common import (
    TEXTS_PER_PAGE,
    _give_browser_token,
    _respondent,
    _visible_survey,
    bp,
    percent_filter,
)


@bp.get("/processes/<process_slug>/surveys/")
def index(process_slug: str):
    process = visible_process(process_slug)
    surveys = services.surveys_of(process, published_only=True)
    now = utcnow()
    return render_template(
        "surveys/index.html",
        municipality=current_municipality(),
        process=process,
        surveys=surveys,
        windows={s.id: services.survey_window(s, now) for s in surveys},
        counts=services.response_counts([s.id for s in surveys]),
        now=now,
    )


def _render_survey(survey: Survey, form, *, status: int = 200, preview: bool = False, **extra):
    now = utcnow()
    respondent = _respondent(survey)
    return render_template(
        "surveys/show.html",
        municipality=current_municipality(),
        process=survey.process,
        survey=survey,
        form=form,
        gate=services.answer_gate(survey, current_user, now),
        respondent=respondent,
        preview=preview,
        results_visible=can("survey.results", survey),
        **extra,
    ), status


def _keep_answers(process_slug: str, survey_id: int):
    """The answer form again with what was sent (a throttle was reached): nothing is lost."""
    survey = _visible_survey(process_slug, survey_id)
    respondent = _respondent(survey)
    changing = services.may_change(survey, respondent) and services.has_answered(survey, respondent)
    return _render_survey(survey, forms.answer_form(survey), answered=False, changing=changing)


@bp.route("/processes/<process_slug>/surveys/<int:survey_id>/", methods=["GET", "POST"])
@write_limited("survey_answer", keep=_keep_answers)
def show(process_slug: str, survey_id: int):
    """The survey: its answer form while open, else why not; after answering, the closing text."""
    if request.method == "POST":  # the answers are checked against the questions as they stay
        services.hold_structure(survey_id)
    survey = _visible_survey(process_slug, survey_id)
    now = utcnow()
    respondent = _respondent(survey)
    gate = services.answer_gate(survey, current_user, now)
    if request.method == "POST":
        return _submit(survey, respondent, gate)
    if (
        survey.audience == Audience.LINK
        and not current_user.is_authenticated
        and respondent.browser_token is None
    ):
        _give_browser_token()
    answered = services.has_answered(survey, respondent)
    may_change = answered and gate.allowed and services.may_change(survey, respondent)
    change_refusal = services.change_refusal(survey, respondent) if may_change else None
    changing = may_change and not change_refusal and request.args.get("change") == "1"
    form = None
    if changing:
        own = services.own_response(survey, respondent)
        form = forms.answer_form(survey, services.submitted_from_response(own))
    elif gate.allowed and not answered:
        form = forms.answer_form(survey)
    return _render_survey(
        survey,
        form,
        answered=answered,
        changing=changing,
        may_change=may_change and not change_refusal,
        change_refusal=change_refusal,
    )


def _submit(survey: Survey, respondent: services.Respondent, gate):
    if not gate.allowed:
        if gate.reason == GateReason.LOGIN:
            require("survey.answer", survey)  # sends the visitor to the login page
        flash(gate.message, "error")
        return redirect(url_for(".show", process_slug=survey.process.slug, survey_id=survey.id))
    form = forms.answer_form(survey)
    changing = services.may_change(survey, respondent) and services.has_answered(survey, respondent)
    if not form.validate_on_submit():
        return _render_survey(survey, form, status=422, answered=False, changing=changing)
    if not respondent.is_account and respondent.browser_token is None:
        _give_browser_token()
        flash(
            _(
                "Your browser did not send back our cookie, which keeps it to one response. "
                "Please allow cookies for this site and send your answers again; they are kept "
                "below."
            ),
            "error",
        )
        return _render_survey(survey, form, status=422, answered=False, changing=False)
    try:
        services.submit_response(survey, respondent, form.submitted())
    except services.AnswersInvalid as exc:
        form.attach(exc.errors)
        return _render_survey(survey, form, status=422, answered=False, changing=changing)
    except services.AlreadyAnswered as exc:
        flash(str(exc), "info")
        return redirect(url_for(".show", process_slug=survey.process.slug, survey_id=survey.id))
    except services.SurveyError as exc:
        flash(str(exc), "error")
        return _render_survey(survey, form, status=422, answered=False, changing=changing)
    db.session.commit()
    flash(
        _("Your changes have been saved.")
        if changing
        else _("Thank you! Your answers have been saved."),
        "success",
    )
    return redirect(url_for(".show", process_slug=survey.process.slug, survey_id=survey.id))


def _chosen_group() -> TrialogGroup | None:
    value = request.args.get("group", "")
    try:
        return TrialogGroup(value) if value else None
    except ValueError:
        abort(404)


@bp.get("/processes/<process_slug>/surveys/<int:survey_id>/results")
def survey_results(process_slug: str, survey_id: int):
    survey = _visible_survey(process_slug, survey_id)
    require("survey.results", survey)
    internal = can("survey.results_internal", survey)
    group = _chosen_group() if internal else None
    try:
        figures = results.compute(survey, group=group, include_hidden=internal)
    except results.GroupTooSmall:
        abort(404)  # a group below the minimum size is never shown on its own
    return render_template(
        "surveys/results.html",
        municipality=current_municipality(),
        process=survey.process,
        survey=survey,
        figures=figures,
        internal=internal,
        group=group,
        groups=list(TrialogGroup),
        charts=_charts(figures),
        public=services.results_public(survey, utcnow()),
    )


def _charts(figures: results.SurveyResults) -> dict[int, str]:
    """One SVG per question with bars (rankings chart how often each option came first)."""
    drawn = {}
    for number, result in enumerate(figures.questions, 1):
        if not result.rows:
            continue
        question = result.question
        if question.type == QuestionType.RANKING:
            title = _("Question %(number)d: how often each option was ranked first", number=number)
        else:
            title = _("Question %(number)d: answers in percent", number=number)
        drawn[question.id] = charts.bar_chart(
            f"chart-{question.id}",
            title,
            [
                (row.label, row.percent, f"{row.count} ({percent_filter(row.percent)})")
                for row in result.rows
            ],
            maximum=100.0,
        )
    return drawn


@bp.get("/processes/<process_slug>/surveys/<int:survey_id>/results/<int:question_id>/texts")
def texts(process_slug: str, survey_id: int, question_id: int):
    """The free-text answers of one question, paginated; hidden ones only for internal readers."""
    survey = _visible_survey(process_slug, survey_id)
    require("survey.results", survey)
    question = services.get_question(survey, question_id)
    if question is None or not (question.type.is_text or question.allow_other):
        abort(404)
    internal = can("survey.results_internal", survey)
    group = _chosen_group() if internal else None
    page = paginate(
        results.texts_query(question, include_hidden=internal, group=group), TEXTS_PER_PAGE
    )
    return render_template(
        "surveys/texts.html",
        municipality=current_municipality(),
        process=survey.process,
        survey=survey,
        question=question,
        number=survey.questions.index(question) + 1,
        page=page,
        internal=internal,
        group=group,
        small_groups=results.small_groups_of(survey),
    )
