"""How the events domain names its audit-log actions for the people reading the log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core import audit

audit.label_actions(
    {
        "onsite.enter": _l("On-site input entered"),
        "event.photo_delete": _l("Event photo removed"),
        "event.registrants_export": _l("Registrants exported"),
        "event.cancel": _l("Event cancelled"),
        "event.delete": _l("Event deleted"),
    }
)

audit.label_fields({"address": _l("Place (address)")})
