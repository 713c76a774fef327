"""Forms of residency verification."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from app.core.forms import strip_filter
from app.residency.services import MAX_BATCH


class RedeemCodeForm(FlaskForm):
    code = StringField(
        _l("Code from your letter"),
        validators=[
            DataRequired(message=_l("Please enter the code from your letter.")),
            Length(max=40, message=_l("At most %(max)d characters.", max=40)),
        ],
        filters=[strip_filter],
        description=_l("For example ABCD-EFGH-JKLM. Upper or lower case does not matter."),
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"},
    )
    submit = SubmitField(_l("Verify"))


class GenerateCodesForm(FlaskForm):
    count = IntegerField(
        _l("Number of letters"),
        validators=[
            InputRequired(message=_l("This field is required.")),
            NumberRange(min=1, max=MAX_BATCH, message=_l("Between 1 and %(max)d.", max=MAX_BATCH)),
        ],
        default=50,
    )
    label = StringField(
        _l("Label (for you, e.g. the district)"),
        validators=[Length(max=120, message=_l("At most %(max)d characters.", max=120))],
        filters=[strip_filter],
    )
    format = RadioField(
        _l("Format"),
        choices=[
            SelectChoice("pdf", _l("PDF: one letter per page")),
            SelectChoice("csv", _l("CSV for a mail merge")),
        ],
        default="pdf",
        validators=[InputRequired(message=_l("Please choose a format."))],
    )
    submit = SubmitField(_l("Generate codes and download"))


class ResidentsOnlyForm(FlaskForm):
    residents_only = BooleanField(_l("Only verified residents may take part"))
    submit = SubmitField(_l("Save"))


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(message=_l("Please give a reason.")),
            Length(max=1000, message=_l("At most %(max)d characters.", max=1000)),
        ],
        filters=[strip_filter],
        description=_l("The person sees this reason in their account."),
    )
    submit = SubmitField(_l("Revoke verification"))
