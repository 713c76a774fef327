"""The reminder a day before an event, for every confirmed registration, exactly once.

Each registration is claimed with a conditional update (``reminded_at IS NULL``) before its mail is
queued in the same transaction, so two runners (or a rerun after a crash) never remind twice, and a
run that fails before committing leaves the registration to the next run.
"""

from __future__ import annotations

from datetime import datetime

from app.core.scheduler import periodic
from app.events import mails, services
from app.events.models import EventRegistration
from app.extensions import db


@periodic("events.reminders", seconds=600)
def send_reminders(now: datetime) -> int:
    sent = 0
    for registration_id in services.due_reminders(now):
        if not services.claim_reminder(registration_id, now):
            continue
        registration = db.session.get(EventRegistration, registration_id)
        mails.send_reminder(registration)
        db.session.commit()
        sent += 1
    return sent
