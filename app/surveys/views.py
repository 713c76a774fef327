"""Survey pages (``/<slug>/processes/<process_slug>/surveys/...``) and the builder in the back office
(``/<slug>/admin/...``). Views parse, call a service, render; one commit per request."""

from __future__ import annotations

import secrets

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from app.core import tokens
from app.core.forms import ConfirmForm
from app.core.pagination import paginate
from app.core.permissions import can, require
from app.core.ratelimit import write_limited
from app.core.roles import TrialogGroup
from app.core.time import utcnow
from app.extensions import db
from app.municipalities.tenancy import current_municipality, tenant_blueprint
from app.processes.forms import local_to_utc, utc_to_local
from app.processes.loading import managed_process, visible_process
from app.processes.models import Process
from app.processes.services import GateReason
from app.surveys import charts, exports, forms, results, services
from app.surveys.models import (
    Audience,
    Option,
    Question,
    QuestionType,
    ResultsVisibility,
    Schedule,
    Survey,
)

bp = tenant_blueprint(Blueprint("surveys", __name__, url_prefix="/<slug>"))

BROWSER_COOKIE = "trialog_survey_browser"
BROWSER_MAX_AGE = 60 * 60 * 24 * 365
TEXTS_PER_PAGE = 20


# --- loading ------------------------------------------------------------------------------------


def _visible_survey(process_slug: str, survey_id: int) -> Survey:
    """A survey of this process that the visitor may see; drafts do not exist for others."""
    process = visible_process(process_slug)
    survey = services.get_survey(current_municipality(), survey_id)
    if survey is None or survey.process_id != process.id or not can("survey.view", survey):
        abort(404)
    return survey


def _managed_process(process_id: int) -> Process:
    return managed_process(process_id, may="survey.manage")


def _managed_survey(survey_id: int) -> Survey:
    municipality = current_municipality()
    require("survey.manage", municipality)
    survey = services.get_survey(municipality, survey_id)
    if survey is None:
        abort(404)
    return survey


def _managed_question(survey: Survey, question_id: int) -> Question:
    question = services.get_question(survey, question_id)
    if question is None:
        abort(404)
    return question


def _managed_option(question: Question, option_id: int) -> Option:
    option = services.get_option(question, option_id)
    if option is None:
        abort(404)
    return option


# --- the browser token of link surveys ----------------------------------------------------------


def _browser_token() -> str | None:
    """The random id this browser got with a signed cookie, if it sent one that is genuine."""
    raw = request.cookies.get(BROWSER_COOKIE)
    if not raw:
        return None
    try:
        return tokens.read_token("survey-browser", raw, max_age=BROWSER_MAX_AGE)
    except tokens.InvalidToken:
        return None


def _give_browser_token() -> None:
    """Hand out a browser id with this response (read back on the next request)."""
    g.survey_browser_token = secrets.token_urlsafe(24)


@bp.after_request
def _set_browser_cookie(response: Response) -> Response:
    token = g.pop("survey_browser_token", None)
    if token is not None:
        response.set_cookie(
            BROWSER_COOKIE,
            tokens.make_token("survey-browser", token),
            max_age=BROWSER_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def _respondent(survey: Survey) -> services.Respondent:
    if current_user.is_authenticated:
        return services.Respondent(user=current_user._get_current_object())
    if survey.audience == Audience.LINK:
        return services.Respondent(browser_token=_browser_token())
    return services.Respondent()


@bp.context_processor
def _survey_helpers() -> dict:
    return {
        "anchor_name": forms.anchor_name,
        "anchor_id": forms.anchor_id,
        "rank_name": forms.rank_name,
        "short_max": services.SHORT_TEXT_MAX,
        "long_max": services.LONG_TEXT_MAX,
    }


@bp.app_template_filter("survey_percent")
def percent_filter(value: float) -> str:
    """A share in German notation with one decimal: ``35,0 %``."""
    return format_decimal(value, format="#,##0.0") + "\u00a0%"


@bp.app_template_filter("survey_number")
def number_filter(value: float) -> str:
    """A mean, median or average rank in German notation, at most two decimals: ``3,25``."""
    return format_decimal(value, format="#,##0.##")


# --- public pages -------------------------------------------------------------------------------


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


# --- back office: surveys of a process ----------------------------------------------------------


@bp.get("/admin/processes/<int:process_id>/surveys/")
def admin_index(process_id: int):
    process = _managed_process(process_id)
    surveys = services.surveys_of(process, published_only=False)
    return render_template(
        "surveys/admin/index.html",
        municipality=current_municipality(),
        process=process,
        surveys=surveys,
        counts=services.response_counts([s.id for s in surveys]),
        survey_format_on="surveys" in process.format_keys,
    )


def _survey_data(form: forms.SurveyForm) -> services.SurveyData:
    return services.SurveyData(
        title=form.title.data,
        introduction=form.introduction.data or "",
        closing_text=form.closing_text.data or "",
        audience=Audience(form.audience.data),
        anonymous=form.anonymous.data == "1",
        schedule=Schedule(form.schedule.data),
        opens_at=local_to_utc(form.opens_at.data) if form.opens_at.data else None,
        closes_at=local_to_utc(form.closes_at.data) if form.closes_at.data else None,
        results_visibility=ResultsVisibility(form.results_visibility.data),
    )


def _survey_form_page(form, process: Process, survey: Survey | None, locked: bool = False):
    return render_template(
        "surveys/admin/form.html",
        municipality=current_municipality(),
        process=process,
        survey=survey,
        form=form,
        locked=locked,
    ), (422 if form.errors else 200)


def _field_error(form, name: str, message: str) -> None:
    field = getattr(form, name, None) or form.title
    field.errors = [*field.errors, message]


@bp.route("/admin/processes/<int:process_id>/surveys/new", methods=["GET", "POST"])
def admin_new(process_id: int):
    process = _managed_process(process_id)
    form = forms.SurveyForm()
    if form.validate_on_submit():
        try:
            survey = services.create_survey(current_user, process, _survey_data(form))
        except services.SurveyInvalid as exc:
            _field_error(form, exc.field, str(exc))
        else:
            db.session.commit()
            flash(_("The survey has been created. Now add its questions."), "success")
            return redirect(url_for(".admin_survey", survey_id=survey.id))
    return _survey_form_page(form, process, None)


@bp.route("/admin/surveys/<int:survey_id>/edit", methods=["GET", "POST"])
def admin_edit(survey_id: int):
    survey = _managed_survey(survey_id)
    form = forms.SurveyForm(
        data=None
        if request.method == "POST"
        else {
            "title": survey.title,
            "introduction": survey.introduction,
            "closing_text": survey.closing_text,
            "audience": survey.audience.value,
            "anonymous": "1" if survey.anonymous else "0",
            "schedule": survey.schedule.value,
            "opens_at": utc_to_local(survey.opens_at) if survey.opens_at else None,
            "closes_at": utc_to_local(survey.closes_at) if survey.closes_at else None,
            "results_visibility": survey.results_visibility.value,
        }
    )
    if form.validate_on_submit():
        try:
            services.update_survey(current_user, survey, _survey_data(form))
        except services.SurveyInvalid as exc:
            _field_error(form, exc.field, str(exc))
        else:
            db.session.commit()
            flash(_("The survey settings have been saved."), "success")
            return redirect(url_for(".admin_survey", survey_id=survey.id))
    return _survey_form_page(form, survey.process, survey, locked=services.has_responses(survey))


@bp.get("/admin/surveys/<int:survey_id>/")
def admin_survey(survey_id: int):
    """The builder: settings at a glance, questions with their options, what can still change."""
    survey = _managed_survey(survey_id)
    return render_template(
        "surveys/admin/survey.html",
        municipality=current_municipality(),
        process=survey.process,
        survey=survey,
        locked=services.has_responses(survey),
        lock_message=services.lock_message(),
        missing=services.missing_for_publication(survey),
        responses=services.response_counts([survey.id]).get(survey.id, 0),
        window=services.survey_window(survey, utcnow()),
        types=list(QuestionType),
        survey_format_on="surveys" in survey.process.format_keys,
    )


@bp.get("/admin/surveys/<int:survey_id>/preview")
def admin_preview(survey_id: int):
    survey = _managed_survey(survey_id)
    return _render_survey(survey, forms.answer_form(survey), preview=True, answered=False)


@bp.post("/admin/surveys/<int:survey_id>/publish")
def admin_publish(survey_id: int):
    survey = _managed_survey(survey_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.publish(current_user, survey)
        except services.SurveyInvalid as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("“%(title)s” is published.", title=survey.title), "success")
    return redirect(url_for(".admin_survey", survey_id=survey.id))


@bp.post("/admin/surveys/<int:survey_id>/unpublish")
def admin_unpublish(survey_id: int):
    survey = _managed_survey(survey_id)
    if ConfirmForm().validate_on_submit():
        services.unpublish(current_user, survey)
        db.session.commit()
        flash(_("“%(title)s” is no longer public.", title=survey.title), "success")
    return redirect(url_for(".admin_survey", survey_id=survey.id))


@bp.route("/admin/surveys/<int:survey_id>/delete", methods=["GET", "POST"])
def admin_delete(survey_id: int):
    survey = _managed_survey(survey_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        process_id = survey.process_id
        try:
            services.delete_survey(current_user, survey)
        except services.SurveyLocked as exc:
            flash(str(exc), "error")
            return redirect(url_for(".admin_survey", survey_id=survey.id))
        db.session.commit()
        flash(_("The survey has been deleted."), "success")
        return redirect(url_for(".admin_index", process_id=process_id))
    return render_template(
        "surveys/admin/confirm.html",
        municipality=current_municipality(),
        survey=survey,
        form=form,
        heading=_("Delete survey"),
        question=_(
            "Do you really want to delete the survey “%(title)s” with all its questions?",
            title=survey.title,
        ),
        confirm_label=_("Yes, delete"),
        blocked=services.lock_message() if services.has_responses(survey) else None,
    )


# --- back office: questions and options ----------------------------------------------------------


def _question_form_page(form, survey: Survey, question: Question | None, option_form=None):
    """The question form (and, for an existing question, its options); 422 with errors."""
    option_form = option_form or forms.OptionForm(formdata=None, prefix="option")
    return render_template(
        "surveys/admin/question_form.html",
        municipality=current_municipality(),
        survey=survey,
        question=question,
        form=form,
        qtype=QuestionType(form.type.data)
        if form.type.data in set(QuestionType)
        else QuestionType.SINGLE,
        locked=services.has_responses(survey),
        lock_message=services.lock_message(),
        option_form=option_form,
    ), (422 if form.errors or option_form.errors else 200)


def _question_error(form, exc: services.SurveyError) -> None:
    """Show a refusal at the field it is about; the lock and the rest at the type."""
    field = getattr(exc, "field", "")
    _field_error(form, field if field in ("scale", "min_choices") else "type", str(exc))


@bp.route("/admin/surveys/<int:survey_id>/questions/new", methods=["GET", "POST"])
def admin_new_question(survey_id: int):
    survey = _managed_survey(survey_id)
    form = forms.QuestionForm()
    if not form.is_submitted():
        wanted = request.args.get("type", QuestionType.SINGLE.value)
        form.type.data = wanted if wanted in set(QuestionType) else QuestionType.SINGLE.value
    if form.validate_on_submit():
        try:
            services.add_question(current_user, survey, form.question_data())
        except services.SurveyError as exc:
            _question_error(form, exc)
        else:
            db.session.commit()
            flash(_("The question has been added."), "success")
            return redirect(url_for(".admin_survey", survey_id=survey.id))
    return _question_form_page(form, survey, None)


@bp.route(
    "/admin/surveys/<int:survey_id>/questions/<int:question_id>/edit", methods=["GET", "POST"]
)
def admin_edit_question(survey_id: int, question_id: int):
    survey = _managed_survey(survey_id)
    question = _managed_question(survey, question_id)
    form = forms.QuestionForm()
    if not form.is_submitted():
        form.fill_from(question)
    if form.validate_on_submit():
        try:
            services.update_question(current_user, question, form.question_data())
        except services.SurveyError as exc:
            _question_error(form, exc)
        else:
            db.session.commit()
            flash(_("The question has been saved."), "success")
            return redirect(
                url_for(".admin_edit_question", survey_id=survey.id, question_id=question.id)
            )
    return _question_form_page(form, survey, question)


@bp.route(
    "/admin/surveys/<int:survey_id>/questions/<int:question_id>/delete", methods=["GET", "POST"]
)
def admin_delete_question(survey_id: int, question_id: int):
    survey = _managed_survey(survey_id)
    question = _managed_question(survey, question_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.delete_question(current_user, question)
        except services.SurveyLocked as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("The question has been deleted."), "success")
        return redirect(url_for(".admin_survey", survey_id=survey.id))
    return render_template(
        "surveys/admin/confirm.html",
        municipality=current_municipality(),
        survey=survey,
        form=form,
        heading=_("Delete question"),
        question=_("Do you really want to delete the question “%(text)s”?", text=question.text),
        confirm_label=_("Yes, delete"),
        blocked=services.lock_message() if services.has_responses(survey) else None,
    )


@bp.post("/admin/surveys/<int:survey_id>/questions/<int:question_id>/move")
def admin_move_question(survey_id: int, question_id: int):
    survey = _managed_survey(survey_id)
    question = _managed_question(survey, question_id)
    form = forms.MoveForm()
    if form.validate_on_submit():
        services.move_question(current_user, question, form.direction.data)
        db.session.commit()
    return redirect(
        url_for(".admin_survey", survey_id=survey.id, _anchor=f"question-{question.id}")
    )


@bp.post("/admin/surveys/<int:survey_id>/questions/<int:question_id>/options/new")
def admin_new_option(survey_id: int, question_id: int):
    survey = _managed_survey(survey_id)
    question = _managed_question(survey, question_id)
    form = forms.OptionForm(prefix="option")
    if form.validate_on_submit():
        try:
            services.add_option(current_user, question, form.label.data)
        except services.SurveyError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("The option has been added."), "success")
            return redirect(
                url_for(
                    ".admin_edit_question",
                    survey_id=survey.id,
                    question_id=question.id,
                    _anchor="options",
                )
            )
    question_form = forms.QuestionForm(formdata=None)
    question_form.fill_from(question)
    page, _status = _question_form_page(question_form, survey, question, option_form=form)
    return page, 422


@bp.route(
    "/admin/surveys/<int:survey_id>/questions/<int:question_id>/options/<int:option_id>/edit",
    methods=["GET", "POST"],
)
def admin_edit_option(survey_id: int, question_id: int, option_id: int):
    survey = _managed_survey(survey_id)
    question = _managed_question(survey, question_id)
    option = _managed_option(question, option_id)
    form = forms.OptionForm(data=None if request.method == "POST" else {"label": option.label})
    if form.validate_on_submit():
        services.update_option(current_user, option, form.label.data)
        db.session.commit()
        flash(_("The option has been saved."), "success")
        return redirect(
            url_for(
                ".admin_edit_question",
                survey_id=survey.id,
                question_id=question.id,
                _anchor="options",
            )
        )
    return render_template(
        "surveys/admin/option_form.html",
        municipality=current_municipality(),
        survey=survey,
        question=question,
        option=option,
        form=form,
    ), (422 if form.errors else 200)


@bp.route(
    "/admin/surveys/<int:survey_id>/questions/<int:question_id>/options/<int:option_id>/delete",
    methods=["GET", "POST"],
)
def admin_delete_option(survey_id: int, question_id: int, option_id: int):
    survey = _managed_survey(survey_id)
    question = _managed_question(survey, question_id)
    option = _managed_option(question, option_id)
    form = ConfirmForm()
    back = url_for(
        ".admin_edit_question", survey_id=survey.id, question_id=question.id, _anchor="options"
    )
    if form.validate_on_submit():
        try:
            services.delete_option(current_user, option)
        except services.SurveyLocked as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("The option has been deleted."), "success")
        return redirect(back)
    return render_template(
        "surveys/admin/confirm.html",
        municipality=current_municipality(),
        survey=survey,
        form=form,
        heading=_("Delete option"),
        question=_("Do you really want to delete the option “%(label)s”?", label=option.label),
        confirm_label=_("Yes, delete"),
        cancel_url=back,
        blocked=services.lock_message() if services.has_responses(survey) else None,
    )


@bp.post("/admin/surveys/<int:survey_id>/questions/<int:question_id>/options/<int:option_id>/move")
def admin_move_option(survey_id: int, question_id: int, option_id: int):
    survey = _managed_survey(survey_id)
    question = _managed_question(survey, question_id)
    option = _managed_option(question, option_id)
    form = forms.MoveForm()
    if form.validate_on_submit():
        services.move_option(current_user, option, form.direction.data)
        db.session.commit()
    return redirect(
        url_for(
            ".admin_edit_question", survey_id=survey.id, question_id=question.id, _anchor="options"
        )
    )


# --- exports ------------------------------------------------------------------------------------


def _download(body: bytes, mimetype: str, survey: Survey, extension: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="umfrage-{survey.id}-antworten.{extension}"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/admin/surveys/<int:survey_id>/export.csv")
def export_csv(survey_id: int):
    survey = _managed_survey(survey_id)
    require("survey.export", survey)
    return _download(exports.to_csv(survey), "text/csv; charset=utf-8", survey, "csv")


@bp.get("/admin/surveys/<int:survey_id>/export.xlsx")
def export_xlsx(survey_id: int):
    survey = _managed_survey(survey_id)
    require("survey.export", survey)
    return _download(
        exports.to_xlsx(survey),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        survey,
        "xlsx",
    )
