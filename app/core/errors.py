"""Error pages in the site's layout, for browsers and JSON clients alike.

While the database is away (unreachable, hanging past the connect timeout, a statement cut off by
the statement timeout) every page answers 503 with a page that needs no database, and the next
request after its return is served normally: the pool's pre-ping replaces dead connections.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from app.extensions import db

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please check your input.")),
    403: (_l("Access denied"), _l("You do not have permission for this action.")),
    404: (_l("Page not found"), _l("This page does not exist or is not visible to you.")),
    405: (_l("Method not allowed"), _l("This address does not accept this kind of request.")),
    413: (_l("Too large"), _l("The data sent is too large.")),
    429: (
        _l("Too many attempts"),
        _l("You have tried this too often. Please wait a moment and try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("An unexpected error happened on our side. Nothing you saved before was lost."),
    ),
    503: (
        _l("Temporarily unavailable"),
        _l(
            "Trialog cannot reach its database right now. Please try again in a few minutes. "
            "Nothing you saved before was lost."
        ),
    ),
}
# What a database that is down, hanging or overloaded raises: connection failures and cut-off
# statements (OperationalError), dead connections (InterfaceError, DisconnectionError) and an
# exhausted pool (TimeoutError).
DATABASE_UNAVAILABLE = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
)
RETRY_AFTER_SECONDS = 30
JSON_CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "rate_limited",
    500: "internal_error",
}
CSRF_MESSAGE = _l(
    "The form has expired or was sent from another site. Please reload the page and try again."
)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def render_error(code: int, detail: str | None = None) -> Response:
    title, message = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    if _wants_json():
        response = jsonify(
            error=str(title),
            message=str(detail or message),
            status=code,
            code=JSON_CODES.get(code, "error"),  # machine-readable, as the API's own errors
        )
    else:
        try:
            page = render_template(
                "errors/error.html", code=code, title=title, message=detail or message
            )
        except DATABASE_UNAVAILABLE:  # the layout asks who is logged in: the database is away
            _rollback()
            return render_unavailable()
        response = make_response(page)
    response.status_code = code
    return response


def render_unavailable() -> Response:
    """The 503 answer; its page uses no database (no user, no municipality, no permissions)."""
    title, message = MESSAGES[503]
    if _wants_json():
        response = jsonify(error=str(title), message=str(message), status=503)
    else:
        # Straight from the environment: Flask's context processors would load the user.
        template = current_app.jinja_env.get_template("errors/unavailable.html")
        page = template.render(code=503, title=title, message=message, request=request)
        response = make_response(page)
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def _rollback() -> None:
    """Give the session's connection back; a dead connection may fail even at that."""
    try:
        db.session.rollback()
    except sa_exc.SQLAlchemyError:
        db.session.close()


def init_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        return render_error(400, str(CSRF_MESSAGE))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code not in MESSAGES:
            return error
        if error.response is not None:  # a page made for this case (e.g. a 429 keeping a form)
            return error.response
        if isinstance(error, SecurityError):  # a Host not in TRUSTED_HOSTS: no URL can be built
            return Response(str(MESSAGES[400][1]), status=400, mimetype="text/plain")
        response = render_error(error.code)
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    def _database_unavailable(error: sa_exc.SQLAlchemyError):
        _rollback()
        current_app.logger.error("Database unavailable: %s", error, exc_info=error)
        return render_unavailable()

    for error_class in DATABASE_UNAVAILABLE:
        app.register_error_handler(error_class, _database_unavailable)

    @app.errorhandler(InternalServerError)
    def _internal(error: InternalServerError):
        db.session.rollback()
        return render_error(500)
