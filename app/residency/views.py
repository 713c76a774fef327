"""Residency verification pages: the back office (``/<slug>/admin/residency/...``) and the
person's own page in their account (``/account/residency``)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.core.forms import ConfirmForm
from app.core.pagination import paginate
from app.core.permissions import require
from app.core.ratelimit import signed_in_key
from app.core.time import utcnow
from app.extensions import db, limiter
from app.municipalities import services as municipality_services
from app.municipalities.models import Municipality
from app.municipalities.tenancy import current_municipality, tenant_blueprint
from app.processes.models import Process
from app.residency import letters, services
from app.residency.forms import GenerateCodesForm, RedeemCodeForm, ResidentsOnlyForm, RevokeForm

bp = tenant_blueprint(Blueprint("residency", __name__, url_prefix="/<slug>/admin/residency"))
account_bp = Blueprint("residency_account", __name__)


def _manage():
    municipality = current_municipality()
    require("residency.manage", municipality)
    return municipality


def _processes(municipality):
    return db.session.scalars(
        select(Process)
        .where(Process.municipality_id == municipality.id)
        .order_by(Process.created_at.desc(), Process.id.desc())
    ).all()


@bp.get("/")
def index():
    municipality = _manage()
    return render_template(
        "residency/admin.html",
        municipality=municipality,
        processes=_processes(municipality),
        rules=services.rules_of(municipality),
        batches=services.batches(municipality),
        generate=GenerateCodesForm(formdata=None),
        confirm=ConfirmForm(),
        now=utcnow(),
    )


@bp.post("/processes/<int:process_id>")
def residents_only(process_id: int):
    municipality = _manage()
    process = db.session.scalar(
        select(Process).where(Process.id == process_id, Process.municipality_id == municipality.id)
    )
    if process is None:
        abort(404)
    form = ResidentsOnlyForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_required(process, bool(form.residents_only.data), current_user)
    db.session.commit()
    flash(_("The setting of %(title)s has been saved.", title=process.title), "success")
    return redirect(url_for(".index"))


@bp.post("/codes")
def generate_codes():
    municipality = _manage()
    form = GenerateCodesForm()
    if not form.validate_on_submit():
        page = render_template(
            "residency/admin.html",
            municipality=municipality,
            processes=_processes(municipality),
            rules=services.rules_of(municipality),
            batches=services.batches(municipality),
            generate=form,
            confirm=ConfirmForm(),
            now=utcnow(),
        )
        return page, 422
    batch, codes = services.generate_batch(
        municipality, form.count.data, current_user, form.label.data or ""
    )
    if form.format.data == "csv":
        body, mimetype, extension = letters.to_csv(municipality, batch, codes), "text/csv", "csv"
    else:
        body, mimetype, extension = (
            letters.to_pdf(municipality, batch, codes),
            "application/pdf",
            "pdf",
        )
    db.session.commit()  # only once the file exists: no codes stored that nobody can print
    response = current_app.response_class(body, mimetype=mimetype)
    filename = f"wohnsitz-codes-{municipality.slug}-{batch.id}.{extension}"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/codes/<int:batch_id>/void")
def void_codes(batch_id: int):
    municipality = _manage()
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.void_batch(municipality, batch_id, current_user)
    except LookupError:
        abort(404)
    db.session.commit()
    flash(_("The unused codes of this batch no longer work."), "success")
    return redirect(url_for(".index"))


@bp.get("/members")
def members():
    municipality = _manage()
    page = paginate(municipality_services.members_query(municipality))
    status = services.status_by_user(municipality, [m.user_id for m in page.items])
    return render_template(
        "residency/members.html",
        municipality=municipality,
        page=page,
        status=status,
        confirm=ConfirmForm(),
    )


@bp.post("/members/<int:membership_id>/verify")
def verify_member(membership_id: int):
    municipality = _manage()
    membership = municipality_services.get_membership(municipality, membership_id)
    if membership is None:
        abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.verify_in_person(municipality, membership.user, current_user)
    except services.AlreadyVerified as exc:
        flash(str(exc), "info")
        return redirect(url_for(".members", page=request.args.get("page", type=int)))
    db.session.commit()
    flash(_("%(name)s is now a verified resident.", name=membership.user.display_name), "success")
    return redirect(url_for(".members", page=request.args.get("page", type=int)))


@bp.route("/verifications/<int:verification_id>/revoke", methods=["GET", "POST"])
def revoke(verification_id: int):
    municipality = _manage()
    verification = services.get_verification(municipality, verification_id)
    if verification is None:
        abort(404)
    form = RevokeForm()
    if form.validate_on_submit():
        services.revoke(verification, current_user, form.reason.data)
        db.session.commit()
        flash(_("The verification has been revoked."), "success")
        return redirect(url_for(".members"))
    return (
        render_template(
            "residency/revoke.html",
            municipality=municipality,
            verification=verification,
            form=form,
        ),
        422 if form.errors else 200,
    )


# --- the person's own page ----------------------------------------------------------------------


def _redeem_limit() -> str:
    return current_app.config["RESIDENCY_REDEEM_LIMIT"]


@account_bp.route("/account/residency", methods=["GET", "POST"])
@login_required
@limiter.limit(_redeem_limit, key_func=signed_in_key, methods=["POST"])
@limiter.limit(lambda: current_app.config["AUTH_RATE_LIMIT_PER_IP"], methods=["POST"])
def account():
    form = RedeemCodeForm()
    if form.validate_on_submit():
        try:
            verification = services.redeem(current_user, form.code.data)
        except services.ResidencyError as exc:
            form.code.errors.append(str(exc))
        else:
            db.session.commit()
            flash(
                _(
                    "Thank you. You are now a verified resident of %(name)s.",
                    name=db.session.get(Municipality, verification.municipality_id).name,
                ),
                "success",
            )
            return redirect(url_for(".account"))
    return (
        render_template(
            "residency/account.html",
            form=form,
            verifications=services.verifications_of(current_user),
        ),
        422 if form.errors else 200,
    )
