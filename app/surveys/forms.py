"""Forms of the survey builder, and the answer form built for each survey.

The answer form only parses what the browser sent (ids as strings, typed text as typed) and puts it
back into the page after a failed submit, so nothing is lost; the rules live in
``services.validate_answers``, which the view asks and whose messages it hangs on the fields.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import PlausibleDate, strip_filter, text_field
from app.surveys import services
from app.surveys.models import (
    Audience,
    Question,
    QuestionType,
    ResultsVisibility,
    Schedule,
    Survey,
)


def _choices(enum_cls) -> list[SelectChoice]:
    """Choices whose labels stay lazy, so that they follow the visitor's language."""
    return [SelectChoice(member.value, label) for member, label in enum_cls.labels().items()]


class SurveyForm(FlaskForm):
    title = text_field(_l("Title"), max_length=200)
    introduction = TextAreaField(
        _l("Introduction"),
        validators=[Optional(), Length(max=20_000)],
        description=_l(
            "Shown above the questions: what the survey is for. Blank lines separate paragraphs; "
            "simple formatting is kept (bold, italics, lists, links)."
        ),
        filters=[strip_filter],
    )
    closing_text = TextAreaField(
        _l("Closing text"),
        validators=[Optional(), Length(max=20_000)],
        description=_l("Shown after answering: thanks, and what happens next."),
        filters=[strip_filter],
    )
    audience = RadioField(
        _l("Who may answer"),
        choices=_choices(Audience),
        default=Audience.MEMBERS.value,
        description=_l(
            "Members answer once per account. Anyone with the link answers once per browser: "
            "a weaker guarantee, since another browser can answer again."
        ),
    )
    anonymous = RadioField(
        _l("Anonymity"),
        choices=[
            SelectChoice("1", _l("Anonymous: no link between answers and accounts is stored")),
            SelectChoice(
                "0", _l("Named: answers are stored with the account; members can change them")
            ),
        ],
        default="1",
    )
    schedule = RadioField(
        _l("When the survey is open"), choices=_choices(Schedule), default=Schedule.PHASE.value
    )
    opens_at = DateTimeLocalField(
        _l("Opens at"),
        validators=[Optional(), PlausibleDate()],
        description=_l("German time. Only for a survey with its own dates."),
    )
    closes_at = DateTimeLocalField(
        _l("Closes at"),
        validators=[Optional(), PlausibleDate()],
        description=_l("German time. Only for a survey with its own dates."),
    )
    results_visibility = RadioField(
        _l("Results"),
        choices=_choices(ResultsVisibility),
        default=ResultsVisibility.AFTER_CLOSE.value,
    )
    submit = SubmitField(_l("Save survey"))


SCALE_CHOICES = [SelectChoice("1-5", _l("1 to 5")), SelectChoice("0-10", _l("0 to 10"))]


class QuestionForm(FlaskForm):
    type = SelectField(_l("Type of question"), choices=_choices(QuestionType))
    text = text_field(_l("Question"), max_length=500)
    help = TextAreaField(
        _l("Help text"),
        validators=[Optional(), Length(max=2000)],
        filters=[strip_filter],
        description=_l("Optional: explains the question; shown below it."),
    )
    required = BooleanField(_l("An answer is required"))
    allow_other = BooleanField(
        _l("Offer “other, namely” with a text field"),
        description=_l("Only for single and multiple choice."),
    )
    min_choices = IntegerField(
        _l("Minimum number of choices"),
        validators=[Optional(), NumberRange(min=0, max=50)],
        description=_l("Only for multiple choice; leave empty for no minimum."),
    )
    max_choices = IntegerField(
        _l("Maximum number of choices"),
        validators=[Optional(), NumberRange(min=1, max=50)],
        description=_l("Only for multiple choice; leave empty for no maximum."),
    )
    scale = SelectField(_l("Scale"), choices=SCALE_CHOICES, default="1-5")
    scale_min_label = text_field(
        _l("Label of the lowest value"),
        max_length=80,
        required=False,
        description=_l("For example “not important”."),
    )
    scale_max_label = text_field(
        _l("Label of the highest value"),
        max_length=80,
        required=False,
        description=_l("For example “very important”."),
    )
    options = TextAreaField(
        _l("Options"),
        validators=[Optional(), Length(max=20_000)],
        description=_l("One option per line. You can add, rename and reorder options later."),
    )
    submit = SubmitField(_l("Save question"))

    def question_data(self) -> services.QuestionData:
        low, high = (int(part) for part in (self.scale.data or "1-5").split("-"))
        labels = tuple(line.strip() for line in (self.options.data or "").splitlines())
        return services.QuestionData(
            type=QuestionType(self.type.data),
            text=self.text.data,
            help=self.help.data or "",
            required=bool(self.required.data),
            allow_other=bool(self.allow_other.data),
            min_choices=self.min_choices.data,
            max_choices=self.max_choices.data,
            scale_min=low,
            scale_max=high,
            scale_min_label=self.scale_min_label.data or "",
            scale_max_label=self.scale_max_label.data or "",
            options=tuple(label for label in labels if label),
        )

    def fill_from(self, question: Question) -> None:
        self.type.data = question.type.value
        self.text.data = question.text
        self.help.data = question.help
        self.required.data = question.required
        self.allow_other.data = question.allow_other
        self.min_choices.data = question.min_choices
        self.max_choices.data = question.max_choices
        self.scale.data = f"{question.scale_min}-{question.scale_max}"
        self.scale_min_label.data = question.scale_min_label
        self.scale_max_label.data = question.scale_max_label


class OptionForm(FlaskForm):
    label = StringField(
        _l("Option"),
        validators=[
            DataRequired(message=_l("This field is required.")),
            Length(max=300, message=_l("At most %(max)d characters.", max=300)),
        ],
        filters=[strip_filter],
    )
    submit = SubmitField(_l("Save option"))


class MoveForm(FlaskForm):
    direction = StringField(validators=[AnyOf(["up", "down"])])


# --- the answer form ----------------------------------------------------------------------------


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AnswerFormBase(FlaskForm):
    """Subclassed per survey by ``answer_form``; one field (or a few) per question."""

    survey: Survey

    def submitted(self) -> dict[int, services.Submitted]:
        """What was sent, per question id, in the shape ``services.validate_answers`` checks."""
        result: dict[int, services.Submitted] = {}
        for question in self.survey.questions:
            sent = services.Submitted()
            main = self._fields.get(f"q{question.id}")
            if question.type == QuestionType.RANKING:
                for option in question.options:
                    sent.ranks[option.id] = self[rank_name(question, option.id)].data or ""
            elif question.type.is_text:
                sent.text = main.data or ""
            elif question.type == QuestionType.MULTIPLE:
                sent.choices = [str(v) for v in (main.data or [])]
            else:
                sent.choices = [main.data] if main.data else []
            if question.type.is_choice and question.allow_other:
                sent.other = self[other_name(question)].data or ""
            result[question.id] = sent
        return result

    def attach(self, errors: dict[int, str]) -> None:
        """Put the service's messages on the fields they are about (for the page and its summary)."""
        for question in self.survey.questions:
            if question.id in errors:
                self[anchor_name(question)].errors = [errors[question.id]]
        self._errors = None  # WTForms caches ``errors``; it must see the new ones


def rank_name(question: Question, option_id: int) -> str:
    return f"q{question.id}_rank_{option_id}"


def other_name(question: Question) -> str:
    return f"q{question.id}_other"


def anchor_name(question: Question) -> str:
    """The field an error of the question hangs on (and the summary links to)."""
    if question.type == QuestionType.RANKING and question.options:
        return rank_name(question, question.options[0].id)
    return f"q{question.id}"


def anchor_id(question: Question) -> str:
    """The HTML id of the first control of a question: where the error summary's link lands."""
    if question.type == QuestionType.RANKING and question.options:
        return rank_name(question, question.options[0].id)
    if question.type.is_text:
        return f"q{question.id}"
    return f"q{question.id}-0"


def answer_form(survey: Survey, submitted: dict[int, services.Submitted] | None = None):
    """An answer form for ``survey``; ``submitted`` prefills it (a stored response being changed)."""

    class AnswerForm(AnswerFormBase):
        pass

    AnswerForm.survey = survey
    data: dict[str, object] = {}
    for question in survey.questions:
        name = f"q{question.id}"
        sent = (submitted or {}).get(question.id)
        qtype = question.type
        if qtype.is_choice:
            choices = [SelectChoice(str(o.id), o.label) for o in question.options]
            if question.allow_other:
                choices.append(SelectChoice(services.OTHER, _l("Other, namely:")))
                setattr(AnswerForm, other_name(question), StringField(_l("Other, namely")))
            field_cls = MultiCheckboxField if qtype == QuestionType.MULTIPLE else RadioField
            setattr(
                AnswerForm, name, field_cls(question.text, choices=choices, validate_choice=False)
            )
            if sent:
                data[name] = (
                    sent.choices
                    if qtype == QuestionType.MULTIPLE
                    else next(iter(sent.choices), None)
                )
                data[other_name(question)] = sent.other if services.OTHER in sent.choices else ""
        elif qtype == QuestionType.YES_NO:
            setattr(
                AnswerForm,
                name,
                RadioField(
                    question.text,
                    choices=[SelectChoice("1", _l("Yes")), SelectChoice("0", _l("No"))],
                    validate_choice=False,
                ),
            )
            if sent and sent.choices:
                data[name] = sent.choices[0]
        elif qtype == QuestionType.SCALE:
            values = [SelectChoice(str(v), str(v)) for v in question.scale_values]
            setattr(
                AnswerForm, name, RadioField(question.text, choices=values, validate_choice=False)
            )
            if sent and sent.choices:
                data[name] = sent.choices[0]
        elif qtype == QuestionType.RANKING:
            ranks = [SelectChoice("", "\u2013")] + [
                SelectChoice(str(i), str(i)) for i in range(1, len(question.options) + 1)
            ]
            for option in question.options:
                setattr(
                    AnswerForm,
                    rank_name(question, option.id),
                    SelectField(
                        _l("Rank for “%(option)s”", option=option.label),
                        choices=ranks,
                        validate_choice=False,
                    ),
                )
                if sent:
                    data[rank_name(question, option.id)] = sent.ranks.get(option.id, "")
        else:
            field_cls = StringField if qtype == QuestionType.SHORT_TEXT else TextAreaField
            setattr(AnswerForm, name, field_cls(question.text))
            if sent:
                data[name] = sent.text
    setattr(AnswerForm, "submit", SubmitField(_l("Send answers")))  # noqa: B010
    return AnswerForm(data=data or None)
