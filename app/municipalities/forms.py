from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from app.core.forms import email_field, strip_filter, text_field
from app.core.roles import Role
from app.municipalities.models import FederalState


def role_choices() -> list[SelectChoice]:
    return [SelectChoice(role.value, role.label) for role in Role]


class RoleField(SelectField):
    def __init__(self, label=_l("Role"), **kwargs):
        super().__init__(
            label,
            choices=role_choices,
            coerce=Role,
            validators=[DataRequired(message=_l("Please choose a role."))],
            validate_choice=True,
            **kwargs,
        )


class InviteForm(FlaskForm):
    email = email_field()
    role = RoleField()
    submit = SubmitField(_l("Send invitation"))


class RoleChangeForm(FlaskForm):
    role = RoleField(_l("New role"))
    submit = SubmitField(_l("Change role"))


class MunicipalityForm(FlaskForm):
    name = text_field(_l("Name"), max_length=120)
    slug = text_field(
        _l("Address (slug)"),
        max_length=60,
        description=_l("Lower-case letters, digits and hyphens; used in the web address."),
    )
    federal_state = SelectField(
        _l("Federal state"),
        choices=[SelectChoice(s.value, s.label) for s in FederalState],
        validators=[DataRequired()],
    )
    ags = text_field(
        _l("Official municipality key (AGS)"),
        max_length=8,
        required=False,
        description=_l("Eight digits, optional."),
    )
    contact = TextAreaField(
        _l("Contact"), validators=[Optional(), Length(max=2000)], filters=[strip_filter]
    )
    contact_email = EmailField(
        _l("Contact e-mail"),
        validators=[
            Optional(),
            Email(message=_l("Please enter a valid e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
        filters=[strip_filter],
    )
    description = TextAreaField(
        _l("Short description"), validators=[Optional(), Length(max=4000)], filters=[strip_filter]
    )
    submit = SubmitField(_l("Save"))

    def validate_slug(self, field) -> None:
        Regexp(
            r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$",
            message=_l("Use lower-case letters, digits and hyphens only."),
        )(self, field)

    def validate_ags(self, field) -> None:
        if field.data:
            Regexp(r"^\d{8}$", message=_l("The AGS has exactly eight digits."))(self, field)
