"""The event the route matrix runs against: a limited event of the matrix's published process,
with a summary in Leichte Sprache so that its page exists."""

from __future__ import annotations

from datetime import timedelta
from typing import Any


def event_matrix_ids(app, users, process) -> dict[str, Any]:
    from app.core.time import utcnow
    from app.events import services
    from app.events.models import RegistrationMode
    from app.extensions import db
    from app.processes.models import Process

    with app.app_context():
        managed = db.session.get(Process, process.id)
        start = utcnow() + timedelta(days=7)
        event = services.create_event(
            managed,
            users["staff"],
            services.EventData(
                title="Matrix-Werkstatt",
                description="",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                registration=RegistrationMode.LIMITED,
                capacity=20,
            ),
        )
        services.save_easy_read(managed, users["staff"], "Ein Satz.", "")
        db.session.commit()
        return {"event": event.id, "event_process": process.id}
