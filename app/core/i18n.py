"""Locale choice: German unless the visitor switched to English."""

from __future__ import annotations

from flask import current_app, session


def select_locale() -> str:
    lang = session.get("lang")
    languages = current_app.config["LANGUAGES"]
    return lang if lang in languages else current_app.config["BABEL_DEFAULT_LOCALE"]
