"""One short and one long date format, German conventions, everywhere (mails too: no seconds)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_babel import force_locale, format_date, format_datetime

MOMENT = datetime(2026, 12, 5, 13, 30, 45, tzinfo=UTC)  # 14:30:45 in Berlin


@pytest.mark.parametrize("style", [None, "short", "medium"])
def test_the_short_format_has_four_digit_years_and_no_seconds(app, style):
    with app.test_request_context(), force_locale("de"):
        assert format_datetime(MOMENT, style) == "05.12.2026, 14:30"
        assert format_date(MOMENT, style) == "05.12.2026"


@pytest.mark.parametrize("style", ["long", "full"])
def test_the_long_format_writes_the_month(app, style):
    with app.test_request_context(), force_locale("de"):
        assert format_datetime(MOMENT, style) == "5. Dezember 2026, 14:30 Uhr"
        assert format_date(MOMENT, style) == "5. Dezember 2026"


def test_explicit_patterns_and_english_still_work(app):
    with app.test_request_context():
        with force_locale("de"):
            assert format_datetime(MOMENT, "HH:mm") == "14:30"
        with force_locale("en"):
            assert format_datetime(MOMENT, "medium") == "5 Dec 2026, 14:30"


def test_mails_outside_a_request_use_the_same_formats(app):
    """Jobs (the notification mails) format without a request, in the default language."""
    with app.app_context():
        assert format_datetime(MOMENT, "medium") == "05.12.2026, 14:30"


def test_templates_use_babel_styles_not_patterns_of_their_own():
    """The styles fold into the two formats; a pattern of its own would be a third."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    odd = sorted(
        f"{path.relative_to(root)}: {match}"
        for path in root.rglob("*.html")
        for match in re.findall(r"\|\s*(?:date|datetime)\('([^']*)'\)", path.read_text())
        if match not in {"short", "medium", "long", "full", "HH:mm"}
    )
    assert odd == []
