"""What the event tests share: a town with a process and its staff (English pages), the CSRF
token of a page, and the event the route matrix runs against.

The fixtures are taken over by assignment (``town = events_support.town``), so that pytest finds
them in the test module."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def english(client):
    client.get("/lang/en")


@pytest.fixture
def town(make_municipality):
    return make_municipality(xss=False, slug="musterort")


@pytest.fixture
def other_town(make_municipality):
    return make_municipality(xss=False, slug="anderort")


@pytest.fixture
def process(town, make_process):
    return make_process(town, formats=("proposals", "comments"), xss=False)


@pytest.fixture
def staff(town, make_member):
    from app.core.roles import Role

    return make_member(town, Role.STAFF, xss=False)


def csrf_of(html: str) -> str:
    """The page's CSRF token, or "" (the test configuration may switch CSRF off)."""
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    return found.group(1) if found else ""


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
