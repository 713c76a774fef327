"""JSON errors of the API: ``{status, code, message, errors?}``, whatever went wrong.

``status`` is the HTTP status, ``code`` a stable machine-readable word, ``message`` a sentence for
people, ``errors`` the field errors of bad input. Bad input is a 400 or 422, never a 500.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from app.core.errors import MESSAGES
from app.extensions import db

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
}


class ApiError(Exception):
    """Raised by API views to answer with a JSON error."""

    def __init__(
        self,
        status: int,
        message: str | None = None,
        *,
        code: str | None = None,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message or "")
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.message = message
        self.errors = errors
        self.headers = headers or {}


def _default_message(status: int) -> str:
    entry = MESSAGES.get(status)
    if entry is not None:
        return str(entry[1])
    if status == 401:
        return _("This action needs a personal API token (Authorization: Bearer …).")
    if status == 422:
        return _("Some values are missing or invalid.")
    return str(MESSAGES[500][1] if status >= 500 else MESSAGES[400][1])


def error_response(
    status: int,
    message: str | None = None,
    *,
    code: str | None = None,
    errors: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    payload: dict[str, Any] = {
        "status": status,
        "code": code or CODES.get(status, "error"),
        "message": message or _default_message(status),
    }
    if errors:
        payload["errors"] = errors
    response = jsonify(payload)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _flatten(messages: Any) -> dict[str, Any]:
    """Webargs reports errors per location (``{"json": {...}}``); clients want the fields."""
    if isinstance(messages, dict) and len(messages) == 1:
        ((location, inner),) = messages.items()
        if location in {"json", "query", "querystring", "view_args", "form"} and isinstance(
            inner, dict
        ):
            return inner
    return messages if isinstance(messages, dict) else {"_": messages}


def handle_api_error(error: ApiError) -> Response:
    if error.status >= 500:
        db.session.rollback()
    return error_response(
        error.status, error.message, code=error.code, errors=error.errors, headers=error.headers
    )


def handle_http_exception(error: HTTPException) -> Response:
    """Werkzeug's errors (404, 405, 413, 429 …) and webargs' validation errors, as JSON."""
    status = error.code or 500
    if status >= 500:
        db.session.rollback()
    data = getattr(error, "data", None) or {}
    errors = None
    if "messages" in data:
        errors = _flatten(data["messages"])
    elif "errors" in data:
        errors = data["errors"]
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    headers.update(data.get("headers") or {})
    message = data.get("message")
    if message is None and status == 429:
        message = str(MESSAGES[429][1])
    return error_response(status, message, errors=errors, headers=headers)
