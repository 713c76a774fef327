"""Path-based tenancy: ``/<slug>/...`` resolves the municipality once per request.

A domain blueprint whose URLs start with ``/<slug>/`` calls ``tenant_blueprint(bp)``: its views then
receive no ``slug`` argument, find the municipality in ``g.municipality``, and ``url_for`` fills the
slug in by itself.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, g
from sqlalchemy import bindparam, select
from werkzeug.routing import BaseConverter

from app.accounts.services import with_login
from app.core.permissions import can
from app.municipalities.models import Municipality

RESERVED_SLUGS = frozenset(
    {
        "account",
        "admin",
        "api",
        "barrierefreiheit",
        "datenschutz",
        "healthz",
        "impressum",
        "lang",
        "login",
        "logout",
        "nutzungsbedingungen",
        "password",
        "platform",
        "register",
        "search",
        "static",
        "verify",
    }
)


class TenantSlugConverter(BaseConverter):
    """A municipality slug, never one of the platform's own first path segments.

    Without this, ``GET /logout`` would be redirected to ``/logout/`` as if it were a municipality
    instead of answering 405.
    """

    regex = "(?!(?:{})(?![a-z0-9-]))[a-z0-9][a-z0-9-]*".format("|".join(sorted(RESERVED_SLUGS)))


def init_tenancy(app: Flask) -> None:
    app.url_map.converters["tenant"] = TenantSlugConverter


# Every tenant request runs it: built once, the slug comes as a parameter.
_BY_SLUG = select(Municipality).where(Municipality.slug == bindparam("slug"))


def load_municipality(slug: str) -> Municipality:
    """The municipality for ``slug`` that the current user may see; 404 otherwise."""
    # The logged-in person comes with it (one statement, not two, on every logged-in page).
    municipality = with_login(_BY_SLUG, {"slug": slug})
    if municipality is None or not can("municipality.view", municipality):
        abort(404)
    return municipality


def current_municipality() -> Municipality:
    return g.municipality


def _pull_slug(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if values is not None and "slug" in values:
        g.municipality = load_municipality(values.pop("slug"))


def _push_slug(endpoint: str, values: dict[str, Any]) -> None:
    if "slug" not in values and g.get("municipality") is not None:
        values["slug"] = g.municipality.slug


def tenant_blueprint(bp: Blueprint) -> Blueprint:
    bp.url_prefix = (bp.url_prefix or "").replace("<slug>", "<tenant:slug>")
    bp.url_value_preprocessor(_pull_slug)
    bp.url_defaults(_push_slug)
    return bp
