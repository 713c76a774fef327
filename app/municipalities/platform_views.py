"""Platform administration: creating, editing and (de)activating municipalities."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.core.forms import ConfirmForm
from app.core.pagination import paginate
from app.core.permissions import require
from app.extensions import db
from app.municipalities import services
from app.municipalities.forms import MunicipalityForm
from app.municipalities.models import FederalState, Municipality

bp = Blueprint("platform", __name__, url_prefix="/platform")


@bp.before_request
def _platform_admins_only() -> None:
    require("platform.manage")


def _municipality_or_404(municipality_id: int) -> Municipality:
    municipality = db.session.get(Municipality, municipality_id)
    if municipality is None:
        abort(404)
    return municipality


@bp.get("/municipalities")
def municipalities():
    page = paginate(select(Municipality).order_by(Municipality.name))
    return render_template("platform/municipalities.html", page=page, toggle_form=ConfirmForm())


def _save(form: MunicipalityForm, municipality: Municipality | None):
    data = services.MunicipalityData(
        name=form.name.data,
        slug=form.slug.data,
        federal_state=FederalState(form.federal_state.data),
        ags=form.ags.data,
        contact=form.contact.data or "",
        contact_email=form.contact_email.data,
        description=form.description.data or "",
    )
    try:
        saved = services.save_municipality(current_user, data, municipality)
    except services.SlugTaken:
        form.slug.errors.append(_("This address is taken or reserved."))
        return None
    db.session.commit()
    flash(_("%(name)s has been saved.", name=saved.name), "success")
    return redirect(url_for(".municipalities"))


@bp.route("/municipalities/new", methods=["GET", "POST"])
def new_municipality():
    form = MunicipalityForm()
    if form.validate_on_submit() and (response := _save(form, None)):
        return response
    return render_template("platform/municipality_form.html", form=form, municipality=None), (
        422 if form.errors else 200
    )


@bp.route("/municipalities/<int:municipality_id>/edit", methods=["GET", "POST"])
def edit_municipality(municipality_id: int):
    municipality = _municipality_or_404(municipality_id)
    form = MunicipalityForm(obj=municipality)
    if form.validate_on_submit() and (response := _save(form, municipality)):
        return response
    return render_template(
        "platform/municipality_form.html", form=form, municipality=municipality
    ), (422 if form.errors else 200)


@bp.post("/municipalities/<int:municipality_id>/active")
def toggle_active(municipality_id: int):
    municipality = _municipality_or_404(municipality_id)
    if ConfirmForm().validate_on_submit():
        services.set_active(current_user, municipality, not municipality.is_active)
        db.session.commit()
        flash(
            _("%(name)s is now active.", name=municipality.name)
            if municipality.is_active
            else _(
                "%(name)s is now deactivated and hidden from the public.", name=municipality.name
            ),
            "success",
        )
    return redirect(url_for(".municipalities"))
