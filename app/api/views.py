"""The token pages of the account (``/account/api-tokens``) and the API documentation page.

Views are thin: forms in, ``services`` do the work, one commit per request.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.api import reference, services
from app.api.forms import TokenForm
from app.core.forms import ConfirmForm
from app.core.permissions import require
from app.extensions import db

bp = Blueprint("api_tokens", __name__)
docs_bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")

# Headings for the document's tags (the tag names are the blueprints' names, not for people).
TAG_LABELS = {
    "api": _l("Reading: open data"),
    "api_write": _l("Writing: with an API token"),
}


def _token_page(form: TokenForm, new_token: str | None = None, status: int = 200):
    return render_template(
        "api/tokens.html",
        form=form,
        tokens=services.tokens_of(current_user),
        new_token=new_token,
        revoke_form=ConfirmForm(),
    ), status


def _offer_municipalities(form: TokenForm) -> dict[str, object]:
    memberships = services.token_memberships(current_user)
    form.municipality.choices = [
        (m.municipality.slug, f"{m.municipality.name} ({m.role.label})") for m in memberships
    ]
    return {m.municipality.slug: m.municipality for m in memberships}


@bp.route("/account/api-tokens", methods=["GET", "POST"])
@login_required
def tokens():
    require("api.tokens")
    form = TokenForm()
    municipalities = _offer_municipalities(form)
    if form.validate_on_submit():
        try:
            _token, raw = services.create_token(
                current_user, municipalities[form.municipality.data], form.name.data
            )
        except services.TokenError as exc:
            form.name.errors = [*form.name.errors, str(exc)]
        else:
            db.session.commit()
            flash(_("Your token has been created. Copy it now: it is shown only once."), "success")
            fresh = TokenForm(formdata=None)
            _offer_municipalities(fresh)
            return _token_page(fresh, new_token=raw)
    return _token_page(form, status=422 if form.errors else 200)


@bp.post("/account/api-tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    token = services.get_own_token(current_user, token_id)
    if token is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        services.revoke_token(current_user, token)
        db.session.commit()
        flash(_("The token “%(name)s” has been revoked.", name=token.name), "success")
    return redirect(url_for(".tokens"))


def openapi_document() -> dict:
    """The document ``/api/v1/openapi.json`` serves (flask-smorest's spec), as a dict."""
    return current_app.extensions["trialog-api"].spec.to_dict()


@docs_bp.get("/docs")
def docs():
    """The API reference, rendered on the server from the OpenAPI document: no script, the
    site's own accessible layout (Swagger UI failed the accessibility crawl)."""
    return render_template(
        "api/docs.html", ref=reference.build(openapi_document()), tag_labels=TAG_LABELS
    )
