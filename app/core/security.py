"""Security headers on every response, no caching of personal pages, and session lifetimes."""

from __future__ import annotations

from datetime import timedelta

import flask_login
from flask import Flask, Response, current_app, flash, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import logout_user, user_loaded_from_cookie, user_logged_in
from flask_login.utils import decode_cookie, encode_cookie

from app.core import time as clock

# Session keys (Flask-Login's own start with an underscore too): when the password was given, and
# when this session last made a request (POSIX seconds).
LOGIN_AT = "_login_at"
SEEN_AT = "_seen_at"
# The last-seen time is written at most this often, so that not every request re-sends the cookie.
SEEN_RESOLUTION = 60
# Pages of the back office and of one's account: never cached, even for a visitor without login
# (the redirect to the login page, say), so no shared cache keeps them.
BACKOFFICE_PREFIXES = ("/platform/", "/account")
BACKOFFICE_SEGMENT = "/admin/"
SESSION_EXPIRED = _l("Your session has expired. Please log in again.")


def content_security_policy(app: Flask) -> str:
    img_src = " ".join(["'self'", "data:", *app.config.get("CSP_EXTRA_IMG_SRC", [])])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {img_src}",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def init_security_headers(app: Flask) -> None:
    policy = content_security_policy(app)
    hsts = app.config.get("SESSION_COOKIE_SECURE", False)

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(self)"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if hsts:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response

    init_no_store(app)
    init_session_lifetime(app)


def is_personal(path: str, rule: str | None) -> bool:
    """Whether a response may carry personal or back-office data: any to a logged-in person
    (their name is in the layout), and every back-office or account page."""
    if "_user_id" in session:
        return True
    rule = rule or path
    return rule.startswith(BACKOFFICE_PREFIXES) or BACKOFFICE_SEGMENT in rule


def init_no_store(app: Flask) -> None:
    """``Cache-Control: no-store`` on personal pages: a shared computer's back button, a proxy or
    the browser cache must not show them to the next person. Reads the session only, never the
    database, so it also holds for the pages served while the database is away."""

    @app.after_request
    def _no_store(response: Response) -> Response:
        if request.endpoint == "static":
            return response
        rule = request.url_rule.rule if request.url_rule is not None else None
        if is_personal(request.path, rule):
            response.headers["Cache-Control"] = "no-store"
        return response


def _now() -> float:
    return clock.utcnow().timestamp()


def _start(sender: Flask, **_extra) -> None:
    """A login by password: the lifetimes count from now; "stay logged in" keeps the cookie."""
    now = _now()
    session[LOGIN_AT] = now
    session[SEEN_AT] = now
    session.permanent = session.get("_remember") == "set"


def _restored(sender: Flask, **_extra) -> None:
    """A login restored from the remember cookie: the absolute lifetime still counts from the
    password (the time the cookie carries), the idle time from now."""
    now = _now()
    session[LOGIN_AT] = g.pop(_RESTORED_LOGIN_AT, now)
    session[SEEN_AT] = now
    session.permanent = True


# --- the remember cookie carries the time of its login ------------------------------------------

# Between the login key and the time of the login in the remember cookie's signed payload.
_AT = "@"
_RESTORED_LOGIN_AT = "trialog_restored_login_at"


def _remember_duration() -> float:
    duration = current_app.config["REMEMBER_COOKIE_DURATION"]
    return duration.total_seconds() if isinstance(duration, timedelta) else float(duration)


class LoginManager(flask_login.LoginManager):
    """Flask-Login's manager with a remember cookie that ends on the server too.

    Flask-Login's cookie holds only the signed login key; its expiry is a date the browser keeps,
    so a copy of it (from a shared computer, a backup, malware) logged its holder in for ever,
    each time as a fresh login, until the owner logged out or changed the password: neither
    ``REMEMBER_COOKIE_DURATION`` nor ``SESSION_MAX_AGE`` bound it. Here the signed payload also
    holds the time the password was given; a cookie older than ``REMEMBER_COOKIE_DURATION``, or
    without that time (issued before this rule), restores nothing and is deleted, and a restored
    login keeps its original time for ``SESSION_MAX_AGE``. (Overrides two methods Flask-Login
    keeps private; ``tests/integration/test_hardening_remember.py`` notices if they change.)
    """

    def _set_cookie(self, response: Response) -> None:
        key = session["_user_id"]
        session["_user_id"] = f"{key}{_AT}{int(session.get(LOGIN_AT) or _now())}"
        try:
            super()._set_cookie(response)
        finally:
            session["_user_id"] = key

    def _load_user_from_remember_cookie(self, cookie: str):
        key, at, login_at = (decode_cookie(cookie) or "").rpartition(_AT)
        if not at or not login_at.isdigit() or _now() - int(login_at) > _remember_duration():
            session["_remember"] = "clear"  # the cookie goes with this response
            return None
        g.setdefault(_RESTORED_LOGIN_AT, float(login_at))
        return super()._load_user_from_remember_cookie(encode_cookie(key))


def _enforce_lifetimes(app: Flask) -> None:
    if "_user_id" not in session:
        return
    now = _now()
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if login_at is None or seen_at is None:  # a session from before this rule
        session[LOGIN_AT] = session[SEEN_AT] = now
        return
    if (
        now - login_at > app.config["SESSION_MAX_AGE"]
        or now - seen_at > app.config["SESSION_IDLE_TIMEOUT"]
    ):
        logout_user()  # notes in the session that the remember cookie goes with this response
        keep = {key: session[key] for key in ("lang", "_remember") if key in session}
        session.clear()
        session.update(keep)
        session.permanent = False
        flash(str(SESSION_EXPIRED), "info")
    elif now - seen_at >= SEEN_RESOLUTION:
        session[SEEN_AT] = now


def init_session_lifetime(app: Flask) -> None:
    """End idle sessions (``SESSION_IDLE_TIMEOUT``) and old logins (``SESSION_MAX_AGE``) on the
    server, whatever the cookie's expiry says: a copied cookie stops working too."""
    user_logged_in.connect(_start, sender=app)
    user_loaded_from_cookie.connect(_restored, sender=app)
    app.before_request(lambda: _enforce_lifetimes(app))
