"""How the facilitation domain names its audit-log actions for the people reading the log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core import audit

audit.label_actions(
    {
        "facilitator_profile.approve": _l("Facilitator profile approved"),
        "facilitator_profile.reject": _l("Facilitator profile not approved"),
        "process_architect.grant": _l("Process architect role granted"),
        "process_architect.revoke": _l("Process architect role revoked"),
        "consultation.accept": _l("Facilitator accepted after a first consultation"),
    }
)
audit.label_fields(
    {
        "facilitator_id": _l("Facilitator"),
        "is_process_architect": _l("Process architect"),
    }
)
audit.label_objects(
    {
        "facilitator_profile": _l("Facilitator profile"),
        "consultation_request": _l("Consultation request"),
    }
)
