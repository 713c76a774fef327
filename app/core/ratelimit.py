"""Keys for Flask-Limiter (per client IP, per account named in a form, per logged-in account) and
the per-account throttles on every act of participation (``write_limited``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Response,
    current_app,
    flash,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_babel import ngettext

from app.core.sanitize import clean_plain
from app.core.urls import safe_next


def client_ip() -> str:
    """The client address as seen after ``ProxyFix`` (configured by ``TRUST_PROXY_HOPS``)."""
    return request.remote_addr or "unknown"


def account_key() -> str:
    """Rate-limit key for the account a login, registration or reset form names.

    Requests without an e-mail share one bucket per IP so that the limit cannot be dodged by leaving
    the field empty. The address is normalised exactly as the forms and services do (``clean_plain``
    drops control characters); otherwise a control character typed into the address would open a
    fresh bucket for the same account.
    """
    email = clean_plain(request.form.get("email")).lower()
    return f"account:{email}" if email else f"account-ip:{client_ip()}"


def signed_in_key() -> str:
    """Rate-limit key for the logged-in account, whatever the form says (e.g. current-password checks)."""
    from flask_login import current_user

    return f"user:{current_user.get_id()}" if current_user.is_authenticated else client_ip()


# --- throttles on participation ---------------------------------------------------------------

WRITE_ACTIONS = ("proposal", "comment", "reaction", "support", "report", "survey_answer")


def _retry_after(limit) -> int:
    return max(1, int(limit.reset_at - time.time()))


def _back() -> str:
    """Where the person came from, if that was a page of this site; else the start page."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        local = referrer.path + (f"?{referrer.query}" if referrer.query else "")
        return safe_next(local, url_for("site.home"))
    return url_for("site.home")


def write_limited(action: str, keep: Callable[..., Any] | None = None) -> Callable:
    """Throttle POSTs of one act of participation per account (``WRITE_RATE_LIMITS[action]``).

    All routes of one action share the bucket (support and unsupport, new comment and reply). The
    key is the logged-in account, so rotating addresses does not help; anonymous posts fall back to
    the client IP (they are refused by the views anyway).

    ``keep`` renders the form again with what was sent, when a limit is reached: it is called with
    the route's arguments and returns a page, which goes out with status 429, a German message
    and ``Retry-After``, so nothing typed is lost. Without ``keep`` (button actions) a 429 page
    with a link back to where the person came from answers. These limits live on
    ``write_limiter``, which sends no ``X-RateLimit-*`` headers.
    """
    from app.extensions import write_limiter  # the extension imports this module for its keys

    if action not in WRITE_ACTIONS:
        raise ValueError(f"unknown participation action {action!r}")

    def limit_value() -> str:
        return current_app.config["WRITE_RATE_LIMITS"][action]

    def on_breach(limit) -> Response:
        seconds = _retry_after(limit)
        if keep is not None:
            flash(
                ngettext(
                    "You have done this very often in a short time. Please wait %(num)d second "
                    "and send it again; what you entered is kept below.",
                    "You have done this very often in a short time. Please wait %(num)d seconds "
                    "and send it again; what you entered is kept below.",
                    seconds,
                ),
                "error",
            )
            response = make_response(keep(**(request.view_args or {})))
        else:
            message = ngettext(
                "You have done this very often in a short time. Please wait %(num)d second and "
                "try again.",
                "You have done this very often in a short time. Please wait %(num)d seconds and "
                "try again.",
                seconds,
            )
            response = make_response(
                render_template(
                    "errors/rate_limited.html",
                    message=message,
                    back=_back(),
                )
            )
        response.status_code = 429
        response.headers["Retry-After"] = str(_retry_after(limit))
        return response

    return write_limiter.shared_limit(
        limit_value,
        scope=f"write-{action}",
        key_func=signed_in_key,
        methods=["POST"],
        on_breach=on_breach,
    )
