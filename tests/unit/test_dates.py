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


def _form_classes() -> list[type]:
    """Every form class of the app (``Form`` subclasses include FlaskForm and nested rows)."""
    import importlib
    import pkgutil

    from wtforms import Form

    import app as package

    for module in pkgutil.walk_packages(package.__path__, "app."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    found, todo = [], [Form]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return [cls for cls in found if cls.__module__.startswith("app.")]


def test_every_date_field_refuses_years_outside_the_calendar_people_plan_in():
    """0001-01-01 and 9999-12-31 pass a date picker; stored, the first conversion to UTC or the
    day after overflows (a hostile-input sweep found the audit log's 500 and such dates saved)."""
    from wtforms import DateField, DateTimeField, DateTimeLocalField

    from app.core.forms import PlausibleDate

    unchecked, checked = [], 0
    for cls in _form_classes():
        for name in dir(cls):
            unbound = getattr(cls, name, None)
            field_class = getattr(unbound, "field_class", None)
            if field_class is None or not issubclass(
                field_class, DateField | DateTimeField | DateTimeLocalField
            ):
                continue
            validators = unbound.kwargs.get("validators") or []
            if any(isinstance(v, PlausibleDate) for v in validators):
                checked += 1
            else:
                unchecked.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert checked >= 10
    assert not unchecked, unchecked


@pytest.mark.parametrize(
    ("typed", "accepted"),
    [
        ("0001-01-01", False),
        ("1899-12-31", False),
        ("1900-01-01", True),
        ("2026-02-28", True),
        ("2200-12-31", True),
        ("2201-01-01", False),
        ("9999-12-31", False),
    ],
)
def test_a_plausible_date_lies_between_1900_and_2200(app, typed, accepted):
    from werkzeug.datastructures import MultiDict
    from wtforms import DateField, Form

    from app.core.forms import PlausibleDate

    class One(Form):
        day = DateField(validators=[PlausibleDate()])

    with app.test_request_context():
        assert One(MultiDict({"day": typed})).validate() is accepted
