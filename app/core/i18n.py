"""Locale choice: German unless the visitor switched to English."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from flask import current_app, has_request_context, session


def select_locale() -> str:
    """The visitor's language; outside a request (scheduler jobs, commands) the default."""
    lang = session.get("lang") if has_request_context() else None
    languages = current_app.config["LANGUAGES"]
    return lang if lang in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


# One short and one long way to write a date (and a moment), everywhere: pages, mails, exports for
# people. Babel's four styles are folded into these two, so "medium" (which shows seconds) and the
# two-digit years of "short" never appear. Explicit patterns (say "HH:mm") pass through unchanged.
PATTERNS = {
    "de": {
        "date.short": "dd.MM.yyyy",  # 05.12.2026
        "date.long": "d. MMMM yyyy",  # 5. Dezember 2026
        "datetime.short": "dd.MM.yyyy, HH:mm",  # 05.12.2026, 14:30
        "datetime.long": "d. MMMM yyyy, HH:mm 'Uhr'",  # 5. Dezember 2026, 14:30 Uhr
        "time.short": "HH:mm",
        "time.long": "HH:mm 'Uhr'",
    },
    "en": {
        "date.short": "d MMM yyyy",
        "date.long": "d MMMM yyyy",
        "datetime.short": "d MMM yyyy, HH:mm",
        "datetime.long": "d MMMM yyyy, HH:mm",
        "time.short": "HH:mm",
        "time.long": "HH:mm",
    },
}
STYLES = {"short": "short", "medium": "short", "long": "long", "full": "long"}


class DateFormats(Mapping):
    """Flask-Babel's ``date_formats``: the default style is short; each style resolves to the
    pattern of the current language."""

    def __getitem__(self, key: str) -> str | None:
        kind, _, style = key.partition(".")
        if not style:
            return "short"  # format_date(value) without a style
        from flask_babel import get_locale

        language = getattr(get_locale(), "language", "de")
        patterns = PATTERNS.get(language, PATTERNS["de"])
        return patterns.get(f"{kind}.{STYLES.get(style, style)}")

    def __iter__(self) -> Iterator[str]:
        return iter(f"{kind}.{style}" for kind in ("date", "datetime", "time") for style in STYLES)

    def __len__(self) -> int:
        return 3 * len(STYLES)


def init_date_formats(babel) -> None:
    """Make every date the app writes use the two formats above."""
    babel.date_formats = DateFormats()
