"""Form pieces every domain uses."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF
from wtforms import EmailField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from app.core import fragments
from app.core.sanitize import clean_plain


def strip_filter(value: str | None) -> str | None:
    return clean_plain(value) if isinstance(value, str) else value


def email_field(label: str | None = None) -> EmailField:
    return EmailField(
        label or _l("E-mail address"),
        validators=[
            DataRequired(message=_l("Please enter your e-mail address.")),
            Email(message=_l("Please enter a valid e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
        filters=[strip_filter],
        render_kw={"autocomplete": "email"},
    )


def text_field(label: str, *, max_length: int, required: bool = True, **kwargs) -> StringField:
    validators = [Length(max=max_length, message=_l("At most %(max)d characters.", max=max_length))]
    if required:
        validators.insert(0, DataRequired(message=_l("This field is required.")))
    return StringField(label, validators=validators, filters=[strip_filter], **kwargs)


# The years a date typed into a form may fall in. A date picker also sends 0001-01-01 and
# 9999-12-31; stored, they mean nothing, and the first conversion to UTC or day added to them
# (a phase's end, the audit log's "until") overflows Python's date range and answers 500.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2200


class PlausibleDate:
    """A date or date and time between ``EARLIEST_YEAR`` and ``LATEST_YEAR``; empty passes (an
    optional field says so with ``Optional``, a required one with ``DataRequired``)."""

    def __call__(self, form, field) -> None:
        if field.data is not None and not EARLIEST_YEAR <= field.data.year <= LATEST_YEAR:
            raise ValidationError(
                _l(
                    "Please enter a date between %(first)d and %(last)d.",
                    first=EARLIEST_YEAR,
                    last=LATEST_YEAR,
                )
            )


class LazyToken:
    """A form's CSRF token, made only when the form is shown.

    Flask-WTF makes the token (and with it a session holding the CSRF secret) as soon as a form
    is built, and views build forms for every visitor, also those who are only shown a "log in to
    take part" link. Then every anonymous visitor got a session cookie, and no page could be kept
    in the page cache for the next one. Made when rendered, the token exists exactly for the forms
    a visitor can see."""

    __slots__ = ("_make", "_token")

    def __init__(self, make: Callable[[], str]) -> None:
        self._make = make
        self._token: str | None = None

    def __str__(self) -> str:
        if fragments.rendering():  # in a kept card: the reader's own is filled in on the way out
            return fragments.CSRF_PLACEHOLDER
        if self._token is None:
            self._token = self._make()
        return self._token

    def __html__(self) -> str:  # URL-safe base64 and dots: nothing to escape
        return str(self)

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


class LazyCSRF(_FlaskFormCSRF):
    def generate_csrf_token(self, csrf_token_field) -> LazyToken:
        return LazyToken(lambda: super(LazyCSRF, self).generate_csrf_token(csrf_token_field))


def init_forms() -> None:
    """Every form makes its CSRF token when shown (``LazyToken``)."""
    FlaskForm.Meta.csrf_class = LazyCSRF


class ConfirmForm(FlaskForm):
    """An empty form whose only job is the CSRF token of a one-button action."""

    submit = SubmitField(_l("Confirm"))


def writing_help(max_length: int):
    """The help under every field where people write text (proposals, comments): one format,
    Markdown, explained in the same words everywhere."""
    from flask_babel import lazy_gettext

    return lazy_gettext(
        "At most %(max)d characters. Blank lines separate paragraphs; **bold**, *italic*, "
        "lists with “- ” and links are kept.",
        max=max_length,
    )
