"""Forms of the process pages and the back office. Times are entered in Europe/Berlin."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone, to_utc
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileSize
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import PlausibleDate, strip_filter, text_field
from app.processes import formats
from app.processes.models import (
    DECISION_MAKER_LABELS,
    PHASE_KIND_LABELS,
    VISIBILITY_LABELS,
    DecisionMaker,
    PhaseKind,
    Visibility,
)
from app.processes.services import When


class PlainText:
    """A lazy message shown as text: Flask-Babel's lazy strings count as safe HTML in Jinja, and
    this help text names HTML tags that must appear, not act."""

    def __init__(self, message) -> None:
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


RICH_HELP = PlainText(
    _l("Blank lines separate paragraphs. Simple formatting is kept: <strong>, <em>, lists, links.")
)
IMAGE_TYPES = ["jpg", "jpeg", "png", "webp"]


def local_to_utc(value: datetime) -> datetime:
    """A naive Europe/Berlin date-time from a form, as an aware UTC datetime."""
    return to_utc(value).replace(tzinfo=UTC)


def utc_to_local(value: datetime) -> datetime:
    """An aware UTC datetime as the naive Europe/Berlin value a ``datetime-local`` input shows."""
    return to_user_timezone(value).replace(tzinfo=None)


def rich_field(label, *, max_length: int = 20_000, description=RICH_HELP) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[Optional(), Length(max=max_length)],
        description=description,
        filters=[strip_filter],
    )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProcessForm(FlaskForm):
    title = text_field(_l("Title"), max_length=200)
    slug = text_field(
        _l("Address (slug)"),
        max_length=80,
        required=False,
        description=_l(
            "Lower-case letters, digits and hyphens; part of the web address. "
            "Leave empty to derive it from the title."
        ),
    )
    summary = TextAreaField(
        _l("Short summary"),
        validators=[Optional(), Length(max=500)],
        filters=[strip_filter],
        description=_l("One or two sentences for the list of processes (at most 500 characters)."),
    )
    description = rich_field(_l("Description"))
    topic = text_field(
        _l("Topic"),
        max_length=80,
        required=False,
        description=_l("For example: mobility, climate, urban development. Used as a filter."),
    )
    visibility = SelectField(
        _l("Who can read it"),
        choices=[SelectChoice(v.value, VISIBILITY_LABELS[v]) for v in Visibility],
        validators=[DataRequired()],
    )
    image = FileField(
        _l("Image"),
        validators=[
            FileAllowed(IMAGE_TYPES, _l("Please choose a JPEG, PNG or WebP image.")),
            FileSize(5 * 1024 * 1024, message=_l("The image may be at most 5 MB.")),
        ],
        description=_l("Optional; JPEG, PNG or WebP, at most 5 MB."),
    )
    image_alt = text_field(
        _l("Image description (alternative text)"),
        max_length=300,
        required=False,
        description=_l("What the image shows, for people who cannot see it. Needed with an image."),
    )
    remove_image = BooleanField(_l("Remove the current image"))

    goal = rich_field(_l("Goal"), description=_l("What the process is meant to achieve."))
    question = rich_field(
        _l("Question to the public"), description=_l("The question participants answer.")
    )
    open_to_influence = rich_field(
        _l("What is open to influence"), description=_l("What participants can still change.")
    )
    already_fixed = rich_field(
        _l("What is already fixed"),
        description=_l("What is decided or set by law, budget or earlier decisions."),
    )
    decision_maker = SelectField(
        _l("Who decides in the end"),
        choices=[SelectChoice("", _l("Please choose"))]
        + [SelectChoice(d.value, DECISION_MAKER_LABELS[d]) for d in DecisionMaker],
        validators=[Optional()],
    )
    decision_timing = text_field(
        _l("When the decision is taken"),
        max_length=200,
        required=False,
        description=_l("For example: in the council meeting in July 2026."),
    )
    input_use = rich_field(
        _l("What happens with the input"),
        description=_l("How contributions are evaluated and passed on to those who decide."),
    )
    feedback_by = DateField(
        _l("Participants hear back by"),
        validators=[Optional(), PlausibleDate()],
        description=_l(
            "The date by which the municipality promises to report what became of the input."
        ),
    )

    contact_name = text_field(_l("Contact person"), max_length=120, required=False)
    contact_email = EmailField(
        _l("Contact e-mail"),
        validators=[
            Optional(),
            Email(message=_l("Please enter a valid e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
        filters=[strip_filter],
    )
    contact_details = TextAreaField(
        _l("Further contact details"),
        validators=[Optional(), Length(max=1000)],
        filters=[strip_filter],
        description=_l("Office, phone, opening hours."),
    )

    formats = MultiCheckboxField(_l("Participation formats"), choices=formats.format_choices)
    reminder_hours = IntegerField(
        _l("Reminder before participation closes (hours)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=24 * 14, message=_l("Between 1 and 336 hours.")),
        ],
        description=_l(
            "Followers get an e-mail this many hours before a participation phase ends. "
            "Leave empty for no reminder."
        ),
    )
    submit = SubmitField(_l("Save"))

    def validate_slug(self, field) -> None:
        if field.data:
            field.data = field.data.lower()
            Regexp(
                r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$",
                message=_l("Use lower-case letters, digits and hyphens only."),
            )(self, field)

    def validate_image_alt(self, field) -> None:
        if self.image.data and not field.data:
            raise ValidationError(_l("Please describe the image for people who cannot see it."))


class PhaseForm(FlaskForm):
    kind = SelectField(
        _l("Kind of phase"),
        choices=[SelectChoice(k.value, PHASE_KIND_LABELS[k]) for k in PhaseKind],
        validators=[DataRequired()],
    )
    title = text_field(_l("Title"), max_length=200)
    description = rich_field(_l("Description"), max_length=10_000)
    starts_at = DateTimeLocalField(
        _l("Start"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[
            DataRequired(message=_l("Please enter date and time of the start.")),
            PlausibleDate(),
        ],
        description=_l("Date and time in German time (Europe/Berlin)."),
    )
    ends_at = DateTimeLocalField(
        _l("End"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[
            DataRequired(message=_l("Please enter date and time of the end.")),
            PlausibleDate(),
        ],
        description=_l("Date and time in German time (Europe/Berlin)."),
    )
    submit = SubmitField(_l("Save phase"))

    def validate_ends_at(self, field) -> None:
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The end must be after the start."))


class ProcessFilterForm(FlaskForm):
    """The filters of the municipality page's process list (GET; no CSRF needed)."""

    class Meta:
        csrf = False

    when = SelectField(
        _l("Timeline"),
        choices=[
            SelectChoice(When.ALL.value, _l("All")),
            SelectChoice(When.CURRENT.value, _l("Running now")),
            SelectChoice(When.UPCOMING.value, _l("Upcoming")),
            SelectChoice(When.PAST.value, _l("Finished")),
        ],
        validators=[Optional()],
        default="",
    )
    topic = SelectField(_l("Topic"), choices=[], validators=[Optional()], default="")
    submit = SubmitField(_l("Filter"))
