"""The JSON API (``/api/v1``) and its OpenAPI document, generated from the code by flask-smorest.

``init_app`` wires it in: the documented blueprints (public reads, token writes), the document at
``/api/v1/openapi.json``, the documentation page, the token pages of the account, JSON errors, the
rate limit, and CORS (open for reads, closed for writes).
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask_smorest import Api as SmorestApi
from werkzeug.exceptions import HTTPException

API_PREFIX = "/api/v1"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Api(SmorestApi):
    """flask-smorest without its app-wide error handler: the site keeps its HTML error pages, and
    the API's blueprints answer their errors as JSON themselves."""

    def _register_error_handlers(self) -> None:
        return None


def _rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


_prepared = False


def _prepare_once(blueprints) -> None:
    """Set up the module-level blueprints once per Python process (a second app, as the browser
    tests build, finds them ready): JSON error handlers, CSRF exemption, the rate limit (which
    Flask-Limiter keeps on the global limiter)."""
    global _prepared
    if _prepared:
        return
    from app.api.errors import ApiError, handle_api_error, handle_http_exception
    from app.extensions import csrf, limiter

    for blueprint in blueprints:
        blueprint.register_error_handler(ApiError, handle_api_error)
        blueprint.register_error_handler(HTTPException, handle_http_exception)
        csrf.exempt(blueprint)
        limiter.limit(_rate_limit)(blueprint)
    _prepared = True


def _cors(response: Response) -> Response:
    """Anyone may read the open data from any site; writes get no CORS headers, so browsers on
    other sites cannot send them (and tokens are never sent by a browser on its own)."""
    if not request.path.startswith(API_PREFIX + "/"):
        return response
    if request.method in READ_METHODS:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = "Link, Retry-After, X-RateLimit-Limit"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD"
            response.headers["Access-Control-Max-Age"] = "86400"
    return response


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from app.core import audit

    audit.label_actions(
        {
            "api_token.create": _l("API token created"),
            "api_token.revoke": _l("API token revoked"),
        }
    )

    from app.api import policies as _policies  # noqa: F401  registers rules
    from app.api import read, views, write
    from app.api.schemas import ErrorSchema

    app.config.setdefault("API_TITLE", "Trialog API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_RATE_LIMIT", "300 per minute")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": (
                    "Open data of the participation platform: municipalities, processes, "
                    "proposals, comments, survey results. Reads are public and need no login. "
                    "Writes need a personal API token (created in the account by municipal staff), "
                    "sent as `Authorization: Bearer <token>`. Errors are JSON "
                    "`{status, code, message, errors?}`."
                )
            },
            "servers": [{"url": "/"}],
        },
    )

    Api.ERROR_SCHEMA = ErrorSchema
    api = Api(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "Personal API token"}
    )
    _prepare_once([read.bp, write.bp])
    api.register_blueprint(read.bp)
    api.register_blueprint(write.bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(views.docs_bp)
    app.extensions["trialog-api"] = api
    app.after_request(_cors)
