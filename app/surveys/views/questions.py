"""The back office of one survey's questions and their options: add, edit, delete, reorder."""

from __future__ import annotations

from flask import (
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.core.forms import ConfirmForm
from app.extensions import db
from app.municipalities.tenancy import current_municipality
from app.surveys import forms, services
from app.surveys.models import (
    Question,
    QuestionType,
    Survey,
)
from app.surveys.views.admin import _field_error
from app.surveys.views.common import _managed_option, _managed_question, _managed_survey, bp


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
