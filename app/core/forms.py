"""Form pieces every domain uses."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length

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
