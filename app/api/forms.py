"""Forms of the token pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField

from app.api.services import NAME_MAX
from app.core.forms import text_field


class TokenForm(FlaskForm):
    name = text_field(
        _l("Name of the token"),
        max_length=NAME_MAX,
        description=_l("What the token is for, e.g. “council information system”."),
    )
    municipality = SelectField(_l("Municipality"), choices=[])
    submit = SubmitField(_l("Create token"))
