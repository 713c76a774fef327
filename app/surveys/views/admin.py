"""The back office of a process's surveys: list, create, edit, preview, publish, delete, export."""

from __future__ import annotations

from collections.abc import Iterator

from flask import (
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from app.core.forms import ConfirmForm
from app.core.permissions import can, require
from app.core.time import utcnow
from app.extensions import db
from app.municipalities.tenancy import current_municipality
from app.processes.forms import local_to_utc, utc_to_local
from app.processes.models import Process
from app.surveys import exports, forms, services
from app.surveys.models import (
    Audience,
    QuestionType,
    ResultsVisibility,
    Schedule,
    Survey,
)
from app.surveys.views.common import _managed_process, _managed_survey, bp
from app.surveys.views.public import _render_survey


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


def _download(
    body: bytes | Iterator[bytes], mimetype: str, survey: Survey, extension: str
) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="umfrage-{survey.id}-antworten.{extension}"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/admin/surveys/<int:survey_id>/export.csv")
def export_csv(survey_id: int):
    """Streamed: 20,000 responses leave in pieces while they are read, not after."""
    survey = _managed_survey(survey_id)
    require("survey.export", survey)
    body = stream_with_context(exports.iter_csv(survey))
    return _download(body, "text/csv; charset=utf-8", survey, "csv")


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


def surveys_admin_link(process: Process) -> Markup:
    """The way from the process's back office to its surveys (the builder)."""
    if "surveys" not in process.format_keys or not can("survey.manage", process.municipality):
        return Markup("")
    return Markup(  # noqa: S704  a rendered, autoescaped template
        render_template("surveys/admin/_link.html", process=process)
    )
