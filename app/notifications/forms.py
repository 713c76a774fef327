"""The preferences form: one choice per kind the person is offered, built per person."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField

from app.notifications.kinds import EventKind
from app.notifications.models import Delivery

DELIVERY_LABELS = {
    Delivery.IMMEDIATELY: _l("Immediately"),
    Delivery.DAILY: _l("Daily summary"),
    Delivery.WEEKLY: _l("Weekly summary"),
    Delivery.NEVER: _l("No e-mail"),
}


def field_name(kind: EventKind) -> str:
    return f"kind_{kind.key}"


def preferences_form(offered: list[EventKind], choices: dict[str, Delivery]) -> FlaskForm:
    """A form class with a radio group per kind (e-mail by moderation's duty has none)."""

    class PreferencesForm(FlaskForm):
        submit = SubmitField(_l("Save"))

    for kind in offered:
        if kind.direct_mail:
            continue
        setattr(
            PreferencesForm,
            field_name(kind),
            RadioField(
                kind.label,
                choices=[(d.value, label) for d, label in DELIVERY_LABELS.items()],
                default=choices[kind.key].value,
            ),
        )
    return PreferencesForm()


class UnsubscribeForm(FlaskForm):
    """The confirm button of the unsubscribe page (the endpoint itself needs no token: RFC 8058)."""

    submit = SubmitField(_l("Unsubscribe"))
