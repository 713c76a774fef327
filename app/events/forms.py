"""Forms of events, their documentation, on-site input and easy-read texts (times in Europe/Berlin)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import (
    DateTimeLocalField,
    FieldList,
    FloatField,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.core.forms import PlausibleDate, strip_filter, text_field
from app.events.models import REGISTRATION_LABELS, RegistrationMode
from app.processes.forms import IMAGE_TYPES, rich_field

TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
BERLIN_TIME = _l("Date and time in German time (Europe/Berlin).")


class EventForm(FlaskForm):
    title = text_field(_l("Title"), max_length=200)
    description = rich_field(_l("Description"), max_length=10_000)
    starts_at = DateTimeLocalField(
        _l("Start"),
        format=TIME_FORMATS,
        validators=[
            DataRequired(message=_l("Please enter date and time of the start.")),
            PlausibleDate(),
        ],
        description=BERLIN_TIME,
    )
    ends_at = DateTimeLocalField(
        _l("End"),
        format=TIME_FORMATS,
        validators=[
            DataRequired(message=_l("Please enter date and time of the end.")),
            PlausibleDate(),
        ],
        description=BERLIN_TIME,
    )
    address = text_field(_l("Place (address)"), max_length=300, required=False)
    latitude = FloatField(_l("Latitude (optional)"), validators=[Optional()])
    longitude = FloatField(_l("Longitude (optional)"), validators=[Optional()])
    accessibility = TextAreaField(
        _l("Accessibility of the venue"),
        validators=[Optional(), Length(max=2000)],
        filters=[strip_filter],
        description=_l("Step-free access, accessible toilet, hearing loop, sign language, …"),
    )
    online_url = text_field(_l("Online link (for hybrid events)"), max_length=500, required=False)
    registration = SelectField(
        _l("Registration"),
        choices=[SelectChoice(m.value, REGISTRATION_LABELS[m]) for m in RegistrationMode],
        default=RegistrationMode.NONE.value,
    )
    capacity = IntegerField(
        _l("Seats"),
        validators=[Optional(), NumberRange(min=1, max=100_000)],
        description=_l("Only for limited registration: who registers beyond this waits."),
    )
    submit = SubmitField(_l("Save event"))

    def validate_ends_at(self, field) -> None:
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The end must be after the start."))


class ProtocolForm(FlaskForm):
    protocol = rich_field(_l("Protocol"), max_length=50_000)
    submit = SubmitField(_l("Save protocol"))


class PhotoForm(FlaskForm):
    photo = FileField(
        _l("Photo"),
        validators=[
            FileRequired(message=_l("Please choose a photo.")),
            FileAllowed(IMAGE_TYPES, _l("Please upload a JPEG, PNG or WebP image.")),
            FileSize(max_size=10 * 1024 * 1024, message=_l("At most 10 MB.")),
        ],
        description=_l("Location and camera data are removed when the photo is stored."),
    )
    alt = text_field(
        _l("Description of the photo (alternative text)"),
        max_length=300,
        description=_l("What the photo shows, for people who cannot see it."),
    )
    caption = text_field(_l("Caption (optional)"), max_length=300, required=False)
    submit = SubmitField(_l("Add photo"))


def origin_field() -> SelectField:
    return SelectField(
        _l("Where does the input come from?"),
        validators=[DataRequired(message=_l("Please choose where the input comes from."))],
    )


class CardForm(Form):
    """One card of the bulk form (no CSRF of its own: the outer form has it)."""

    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice("proposal", _l("Proposal")), SelectChoice("comment", _l("Comment"))],
        default="proposal",
    )
    title = text_field(_l("Title (for proposals)"), max_length=120, required=False)
    text = TextAreaField(
        _l("Text"), validators=[Optional(), Length(max=10_000)], filters=[strip_filter]
    )


class BulkForm(FlaskForm):
    origin = origin_field()
    note = text_field(
        _l("Note on the origin (optional)"),
        max_length=300,
        required=False,
        description=_l("For example: pin board “traffic”, letter of 3 March."),
    )
    cards = FieldList(FormField(CardForm), min_entries=6, max_entries=60)
    submit = SubmitField(_l("Save the cards"))


class ImportForm(FlaskForm):
    origin = origin_field()
    note = text_field(_l("Note on the origin (optional)"), max_length=300, required=False)
    file = FileField(
        _l("CSV file"),
        validators=[
            FileAllowed(["csv", "txt"], _l("Please upload a CSV file.")),
            FileSize(max_size=512 * 1024, message=_l("At most 512 KB.")),
        ],
        description=_l(
            "First row: kind, title, text (or Art, Titel, Text). Kind is “proposal” or “comment”."
        ),
    )
    csv_text = TextAreaField(validators=[Optional(), Length(max=600_000)])
    preview = SubmitField(_l("Check and preview"))
    save = SubmitField(_l("Save all rows"))


class EasyReadForm(FlaskForm):
    body = TextAreaField(
        _l("Summary in Leichte Sprache"),
        validators=[DataRequired(message=_l("This field is required.")), Length(max=10_000)],
        filters=[strip_filter],
        description=_l("Short sentences, one sentence a line. Explain hard words."),
    )
    promise = TextAreaField(
        _l("The participation promise, easy to read aloud (optional)"),
        validators=[Optional(), Length(max=5_000)],
        filters=[strip_filter],
    )
    submit = SubmitField(_l("Save"))


class CancelEventForm(FlaskForm):
    reason = TextAreaField(
        _l("Why is the event cancelled?"),
        validators=[
            DataRequired(message=_l("Please say why the event is cancelled.")),
            Length(max=1000, message=_l("At most %(max)d characters.", max=1000)),
        ],
        filters=[strip_filter],
        description=_l(
            "Shown on the event page and sent to everyone registered or on the waiting list."
        ),
    )
