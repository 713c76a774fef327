"""Error pages in the site's layout, for browsers and JSON clients alike."""

from __future__ import annotations

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

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
}
CSRF_MESSAGE = _l(
    "The form has expired or was sent from another site. Please reload the page and try again."
)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def render_error(code: int, detail: str | None = None) -> Response:
    title, message = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    if _wants_json():
        response = jsonify(error=str(title), message=str(detail or message), status=code)
    else:
        response = make_response(
            render_template("errors/error.html", code=code, title=title, message=detail or message)
        )
    response.status_code = code
    return response


def init_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        return render_error(400, str(CSRF_MESSAGE))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code not in MESSAGES:
            return error
        response = render_error(error.code)
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(InternalServerError)
    def _internal(error: InternalServerError):
        db.session.rollback()
        return render_error(500)
