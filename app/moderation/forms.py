"""Forms of reporting, the moderation queue, its settings, review requests and the audit log."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import PlausibleDate, strip_filter
from app.moderation.models import REASON_LABELS, ReportReason

REASON_MAX = 500
TEXT_MAX = 2000


def _reason_field(label, description) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[
            DataRequired(message=_l("Please give a reason.")),
            Length(max=REASON_MAX, message=_l("At most %(max)d characters.", max=REASON_MAX)),
        ],
        filters=[strip_filter],
        description=description,
    )


class ReportForm(FlaskForm):
    reason = RadioField(
        _l("Why are you reporting this contribution?"),
        choices=[SelectChoice(reason.value, REASON_LABELS[reason]) for reason in ReportReason],
        validators=[InputRequired(message=_l("Please choose a reason."))],
    )
    text = TextAreaField(
        _l("Anything the moderators should know (optional)"),
        validators=[
            Optional(),
            Length(max=TEXT_MAX, message=_l("At most %(max)d characters.", max=TEXT_MAX)),
        ],
        filters=[strip_filter],
        description=_l("The author is not told who reported the contribution."),
    )
    submit = SubmitField(_l("Send report"))


class NoteForm(FlaskForm):
    """Keep or restore: an optional note for the log."""

    note = TextAreaField(
        _l("Note for the log (optional)"),
        validators=[
            Optional(),
            Length(max=REASON_MAX, message=_l("At most %(max)d characters.", max=REASON_MAX)),
        ],
        filters=[strip_filter],
    )


class HideForm(FlaskForm):
    reason = _reason_field(
        _l("Public reason"),
        _l(
            "Shown in the contribution's place and told to its author, e.g. "
            "“Insults other participants (netiquette, rule 1)”."
        ),
    )
    submit = SubmitField(_l("Hide contribution"))


class RejectForm(FlaskForm):
    reason = _reason_field(
        _l("Reason for not publishing"),
        _l("Told to the author and shown in the contribution's place."),
    )
    submit = SubmitField(_l("Do not publish"))


class UpholdForm(FlaskForm):
    reason = _reason_field(
        _l("Answer to the author"),
        _l("Why the contribution stays hidden; the author receives it by e-mail."),
    )
    submit = SubmitField(_l("Keep hidden"))


BLOCK_DURATIONS = {
    "7": timedelta(days=7),
    "30": timedelta(days=30),
    "90": timedelta(days=90),
    "forever": None,
}


class BlockForm(FlaskForm):
    duration = SelectField(
        _l("Duration"),
        choices=[
            SelectChoice("7", _l("7 days")),
            SelectChoice("30", _l("30 days")),
            SelectChoice("90", _l("90 days")),
            SelectChoice("forever", _l("Until further notice")),
        ],
        validators=[DataRequired()],
    )
    reason = _reason_field(
        _l("Message to the person"),
        _l("Why they are blocked; they receive it by e-mail and see it when they try to write."),
    )
    submit = SubmitField(_l("Block author"))


class ReviewRequestForm(FlaskForm):
    text = TextAreaField(
        _l("Why should the moderators look again?"),
        validators=[
            DataRequired(message=_l("Please tell the moderators why they should look again.")),
            Length(max=TEXT_MAX, message=_l("At most %(max)d characters.", max=TEXT_MAX)),
        ],
        filters=[strip_filter],
    )
    submit = SubmitField(_l("Ask for a review"))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SettingsForm(FlaskForm):
    hide_threshold = IntegerField(
        _l("Hide automatically at this many reports"),
        validators=[
            Optional(),
            NumberRange(min=1, max=100, message=_l("A number between 1 and 100.")),
        ],
        description=_l(
            "A contribution is hidden at once, pending review, when this many people have "
            "reported it. Leave empty to switch this off."
        ),
    )
    netiquette = TextAreaField(
        _l("Netiquette"),
        validators=[Optional(), Length(max=20_000)],
        filters=[strip_filter],
        description=_l(
            "The rules for a respectful exchange, linked from every contribution form. Blank "
            "lines separate paragraphs; simple formatting is kept. Leave empty for the standard "
            "text."
        ),
        render_kw={"rows": 12},
    )
    premoderated = MultiCheckboxField(_l("Pre-moderated processes"), coerce=int, choices=[])
    submit = SubmitField(_l("Save settings"))


class QueueFilterForm(FlaskForm):
    """The queue's filters (GET; no CSRF needed)."""

    class Meta:
        csrf = False

    process_id = SelectField(_l("Process"), choices=[], validators=[Optional()], default="")
    reason = SelectField(
        _l("Reason"),
        choices=[SelectChoice("", _l("All reasons"))]
        + [SelectChoice(reason.value, REASON_LABELS[reason]) for reason in ReportReason],
        validators=[Optional()],
        default="",
    )
    kind = SelectField(_l("Kind"), choices=[], validators=[Optional()], default="")
    submit = SubmitField(_l("Filter"))


class AuditFilterForm(FlaskForm):
    """The audit log's filters (GET; no CSRF needed). Dates are days in German time."""

    class Meta:
        csrf = False

    municipality = SelectField(_l("Municipality"), choices=[], validators=[Optional()], default="")
    action = SelectField(_l("Action"), choices=[], validators=[Optional()], default="")
    actor = SelectField(_l("Done by"), choices=[], validators=[Optional()], default="")
    since = DateField(_l("From"), validators=[Optional(), PlausibleDate()])
    until = DateField(_l("To"), validators=[Optional(), PlausibleDate()])
    submit = SubmitField(_l("Filter"))

    def validate_until(self, field) -> None:
        if self.since.data and field.data and field.data < self.since.data:
            raise ValidationError(_l("The end date must not be before the start date."))
