"""Forms of the privacy pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.core.forms import strip_filter


class RenewConsentForm(FlaskForm):
    accept = BooleanField(
        _l("I accept the current terms of use and privacy policy."),
        validators=[DataRequired(message=_l("Please accept to continue, or log out."))],
    )
    submit = SubmitField(_l("Accept and continue"))


class EmailConsentForm(FlaskForm):
    email_notifications = BooleanField(
        _l("Send me e-mail notifications about processes I follow and take part in.")
    )
    submit = SubmitField(_l("Save"))


class LegalDocumentForm(FlaskForm):
    body = TextAreaField(
        _l("Text"),
        validators=[
            DataRequired(message=_l("This field is required.")),
            Length(max=100_000, message=_l("At most %(max)d characters.", max=100_000)),
        ],
        description=_l(
            "Paragraphs, headings, bold, italic, lists and links are kept; everything else is removed."
        ),
        render_kw={"rows": 24},
    )
    note = StringField(
        _l("What changed (for the history)"),
        validators=[Length(max=200, message=_l("At most %(max)d characters.", max=200))],
        filters=[strip_filter],
    )
    asks_consent = BooleanField(
        _l("Everyone must accept this version again at their next visit."),
    )
    submit = SubmitField(_l("Save new version"))
