"""Forms of the outcomes pages: council statement, council decision, outcome, report settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import PlausibleDate, text_field
from app.outcomes.services import BODY_MAX, REFERENCE_MAX, TEXT_MAX
from app.processes.forms import RICH_HELP


def _max(length: int) -> Length:
    return Length(max=length, message=_l("At most %(max)d characters.", max=length))


def _votes(label) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            Optional(),
            NumberRange(min=0, max=10_000, message=_l("Enter a number from 0 to 10000.")),
        ],
    )


class StatementForm(FlaskForm):
    body = TextAreaField(
        _l("Your statement"),
        validators=[DataRequired(message=_l("Please write your statement.")), _max(TEXT_MAX)],
        description=_l(
            "Shown as your personal statement as a council member, with your name, not as the "
            "council's decision. Blank lines separate paragraphs."
        ),
        render_kw={"rows": 10},
    )
    submit = SubmitField(_l("Save statement"))


class DecisionForm(FlaskForm):
    proposal_id = SelectField(
        _l("Decision on"),
        coerce=int,
        description=_l("The whole process, or one proposal the council voted on."),
    )
    decided_on = DateField(
        _l("Date of the decision"),
        validators=[DataRequired(message=_l("Please enter a valid date.")), PlausibleDate()],
    )
    body = text_field(
        _l("Body that decided"),
        max_length=BODY_MAX,
        description=_l("For example: Gemeinderat, Ausschuss für Umwelt und Technik."),
    )
    reference = text_field(
        _l("Council document (Drucksache)"),
        max_length=REFERENCE_MAX,
        required=False,
        description=_l("For example: GR-Drucksache 2026/114."),
    )
    votes_for = _votes(_l("Votes for"))
    votes_against = _votes(_l("Votes against"))
    abstentions = _votes(_l("Abstentions"))
    text = TextAreaField(
        _l("What was decided"),
        validators=[DataRequired(message=_l("Please write what was decided.")), _max(TEXT_MAX)],
        description=RICH_HELP,
        render_kw={"rows": 6},
    )
    submit = SubmitField(_l("Record decision"))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class OutcomeForm(FlaskForm):
    summary = TextAreaField(
        _l("What was decided, and why"),
        validators=[
            DataRequired(message=_l("Please write what was decided and why.")),
            _max(TEXT_MAX),
        ],
        description=RICH_HELP,
        render_kw={"rows": 10},
    )
    adopted = MultiCheckboxField(
        _l("Adopted proposals"),
        coerce=int,
        description=_l("Each adopted proposal shows the outcome on its own page."),
    )
    next_steps = TextAreaField(
        _l("What happens next"),
        validators=[_max(TEXT_MAX)],
        description=RICH_HELP,
        render_kw={"rows": 5},
    )
    next_steps_by = DateField(
        _l("Next steps by"),
        validators=[Optional(), PlausibleDate()],
        description=_l("When the next step is due (for example the start of construction)."),
    )
    submit = SubmitField(_l("Save outcome"))


class ReportSettingsForm(FlaskForm):
    export_names = BooleanField(
        _l("Name the authors in the contributions export"),
        description=_l(
            "Only if the participation concept told participants that their names are passed on. "
            "Otherwise the export shows the trialog group only."
        ),
    )
    submit = SubmitField(_l("Save setting"))


class ReportFilterForm(FlaskForm):
    """The filter of the proposals list on the report page (GET, no CSRF)."""

    class Meta:
        csrf = False

    category = SelectField(_l("Category"), coerce=str, validators=[Optional()])
    status = SelectField(_l("Status"), coerce=str, validators=[Optional()])
