"""Forms of the proposal pages and their back office."""

from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FloatField,
    IntegerField,
    SearchField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import TextInput

from app.core.forms import strip_filter, text_field, writing_help
from app.core.roles import TrialogGroup
from app.proposals.models import STATUS_LABELS, ProposalStatus
from app.proposals.search import SORT_LABELS, WITHDRAWN, Sort
from app.proposals.services import (
    ADDRESS_MAX,
    ANSWER_STATUSES,
    OFFICE_MAX,
    TEXT_MAX,
    TITLE_MAX,
)


def _max(length: int) -> Length:
    return Length(max=length, message=_l("At most %(max)d characters.", max=length))


class DecimalCommaField(FloatField):
    """A number typed the German way (``48,05``) or the English way (``48.05``)."""

    widget = TextInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        try:
            number = float(valuelist[0].strip().replace(",", "."))
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise ValueError(str(_l("Please enter a number such as 48.0123.")))
        self.data = number


def rich_area(label, *, required_message) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[DataRequired(message=required_message), _max(TEXT_MAX)],
        filters=[strip_filter],
        description=writing_help(TEXT_MAX),
    )


class ProposalForm(FlaskForm):
    title = text_field(
        _l("Title"),
        max_length=TITLE_MAX,
        description=_l("At most 120 characters: what do you propose, in a few words?"),
    )
    description = rich_area(
        _l("Description"), required_message=_l("Please describe your proposal.")
    )
    category = SelectField(_l("Category"), choices=[], validators=[Optional()])
    address = text_field(
        _l("Address or place"),
        max_length=ADDRESS_MAX,
        required=False,
        description=_l("For example: Marktplatz 3, or: in front of the town hall."),
    )
    latitude = DecimalCommaField(
        _l("Latitude"),
        validators=[Optional(), NumberRange(min=-90, max=90)],
        render_kw={"inputmode": "decimal"},
    )
    longitude = DecimalCommaField(
        _l("Longitude"),
        validators=[Optional(), NumberRange(min=-180, max=180)],
        render_kw={"inputmode": "decimal"},
    )
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Submit proposal"))
    submit_anyway = SubmitField(_l("Submit anyway"))

    def validate_longitude(self, field) -> None:
        if (self.latitude.data is None) != (field.data is None):
            raise ValidationError(_l("Please give both latitude and longitude, or neither."))


class EditProposalForm(ProposalForm):
    submit = SubmitField(_l("Save changes"))
    submit_anyway = None


class AnswerForm(FlaskForm):
    status = SelectField(
        _l("New status"),
        choices=[SelectChoice(s.value, STATUS_LABELS[s]) for s in ANSWER_STATUSES],
        validators=[DataRequired(message=_l("Please choose the new status."))],
    )
    response = rich_area(
        _l("Official answer"), required_message=_l("Every status change needs an official answer.")
    )
    office = text_field(
        _l("Answering office"),
        max_length=OFFICE_MAX,
        description=_l("Shown with the answer, for example: Stadtplanungsamt."),
    )
    merged_into = IntegerField(
        _l("Merged into proposal no."),
        validators=[Optional(), NumberRange(min=1, message=_l("Please give a proposal number."))],
        description=_l("Only for “merged”: the number of the proposal it is merged into (#…)."),
        render_kw={"inputmode": "numeric"},
    )
    submit = SubmitField(_l("Publish answer"))

    def validate_merged_into(self, field) -> None:
        if self.status.data == ProposalStatus.MERGED.value and not field.data:
            raise ValidationError(_l("Please give the number of the proposal it is merged into."))


class StatementForm(FlaskForm):
    body = rich_area(_l("Your statement"), required_message=_l("Please write your statement."))
    submit = SubmitField(_l("Publish statement"))


class SettingsForm(FlaskForm):
    answer_threshold = IntegerField(
        _l("Supports that oblige an answer"),
        validators=[Optional(), NumberRange(min=1, max=100_000)],
        description=_l("Every proposal with at least this many supports gets an official answer."),
    )
    answer_days = IntegerField(
        _l("Days to answer"),
        validators=[Optional(), NumberRange(min=1, max=365)],
        description=_l("Counted from the day the proposal reaches that number of supports."),
    )
    categories = TextAreaField(
        _l("Categories"),
        validators=[Optional(), Length(max=4000)],
        filters=[strip_filter],
        description=_l(
            "One category per line, in the order shown. Proposals in a category you remove "
            "keep no category."
        ),
    )
    submit = SubmitField(_l("Save settings"))

    def validate_answer_days(self, field) -> None:
        if (self.answer_threshold.data is None) != (field.data is None):
            raise ValidationError(
                _l("An answer promise needs both the number of supports and the number of days.")
            )


class FilterForm(FlaskForm):
    """The list's search and filters: a GET form, so result pages can be bookmarked and shared."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=200)], filters=[strip_filter])
    category = SelectField(_l("Category"), choices=[], validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])
    group = SelectField(_l("Written by"), validators=[Optional()])
    sort = SelectField(
        _l("Order"),
        choices=[SelectChoice(s.value, SORT_LABELS[s]) for s in Sort],
        default=Sort.RANDOM.value,
    )
    submit = SubmitField(_l("Show"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = [
            SelectChoice("", _l("All")),
            *(SelectChoice(s.value, STATUS_LABELS[s]) for s in ProposalStatus),
            SelectChoice(WITHDRAWN, _l("Withdrawn")),
        ]
        self.group.choices = [
            SelectChoice("", _l("Everyone")),
            *(SelectChoice(g.value, g.label) for g in TrialogGroup),
        ]
