"""Pages of the facilitator directory (``/facilitators``), its review and the process architects
(``/platform/...``), the architects' consultation desk (``/consultations``) and a municipality's
own requests (``/<slug>/admin/consultations``). Views parse, call a service, render; one commit a
request.
"""

from __future__ import annotations

from contextlib import suppress

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.contributions.services import AlreadyWritten
from app.core.forms import ConfirmForm
from app.core.pagination import paginate
from app.core.permissions import can, require
from app.extensions import db
from app.facilitation import services
from app.facilitation.forms import (
    PHASE_ROWS,
    AcceptForm,
    ArchitectForm,
    ConceptForm,
    MessageForm,
    ProfileForm,
    ProposeForm,
    RequestForm,
    concept_from_form,
    fill_concept_form,
)
from app.facilitation.models import ConsultationRequest
from app.municipalities.tenancy import current_municipality, tenant_blueprint

bp = Blueprint("facilitation", __name__)
municipal_bp = tenant_blueprint(Blueprint("consultations", __name__, url_prefix="/<slug>"))


# --- the directory ------------------------------------------------------------------------------


@bp.get("/facilitators/")
def directory():
    page = paginate(services.approved_profiles())
    return render_template("facilitation/directory.html", page=page)


@bp.get("/facilitators/<int:profile_id>")
def profile(profile_id: int):
    found = services.get_profile(profile_id)
    # A profile not (yet) approved does not exist for the public: 404, not 403.
    if found is None or not can("facilitator_profile.view", found):
        abort(404)
    return render_template("facilitation/profile.html", profile=found)


@bp.route("/facilitators/profile", methods=["GET", "POST"])
@login_required
def own_profile():
    require("facilitation.own_profile")
    existing = services.profile_of(current_user)
    form = ProfileForm()
    if not form.is_submitted() and existing is not None:
        form.process(obj=existing)  # prefill only: a posted form is judged on what it holds
    if form.validate_on_submit():
        services.save_profile(
            current_user, services.ProfileData(**_data(form, services.ProfileData))
        )
        db.session.commit()
        flash(
            _(
                "Your profile was saved. It appears in the directory once a platform admin has approved it."
            ),
            "success",
        )
        return redirect(url_for(".own_profile"))
    status = 422 if form.is_submitted() else 200
    return render_template("facilitation/own_profile.html", form=form, profile=existing), status


def _data(form, cls) -> dict:
    return {name: form[name].data or "" for name in cls.__dataclass_fields__}


# --- platform: review and architects ------------------------------------------------------------


@bp.get("/platform/facilitators")
@login_required
def review_index():
    require("facilitation.review")
    return render_template(
        "facilitation/review.html", profiles=services.profiles_to_review(), form=ConfirmForm()
    )


def _review(profile_id: int, approve: bool):
    require("facilitation.review")
    found = services.get_profile(profile_id)
    if found is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.review_profile(current_user, found, approve)
    db.session.commit()
    flash(
        _("The profile was approved.") if approve else _("The profile was not approved."), "success"
    )
    return redirect(url_for(".review_index"))


@bp.post("/platform/facilitators/<int:profile_id>/approve")
@login_required
def approve(profile_id: int):
    return _review(profile_id, True)


@bp.post("/platform/facilitators/<int:profile_id>/reject")
@login_required
def reject(profile_id: int):
    return _review(profile_id, False)


@bp.route("/platform/architects", methods=["GET", "POST"])
@login_required
def architects():
    require("facilitation.manage_architects")
    form = ArchitectForm()
    if form.validate_on_submit():
        user = services.user_by_email(form.email.data)
        if user is None:
            form.email.errors.append(_("There is no account with this e-mail address."))
        else:
            services.set_architect(current_user, user, True)
            db.session.commit()
            flash(_("%(name)s is now a process architect.", name=user.display_name), "success")
            return redirect(url_for(".architects"))
    status = 422 if form.is_submitted() else 200
    return (
        render_template(
            "facilitation/architects.html",
            form=form,
            architects=services.architects(),
            confirm=ConfirmForm(),
        ),
        status,
    )


@bp.post("/platform/architects/<int:user_id>/remove")
@login_required
def remove_architect(user_id: int):
    require("facilitation.manage_architects")
    from app.accounts.models import User

    user = db.session.get(User, user_id)
    if user is None or not user.is_process_architect:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.set_architect(current_user, user, False)
    db.session.commit()
    return redirect(url_for(".architects"))


# --- the architects' desk -----------------------------------------------------------------------


def _desk_request(request_id: int) -> ConsultationRequest:
    require("facilitation.architect")
    found = services.get_request(request_id)
    if found is None:
        abort(404)
    require("consultation.answer", found)
    return found


def _propose_form(request: ConsultationRequest) -> ProposeForm:
    form = ProposeForm(prefix="propose")
    proposed = {u.id for u in services.proposed_facilitators(request)}
    form.profile_id.choices = [
        SelectChoice(p.id, f"{p.user.display_name} ({p.region})")
        for p in db.session.scalars(services.approved_profiles())
        if p.user_id not in proposed
    ]
    return form


def _desk_page(request: ConsultationRequest, status: int = 200, concept_error: str = "", **forms):
    concept = forms.pop("concept", None)
    if concept is None:
        concept = ConceptForm(prefix="concept")
        fill_concept_form(concept, services.concept_of(request))
    return (
        render_template(
            "facilitation/desk_show.html",
            request_=request,
            message_form=forms.get("message") or MessageForm(prefix="message"),
            propose_form=forms.get("propose") or _propose_form(request),
            concept_form=concept,
            phase_rows=PHASE_ROWS,
            concept_error=concept_error,
            proposed=services.proposed_facilitators(request),
        ),
        status,
    )


@bp.get("/consultations/")
@login_required
def desk():
    require("facilitation.architect")
    return render_template("facilitation/desk.html", requests=services.all_requests())


@bp.get("/consultations/<int:request_id>")
@login_required
def desk_show(request_id: int):
    return _desk_page(_desk_request(request_id))


@bp.post("/consultations/<int:request_id>/message")
@login_required
def desk_message(request_id: int):
    found = _desk_request(request_id)
    form = MessageForm(prefix="message")
    if not form.validate_on_submit():
        return _desk_page(found, 422, message=form)
    with suppress(AlreadyWritten):  # the same message sent twice: it stands once
        services.add_message(current_user, found, form.body.data, by_architect=True)
        db.session.commit()
    return redirect(url_for(".desk_show", request_id=found.id))


@bp.post("/consultations/<int:request_id>/propose")
@login_required
def desk_propose(request_id: int):
    found = _desk_request(request_id)
    form = _propose_form(found)
    if not form.validate_on_submit():
        return _desk_page(found, 422, propose=form)
    try:
        services.propose_facilitator(
            current_user, found, services.get_profile(form.profile_id.data), form.note.data or ""
        )
    except services.FacilitationError as exc:
        form.profile_id.errors.append(str(exc))
        return _desk_page(found, 422, propose=form)
    db.session.commit()
    return redirect(url_for(".desk_show", request_id=found.id))


@bp.post("/consultations/<int:request_id>/concept")
@login_required
def desk_concept(request_id: int):
    found = _desk_request(request_id)
    form = ConceptForm(prefix="concept")
    if not form.validate_on_submit():
        return _desk_page(found, 422, concept=form)
    try:
        services.save_concept(current_user, found, concept_from_form(form))
    except services.FacilitationError as exc:
        return _desk_page(found, 422, concept_error=str(exc), concept=form)
    db.session.commit()
    flash(_("The participation concept was saved."), "success")
    return redirect(url_for(".desk_show", request_id=found.id))


# --- the municipality's side --------------------------------------------------------------------


def _own_request(request_id: int) -> ConsultationRequest:
    municipality = current_municipality()
    require("consultation.request", municipality)
    found = services.get_request(request_id, municipality)
    if found is None:
        abort(404)
    require("consultation.municipality", found)
    return found


def _municipal_page(
    request: ConsultationRequest, status: int = 200, message: MessageForm | None = None
):
    return (
        render_template(
            "facilitation/municipal_show.html",
            municipality=current_municipality(),
            request_=request,
            message_form=message or MessageForm(prefix="message"),
            confirm=ConfirmForm(),
            proposed=services.proposed_facilitators(request),
            profiles={p.user_id: p for p in db.session.scalars(services.approved_profiles())},
            concept=services.concept_of(request),
        ),
        status,
    )


@municipal_bp.get("/admin/consultations/")
@login_required
def municipal_index():
    municipality = current_municipality()
    require("consultation.request", municipality)
    return render_template(
        "facilitation/municipal_index.html",
        municipality=municipality,
        requests=services.requests_of(municipality),
    )


@municipal_bp.route("/admin/consultations/new", methods=["GET", "POST"])
@login_required
def municipal_new():
    municipality = current_municipality()
    require("consultation.request", municipality)
    form = RequestForm()
    if form.validate_on_submit():
        data = services.RequestData(**_data(form, services.RequestData))
        try:
            created = services.submit_request(current_user, municipality, data)
        except AlreadyWritten as repeat:  # the same request sent twice: answered as the first
            created = repeat.existing
        db.session.commit()
        flash(_("Your request was sent to the process architects."), "success")
        return redirect(url_for(".municipal_show", request_id=created.id))
    status = 422 if form.is_submitted() else 200
    return (
        render_template("facilitation/municipal_new.html", municipality=municipality, form=form),
        status,
    )


@municipal_bp.get("/admin/consultations/<int:request_id>")
@login_required
def municipal_show(request_id: int):
    return _municipal_page(_own_request(request_id))


@municipal_bp.post("/admin/consultations/<int:request_id>/message")
@login_required
def municipal_message(request_id: int):
    found = _own_request(request_id)
    form = MessageForm(prefix="message")
    if not form.validate_on_submit():
        return _municipal_page(found, 422, form)
    with suppress(AlreadyWritten):  # the same message sent twice: it stands once
        services.add_message(current_user, found, form.body.data, by_architect=False)
        db.session.commit()
    return redirect(url_for(".municipal_show", request_id=found.id))


@municipal_bp.post("/admin/consultations/<int:request_id>/accept")
@login_required
def municipal_accept(request_id: int):
    found = _own_request(request_id)
    form = AcceptForm()
    if not form.validate_on_submit():
        return _municipal_page(found, 422)
    try:
        person = services.accept_facilitator(current_user, found, form.facilitator_id.data)
    except services.FacilitationError as exc:
        flash(str(exc), "error")
        return _municipal_page(found, 422)
    db.session.commit()
    flash(
        _("%(name)s now accompanies your process as facilitator.", name=person.display_name),
        "success",
    )
    return redirect(url_for(".municipal_show", request_id=found.id))


@municipal_bp.post("/admin/consultations/<int:request_id>/draft")
@login_required
def municipal_draft(request_id: int):
    found = _own_request(request_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        process = services.create_draft(current_user, found)
    except services.FacilitationError as exc:
        flash(str(exc), "error")
        return _municipal_page(found, 422)
    db.session.commit()
    flash(_("The draft process was created from the participation concept."), "success")
    return redirect(url_for("processes.admin_process", process_id=process.id))
