"""Process pages (``/<slug>/processes/<process_slug>/``) and their back office
(``/<slug>/admin/processes/...``). Views parse, call a service, render; one commit per request."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core import uploads
from app.core.forms import ConfirmForm
from app.core.pagination import paginate
from app.core.permissions import require
from app.core.time import utcnow
from app.extensions import db
from app.municipalities.tenancy import current_municipality, tenant_blueprint
from app.processes import formats, services
from app.processes.forms import PhaseForm, ProcessForm, local_to_utc, utc_to_local
from app.processes.loading import managed_process, visible_process
from app.processes.models import DecisionMaker, Phase, PhaseKind, Process, Visibility

bp = tenant_blueprint(Blueprint("processes", __name__, url_prefix="/<slug>"))


# --- loading ------------------------------------------------------------------------------------


def _managed_phase(process: Process, phase_id: int) -> Phase:
    phase = services.get_phase(process, phase_id)
    if phase is None:
        abort(404)
    return phase


# --- public pages -------------------------------------------------------------------------------


def _format_links(process: Process) -> list[dict]:
    """The formats switched on for ``process``: label, page address (if built yet) and count
    (every format's count in one round trip where the formats allow it)."""
    links = []
    switched_on = set(process.format_keys)
    counted = formats.counts(switched_on, [process.id])
    for fmt in formats.all_formats():
        if fmt.key not in switched_on:
            continue
        count = counted[fmt.key].get(process.id, 0) if fmt.key in counted else None
        links.append(
            {
                "format": fmt,
                "url": fmt.url(process) if fmt.url else None,
                "count": count,
            }
        )
    return links


def _render_process_page(process: Process, *, preview: bool = False):
    now = utcnow()
    return render_template(
        "processes/show.html",
        municipality=current_municipality(),
        process=process,
        now=now,
        gate=services.contribution_gate(process, current_user, now),
        format_links=_format_links(process),
        following=services.is_following(current_user, process),
        follow_form=ConfirmForm(),
        preview=preview,
    )


@bp.get("/processes/<process_slug>/")
def show(process_slug: str):
    return _render_process_page(visible_process(process_slug))


@bp.get("/processes/<process_slug>/image")
def image(process_slug: str):
    process = visible_process(process_slug)
    if not process.image_key:
        abort(404)
    return send_from_directory(uploads.upload_root(), process.image_key, max_age=3600)


@bp.post("/processes/<process_slug>/follow")
@login_required
def follow(process_slug: str):
    process = visible_process(process_slug)
    require("process.follow", process)
    if ConfirmForm().validate_on_submit():
        services.follow(current_user, process)
        db.session.commit()
        flash(_("You follow this process now and will hear about its progress."), "success")
    return redirect(url_for(".show", process_slug=process.slug))


@bp.post("/processes/<process_slug>/unfollow")
@login_required
def unfollow(process_slug: str):
    process = visible_process(process_slug)
    if ConfirmForm().validate_on_submit():
        services.unfollow(current_user, process)
        db.session.commit()
        flash(_("You no longer follow this process."), "success")
    return redirect(url_for(".show", process_slug=process.slug))


# --- back office --------------------------------------------------------------------------------


@bp.get("/admin/processes/")
def admin_index():
    municipality = current_municipality()
    require("process.manage", municipality)
    page = paginate(services.manageable_processes(municipality))
    return render_template(
        "processes/admin/index.html", municipality=municipality, page=page, now=utcnow()
    )


def _process_data(form: ProcessForm) -> services.ProcessData:
    upload = form.image.data
    return services.ProcessData(
        title=form.title.data,
        slug=form.slug.data or "",
        summary=form.summary.data or "",
        description=form.description.data or "",
        topic=form.topic.data or "",
        visibility=Visibility(form.visibility.data),
        contact_name=form.contact_name.data or "",
        contact_email=form.contact_email.data,
        contact_details=form.contact_details.data or "",
        goal=form.goal.data or "",
        question=form.question.data or "",
        open_to_influence=form.open_to_influence.data or "",
        already_fixed=form.already_fixed.data or "",
        decision_maker=DecisionMaker(form.decision_maker.data)
        if form.decision_maker.data
        else None,
        decision_timing=form.decision_timing.data or "",
        input_use=form.input_use.data or "",
        feedback_by=form.feedback_by.data,
        reminder_hours=form.reminder_hours.data,
        image_alt=form.image_alt.data or "",
        formats=tuple(form.formats.data or ()),
        image=upload.stream if upload else None,
        remove_image=bool(form.remove_image.data),
    )


def _process_form_page(form: ProcessForm, process: Process | None):
    return render_template(
        "processes/admin/form.html",
        municipality=current_municipality(),
        form=form,
        process=process,
    ), (422 if form.errors else 200)


def _save(form: ProcessForm, process: Process | None):
    try:
        saved = services.save_process(
            current_user, current_municipality(), _process_data(form), process
        )
    except services.SlugTaken as exc:
        form.slug.errors = [*form.slug.errors, str(exc)]
        return None
    except services.ImageInvalid as exc:
        db.session.rollback()  # the half-built process must not be flushed by the form page
        form.image.errors = [*form.image.errors, str(exc)]
        return None
    db.session.commit()
    flash(_("“%(title)s” has been saved.", title=saved.title), "success")
    return redirect(url_for(".admin_process", process_id=saved.id))


@bp.route("/admin/processes/new", methods=["GET", "POST"])
def admin_new():
    require("process.manage", current_municipality())
    form = ProcessForm()
    if form.validate_on_submit() and (response := _save(form, None)):
        return response
    return _process_form_page(form, None)


@bp.route("/admin/processes/<int:process_id>/edit", methods=["GET", "POST"])
def admin_edit(process_id: int):
    process = managed_process(process_id)
    form = ProcessForm(obj=process)
    if not form.is_submitted():
        for name in services.RICH_FIELDS:
            form[name].data = services.rich_text_for_editing(getattr(process, name))
        form.formats.data = process.format_keys
        form.decision_maker.data = process.decision_maker.value if process.decision_maker else ""
        form.visibility.data = process.visibility.value
    if form.validate_on_submit() and (response := _save(form, process)):
        return response
    return _process_form_page(form, process)


@bp.get("/admin/processes/<int:process_id>/")
def admin_process(process_id: int):
    process = managed_process(process_id)
    return render_template(
        "processes/admin/process.html",
        municipality=current_municipality(),
        process=process,
        now=utcnow(),
        missing=services.missing_for_publication(process),
        publish_form=ConfirmForm(),
    )


@bp.get("/admin/processes/<int:process_id>/preview")
def admin_preview(process_id: int):
    return _render_process_page(managed_process(process_id), preview=True)


@bp.post("/admin/processes/<int:process_id>/publish")
def admin_publish(process_id: int):
    process = managed_process(process_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.publish(current_user, process)
        except services.ConceptIncomplete as exc:
            flash(str(exc), "error")
            return redirect(url_for(".admin_process", process_id=process.id))
        db.session.commit()
        flash(_("“%(title)s” is published.", title=process.title), "success")
    return redirect(url_for(".admin_process", process_id=process.id))


@bp.route("/admin/processes/<int:process_id>/archive", methods=["GET", "POST"])
def admin_archive(process_id: int):
    process = managed_process(process_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        services.archive(current_user, process)
        db.session.commit()
        flash(_("“%(title)s” is archived.", title=process.title), "success")
        return redirect(url_for(".admin_process", process_id=process.id))
    return render_template(
        "processes/admin/archive.html",
        municipality=current_municipality(),
        process=process,
        form=form,
    )


def _phase_data(form: PhaseForm) -> services.PhaseData:
    return services.PhaseData(
        kind=PhaseKind(form.kind.data),
        title=form.title.data,
        description=form.description.data or "",
        starts_at=local_to_utc(form.starts_at.data),
        ends_at=local_to_utc(form.ends_at.data),
    )


def _phase_form_page(form: PhaseForm, process: Process, phase: Phase | None):
    return render_template(
        "processes/admin/phase_form.html",
        municipality=current_municipality(),
        form=form,
        process=process,
        phase=phase,
    ), (422 if form.errors else 200)


def _save_phase(form: PhaseForm, process: Process, phase: Phase | None):
    try:
        if phase is None:
            services.add_phase(current_user, process, _phase_data(form))
        else:
            services.update_phase(current_user, phase, _phase_data(form))
    except services.PhaseInvalid as exc:
        field = getattr(form, exc.field)
        field.errors = [*field.errors, str(exc)]
        return None
    db.session.commit()
    flash(_("The phase has been saved."), "success")
    return redirect(url_for(".admin_process", process_id=process.id))


@bp.route("/admin/processes/<int:process_id>/phases/new", methods=["GET", "POST"])
def admin_new_phase(process_id: int):
    process = managed_process(process_id)
    form = PhaseForm()
    if form.validate_on_submit() and (response := _save_phase(form, process, None)):
        return response
    return _phase_form_page(form, process, None)


@bp.route("/admin/processes/<int:process_id>/phases/<int:phase_id>/edit", methods=["GET", "POST"])
def admin_edit_phase(process_id: int, phase_id: int):
    process = managed_process(process_id)
    phase = _managed_phase(process, phase_id)
    form = PhaseForm(
        data=None
        if request.method == "POST"
        else {
            "kind": phase.kind.value,
            "title": phase.title,
            "description": services.rich_text_for_editing(phase.description),
            "starts_at": utc_to_local(phase.starts_at),
            "ends_at": utc_to_local(phase.ends_at),
        }
    )
    if form.validate_on_submit() and (response := _save_phase(form, process, phase)):
        return response
    return _phase_form_page(form, process, phase)


@bp.route("/admin/processes/<int:process_id>/phases/<int:phase_id>/delete", methods=["GET", "POST"])
def admin_delete_phase(process_id: int, phase_id: int):
    process = managed_process(process_id)
    phase = _managed_phase(process, phase_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.delete_phase(current_user, phase)
        except services.NotAllowed as exc:
            flash(str(exc), "error")
            return redirect(url_for(".admin_process", process_id=process.id))
        db.session.commit()
        flash(_("The phase has been deleted."), "success")
        return redirect(url_for(".admin_process", process_id=process.id))
    return render_template(
        "processes/admin/delete_phase.html",
        municipality=current_municipality(),
        process=process,
        phase=phase,
        form=form,
    )
