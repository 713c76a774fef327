"""Locale choice: German unless the visitor switched to English."""

from __future__ import annotations

from flask import current_app, has_request_context, session


def select_locale() -> str:
    """The visitor's language; outside a request (scheduler jobs, commands) the default."""
    lang = session.get("lang") if has_request_context() else None
    languages = current_app.config["LANGUAGES"]
    return lang if lang in languages else current_app.config["BABEL_DEFAULT_LOCALE"]
