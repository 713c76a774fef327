"""The legal pages: public per municipality (``/<slug>/impressum`` ...), edited in the back office
(``/<slug>/admin/legal/...``); the platform's own at ``/impressum`` ..., edited under
``/platform/legal/``. Both share the views below, with ``municipality`` None for the platform."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.permissions import require
from app.extensions import db
from app.municipalities.models import Municipality
from app.municipalities.tenancy import current_municipality, tenant_blueprint
from app.privacy import legal
from app.privacy.forms import LegalDocumentForm
from app.privacy.models import LegalKind

KIND = "<any(impressum, datenschutz, barrierefreiheit, nutzungsbedingungen):kind>"

bp = tenant_blueprint(Blueprint("legal", __name__, url_prefix="/<slug>"))
platform_bp = Blueprint("platform_legal", __name__, url_prefix="/platform/legal")


def render_page(municipality: Municipality | None, kind: str):
    """The public page (``site.legal`` renders the platform's own the same way)."""
    return render_template("privacy/legal_page.html", **legal.page_context(municipality, kind))


def _admin_index(municipality: Municipality | None, endpoint: str):
    require("legal.edit", municipality)
    pages = [legal.page(municipality, kind) for kind in LegalKind]
    return render_template(
        "privacy/legal_admin_index.html",
        municipality=municipality,
        pages=pages,
        labels=legal.LABELS,
        endpoint=endpoint,
    )


def _edit(municipality: Municipality | None, kind: str, endpoint: str):
    require("legal.edit", municipality)
    legal_kind = LegalKind(kind)
    form = LegalDocumentForm()
    may_ask = municipality is None and legal_kind in legal.CONSENT_KINDS
    if not may_ask:
        del form.asks_consent
    if form.validate_on_submit():
        try:
            legal.save_version(
                municipality,
                legal_kind,
                form.body.data,
                actor=current_user,
                note=form.note.data or "",
                asks_consent=bool(may_ask and form.asks_consent.data),
            )
        except legal.VersionConflict as exc:  # the form again, with the text as typed
            form.body.errors = [*form.body.errors, str(exc)]
        else:
            db.session.commit()
            flash(_("The new version has been published."), "success")
            return redirect(url_for(f"{endpoint}.history", kind=kind))
    if not form.is_submitted():
        form.body.data = legal.source_for_editing(municipality, legal_kind)
    return (
        render_template(
            "privacy/legal_edit.html",
            municipality=municipality,
            form=form,
            kind=kind,
            label=legal.LABELS[legal_kind],
            page=legal.page(municipality, legal_kind),
            endpoint=endpoint,
        ),
        422 if form.errors else 200,
    )


def _history(municipality: Municipality | None, kind: str, endpoint: str):
    require("legal.edit", municipality)
    legal_kind = LegalKind(kind)
    return render_template(
        "privacy/legal_history.html",
        municipality=municipality,
        kind=kind,
        label=legal.LABELS[legal_kind],
        versions=legal.history(municipality, legal_kind),
        endpoint=endpoint,
    )


def _version(municipality: Municipality | None, kind: str, number: int, endpoint: str):
    require("legal.edit", municipality)
    legal_kind = LegalKind(kind)
    document = legal.version(municipality, legal_kind, number)
    if document is None:
        abort(404)
    return render_template(
        "privacy/legal_version.html",
        municipality=municipality,
        kind=kind,
        label=legal.LABELS[legal_kind],
        document=document,
        endpoint=endpoint,
    )


# --- a municipality's pages ---------------------------------------------------------------------


@bp.get(f"/{KIND}")
def show(kind: str):
    return render_page(current_municipality(), kind)


@bp.get("/admin/legal/")
def admin_index():
    return _admin_index(current_municipality(), "legal")


@bp.route(f"/admin/legal/{KIND}", methods=["GET", "POST"])
def edit(kind: str):
    return _edit(current_municipality(), kind, "legal")


@bp.get(f"/admin/legal/{KIND}/history")
def history(kind: str):
    return _history(current_municipality(), kind, "legal")


@bp.get(f"/admin/legal/{KIND}/versions/<int:number>")
def show_version(kind: str, number: int):
    return _version(current_municipality(), kind, number, "legal")


# --- the platform's own pages -------------------------------------------------------------------


@platform_bp.get("/", endpoint="admin_index")
def admin_index_platform():
    return _admin_index(None, "platform_legal")


@platform_bp.route(f"/{KIND}", methods=["GET", "POST"], endpoint="edit")
def edit_platform(kind: str):
    return _edit(None, kind, "platform_legal")


@platform_bp.get(f"/{KIND}/history", endpoint="history")
def history_platform(kind: str):
    return _history(None, kind, "platform_legal")


@platform_bp.get(f"/{KIND}/versions/<int:number>", endpoint="show_version")
def show_version_platform(kind: str, number: int):
    return _version(None, kind, number, "platform_legal")
