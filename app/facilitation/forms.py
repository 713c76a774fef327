"""Forms of the facilitator directory and of first consultations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import PlausibleDate, email_field, strip_filter, text_field
from app.facilitation.services import CONCEPT_TEXT_FIELDS, ConceptData, PhasePlan
from app.processes.models import DECISION_MAKER_LABELS, PHASE_KIND_LABELS, DecisionMaker, PhaseKind
from app.processes.services import CONCEPT_FIELDS


def _area(label, *, max_length: int = 5000, required: bool = False, description=None):
    validators = [Length(max=max_length, message=_l("At most %(max)d characters.", max=max_length))]
    validators.insert(
        0, DataRequired(message=_l("This field is required.")) if required else Optional()
    )
    return TextAreaField(
        label, validators=validators, filters=[strip_filter], description=description
    )


class ProfileForm(FlaskForm):
    region = text_field(
        _l("Region"),
        max_length=200,
        description=_l("Where you work, e.g. “Südbaden” or “all of Baden-Württemberg”."),
    )
    methods = _area(
        _l("Methods"),
        required=True,
        description=_l("E.g. World Café, citizens' juries, future workshops."),
    )
    languages = text_field(_l("Languages"), max_length=200)
    references = _area(_l("References"), description=_l("Processes you have accompanied."))
    about = _area(_l("About you"))
    submit = SubmitField(_l("Save and submit for review"))


class RequestForm(FlaskForm):
    topic = text_field(_l("Topic of the planned process"), max_length=200)
    goals = _area(_l("Goals"), required=True)
    timing = text_field(
        _l("Timing"), max_length=300, description=_l("When should the process start and end?")
    )
    local_context = _area(
        _l("Local context"),
        required=True,
        description=_l("Who is affected, what has happened so far, what is politically fixed."),
    )
    previous_experience = _area(_l("Previous experience with participation"))
    submit = SubmitField(_l("Request a first consultation"))


class MessageForm(FlaskForm):
    body = _area(_l("Message"), required=True)
    submit = SubmitField(_l("Send message"))


class ProposeForm(FlaskForm):
    profile_id = SelectField(_l("Facilitator from the directory"), coerce=int, validate_choice=True)
    note = _area(_l("Why this facilitator"), max_length=2000)
    submit = SubmitField(_l("Propose"))


class AcceptForm(FlaskForm):
    facilitator_id = IntegerField(validators=[DataRequired()])


class ArchitectForm(FlaskForm):
    email = email_field()
    submit = SubmitField(_l("Make process architect"))


_PHASE_KINDS = tuple(PhaseKind)


def _concept_form_class() -> type[FlaskForm]:
    """The template: the process's concept fields plus one row per standard phase."""
    attrs: dict = {}
    for name in CONCEPT_TEXT_FIELDS:
        limit = 500 if name == "summary" else 200 if name == "decision_timing" else 5000
        attrs[name] = _area(CONCEPT_FIELDS[name], max_length=limit)
    attrs["decision_maker"] = SelectField(
        CONCEPT_FIELDS["decision_maker"],
        choices=[
            SelectChoice("", _l("Not decided yet")),
            *(SelectChoice(m.value, label) for m, label in DECISION_MAKER_LABELS.items()),
        ],
        default="",
        validate_choice=True,
    )
    for kind in _PHASE_KINDS:
        label = PHASE_KIND_LABELS[kind]
        attrs[f"{kind.value}_title"] = text_field(label, max_length=200, required=False)
        dates = [Optional(), PlausibleDate()]
        attrs[f"{kind.value}_start"] = DateField(_l("From"), validators=dates)
        attrs[f"{kind.value}_end"] = DateField(_l("To"), validators=dates)
    attrs["submit"] = SubmitField(_l("Save concept"))
    return type("ConceptForm", (FlaskForm,), attrs)


ConceptForm = _concept_form_class()
PHASE_ROWS = tuple((kind, PHASE_KIND_LABELS[kind]) for kind in _PHASE_KINDS)


def concept_from_form(form) -> ConceptData:
    """A phase counts when it has both dates; its title defaults to the kind's label."""
    phases = []
    for kind in _PHASE_KINDS:
        start = form[f"{kind.value}_start"].data
        end = form[f"{kind.value}_end"].data
        if start and end:
            title = form[f"{kind.value}_title"].data or str(PHASE_KIND_LABELS[kind])
            phases.append(PhasePlan(kind=kind, title=title, starts_on=start, ends_on=end))
    maker = form.decision_maker.data
    return ConceptData(
        **{name: form[name].data or "" for name in CONCEPT_TEXT_FIELDS},
        decision_maker=DecisionMaker(maker) if maker else None,
        phases=tuple(phases),
    )


def fill_concept_form(form, concept: ConceptData) -> None:
    for name in CONCEPT_TEXT_FIELDS:
        form[name].data = getattr(concept, name)
    form.decision_maker.data = concept.decision_maker.value if concept.decision_maker else ""
    for plan in concept.phases:
        form[f"{plan.kind.value}_title"].data = plan.title
        form[f"{plan.kind.value}_start"].data = plan.starts_on
        form[f"{plan.kind.value}_end"].data = plan.ends_on
