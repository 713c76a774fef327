"""The person's privacy pages in their account: data export, consents."""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.forms import ConfirmForm
from app.core.time import utcnow
from app.core.urls import safe_next
from app.extensions import db
from app.privacy import consents, exports
from app.privacy.forms import EmailConsentForm, RenewConsentForm
from app.privacy.models import ConsentKind

bp = Blueprint("privacy", __name__)


@bp.get("/account/data")
@login_required
def data():
    return render_template(
        "privacy/data.html",
        export=exports.open_export(current_user),
        form=ConfirmForm(),
        now=utcnow(),
    )


@bp.post("/account/data/export")
@login_required
def request_export():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        export = exports.request_export(current_user)
    except exports.ExportPending:
        flash(_("Your data export is already being prepared."), "info")
        return redirect(url_for(".data"))
    db.session.commit()
    return redirect(url_for(".export_status", export_id=export.id))


@bp.get("/account/data/export/<int:export_id>")
@login_required
def export_status(export_id: int):
    export = exports.export_for_owner(current_user, export_id)
    if export is None:
        abort(404)
    now = utcnow()
    return render_template(
        "privacy/export_status.html",
        export=export,
        downloadable=exports.downloadable(export, now),
        now=now,
    )


@bp.get("/account/data/export/<int:export_id>/download")
@login_required
def download_export(export_id: int):
    export = exports.export_for_owner(current_user, export_id)
    if export is None:
        abort(404)
    if not exports.downloadable(export, utcnow()):
        page = render_template("privacy/export_status.html", export=export, downloadable=False)
        return page, 410
    response = send_file(
        io.BytesIO(export.content or b""),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"trialog-daten-{export.ready_at:%Y-%m-%d}.zip",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# --- consents -----------------------------------------------------------------------------------

# Pages a person whose consent is out of date may still reach: reading the texts, leaving, their
# data rights (export, deletion), and the consent page itself.
CONSENT_EXEMPT_ENDPOINTS = frozenset(
    {
        "static",
        "privacy.renew_consent",
        "privacy.data",
        "privacy.request_export",
        "privacy.export_status",
        "privacy.download_export",
        "privacy.consents_page",
        "accounts.logout",
        "accounts.delete_account",
        "site.legal",
        "site.set_language",
        "site.healthz",
    }
)
CONSENT_EXEMPT_BLUEPRINTS = frozenset({"api", "legal"})


@bp.before_app_request
def _ask_renewed_consent():
    """Logged-in people whose accepted terms or privacy policy are older than the current version
    are asked once, before anything else, to accept the new one."""
    if not current_user.is_authenticated:
        return None
    if (
        request.endpoint in CONSENT_EXEMPT_ENDPOINTS
        or request.blueprint in CONSENT_EXEMPT_BLUEPRINTS
    ):
        return None
    if request.endpoint is None:
        return None
    if not consents.outdated(current_user):
        return None
    return redirect(url_for("privacy.renew_consent", next=request.full_path.rstrip("?")))


@bp.route("/account/consent", methods=["GET", "POST"])
@login_required
def renew_consent():
    missing = consents.outdated(current_user)
    next_url = safe_next(request.args.get("next"), url_for("site.home"))
    if not missing:
        return redirect(next_url)
    form = RenewConsentForm()
    if form.validate_on_submit():
        for kind in missing:
            consents.record(current_user, kind, True)
        db.session.commit()
        flash(_("Thank you. Your consent has been recorded."), "success")
        return redirect(next_url)
    return (
        render_template(
            "privacy/renew_consent.html", form=form, missing=missing, labels=consents.LABELS
        ),
        422 if form.errors else 200,
    )


@bp.route("/account/consents", methods=["GET", "POST"])
@login_required
def consents_page():
    form = EmailConsentForm()
    if form.validate_on_submit():
        consents.record(
            current_user, ConsentKind.EMAIL_NOTIFICATIONS, bool(form.email_notifications.data)
        )
        db.session.commit()
        flash(_("Your choice has been saved."), "success")
        return redirect(url_for(".consents_page"))
    if not form.is_submitted():
        form.email_notifications.data = consents.wants_email(current_user)
    return render_template(
        "privacy/consents.html",
        form=form,
        history=consents.history(current_user),
        legacy_at=current_user.consented_at,
        labels=consents.LABELS,
    )
