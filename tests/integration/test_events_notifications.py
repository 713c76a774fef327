"""Followers of a published process hear of a new event (daily by default, by their choice), not
of one in a draft, not of one entered after it took place, not of one cancelled before the
scheduler told them, and not the person who made it (issue 17)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from notifications_support import follow, notified, run, set_choice
from sqlalchemy import select

from app.accounts.models import User
from app.core.roles import Role
from app.core.time import utcnow
from app.events import services
from app.events.models import OnsiteEvent, RegistrationMode
from app.extensions import db
from app.processes.models import Process


@pytest.fixture
def town(make_municipality):
    return make_municipality(xss=False)


@pytest.fixture
def process(town, make_process):
    return make_process(town, formats=("proposals",), xss=False)


@pytest.fixture
def staff(town, make_member):
    return make_member(town, Role.STAFF, xss=False)


def _event(app, process, staff, title: str, days: int = 3) -> int:
    start = utcnow() + timedelta(days=days)
    with app.test_request_context():
        event = services.create_event(
            db.session.get(Process, process.id),
            db.session.get(User, staff.id),
            services.EventData(
                title=title,
                description="",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                registration=RegistrationMode.NONE,
            ),
        )
        db.session.commit()
        return event.id


def test_followers_hear_of_a_new_event_by_their_choice_and_nobody_else(
    app, process, staff, town, make_member
):
    follower, quiet, bystander = (make_member(town, Role.CITIZEN, xss=False) for _ in range(3))
    for person in (follower, quiet, staff):
        follow(app, person, process)
    set_choice(app, quiet, "process_event", "never")
    event_id = _event(app, process, staff, title="Stadtspaziergang")
    run(app)
    told = notified(app, "process_event")
    # the follower and the one who chose no mails (listed, not mailed); not the author, not others
    assert set(told) == {follower.id, quiet.id}
    with app.app_context():
        from app.notifications import services as notifications
        from app.notifications.models import Delivery, Notification

        rows = {
            n.user_id: n
            for n in db.session.scalars(
                select(Notification).where(Notification.kind == "process_event")
            )
        }
        assert rows[follower.id].delivery == Delivery.DAILY
        assert rows[quiet.id].delivery == Delivery.NEVER
        with app.test_request_context():
            [shown] = notifications.present([rows[follower.id]])
        assert "Stadtspaziergang" in shown.message
        assert shown.target["values"]["event_id"] == event_id
    assert bystander.id not in told


def test_no_notification_for_an_event_of_a_draft_a_past_one_or_one_cancelled_before_it_went_out(
    app, process, staff, town, make_member, make_process
):
    follower = make_member(town, Role.CITIZEN, xss=False)
    follow(app, follower, process)
    draft = make_process(town, state="draft", xss=False)
    _event(app, draft, staff, title="Im Entwurf")
    _event(app, process, staff, title="Schon gewesen, nachgetragen", days=-7)
    event_id = _event(app, process, staff, title="Gleich wieder abgesagt")
    with app.app_context():
        services.cancel_event(
            db.session.get(OnsiteEvent, event_id), db.session.get(User, staff.id), "Irrtum"
        )
        db.session.commit()
    run(app)
    assert notified(app, "process_event") == {}
