"""Cancelling and deleting events, and telling followers of new ones (issue 17).

- Those who run the process cancel an event that is still to come, with a reason: it stays visible
  as cancelled with the reason, registration closes, nobody moves up or is reminded, and everyone
  with a seat or on the waiting list gets a mail (queued, links on PUBLIC_URL). Once.
- They delete an event nobody ever registered for and no input names as its origin, after a
  confirmation page; both actions are audited, need the CSRF token, and are checked on the server
  for every role, another municipality's staff included.
- The calendar feeds keep a cancelled event with STATUS:CANCELLED.
"""

from __future__ import annotations

from datetime import timedelta

import events_support
import icalendar
import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.contributions.models import Channel
from app.core.audit import AuditEntry
from app.core.roles import Role
from app.core.time import utcnow
from app.events import onsite, services
from app.events.models import EventRegistration, OnsiteEvent, RegistrationMode
from app.extensions import db
from app.processes.models import Process

REASON = "Der Saal ist wegen eines Wasserschadens gesperrt. <script>alert(1)</script>"


english = events_support.english
town = events_support.town
other_town = events_support.other_town
process = events_support.process
staff = events_support.staff


def _event(app, process, staff, *, capacity=None, mode=None, days=3, title="Bürgerwerkstatt"):
    mode = mode or (RegistrationMode.LIMITED if capacity else RegistrationMode.OPEN)
    start = utcnow() + timedelta(days=days)
    with app.test_request_context():
        event = services.create_event(
            db.session.get(Process, process.id),
            db.session.get(User, staff.id),
            services.EventData(
                title=title,
                description="<p>Wir sammeln Ideen.</p>",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                address="Rathaus, Saal 1",
                registration=mode,
                capacity=capacity,
            ),
        )
        db.session.commit()
        return event.id


def _register(app, event_id, user_id):
    with app.app_context():
        registration = services.register(
            db.session.get(OnsiteEvent, event_id), db.session.get(User, user_id)
        )
        db.session.commit()
        return registration.id


def _load(app, event_id) -> OnsiteEvent | None:
    with app.app_context():
        event = db.session.get(OnsiteEvent, event_id)
        if event is not None:
            db.session.expunge(event)
        return event


def _audit(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def _admin(town, process, event_id) -> str:
    return f"/{town.slug}/admin/processes/{process.id}/events/{event_id}"


def _page(town, process, event_id) -> str:
    return f"/{town.slug}/processes/{process.slug}/events/{event_id}"


# --- cancelling ---------------------------------------------------------------------------------


def test_staff_cancel_with_a_reason_and_everyone_with_a_seat_or_waiting_is_mailed(
    app, client, login, process, staff, town, make_member, outbox
):
    event_id = _event(app, process, staff, capacity=1)
    with app.app_context():
        db.session.get(OnsiteEvent, event_id).online_url = "https://meet.example/werkstatt"
        db.session.commit()
    seated, waiting, gone = (make_member(town, Role.CITIZEN, xss=False) for _ in range(3))
    _register(app, event_id, seated.id)
    _register(app, event_id, waiting.id)
    left = _register(app, event_id, gone.id)
    with app.app_context():
        services.cancel(db.session.get(EventRegistration, left))
        db.session.commit()
    outbox.clear()

    login(client, staff)
    page = client.get(f"{_admin(town, process, event_id)}/cancel")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2 people registered or on the waiting list get an e-mail" in html
    assert _load(app, event_id).cancelled_at is None  # looking at the page changes nothing

    response = client.post(f"{_admin(town, process, event_id)}/cancel", data={"reason": REASON})
    assert response.status_code == 302
    event = _load(app, event_id)
    assert event.is_cancelled and event.cancelled_by_id == staff.id
    assert sorted(m["To"] for m in outbox.messages) == sorted([seated.email, waiting.email])
    body = outbox.body(outbox.last_to(waiting.email))
    assert "Wasserschadens" in body
    assert f"https://trialog.test{_page(town, process, event_id)}" in body or (
        _page(town, process, event_id) in body
    )
    assert "Rathaus, Saal 1" in body  # which event: when and where
    assert "meet.example" not in body  # no way to join what does not take place
    assert outbox.to(gone.email) == []  # who had cancelled is not written to again
    [entry] = _audit(app, "event.cancel")
    assert entry.actor_id == staff.id and entry.object_id == event_id
    assert "Wasserschadens" in entry.reason


def test_a_cancelled_event_shows_the_reason_and_closes_registration(
    app, client, login, process, staff, town, make_member
):
    event_id = _event(app, process, staff, capacity=5)
    with app.app_context():
        db.session.get(OnsiteEvent, event_id).online_url = "https://meet.example/werkstatt"
        db.session.commit()
    with app.app_context():
        services.cancel_event(
            db.session.get(OnsiteEvent, event_id), db.session.get(User, staff.id), REASON
        )
        db.session.commit()
    citizen = make_member(town, Role.CITIZEN, xss=False)
    login(client, citizen)
    html = client.get(_page(town, process, event_id)).get_data(as_text=True)
    assert "Cancelled" in html and "This event has been cancelled." in html
    assert "Wasserschadens" in html
    assert "<script>alert(1)</script>" not in html  # the reason is plain text, escaped
    assert "/register" not in html
    assert "meet.example" not in html  # no way to join what does not take place
    listing = client.get(f"/{town.slug}/processes/{process.slug}/events/").get_data(as_text=True)
    assert "badge-cancelled" in listing  # it stays in the list, marked
    response = client.post(f"{_page(town, process, event_id)}/register", data={})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(EventRegistration.id))) == 0
        with pytest.raises(services.EventError):
            services.register(db.session.get(OnsiteEvent, event_id), citizen)
    client.get("/lang/de")
    assert "Abgesagt" in client.get(_page(town, process, event_id)).get_data(as_text=True)


def test_cancelling_needs_a_reason_happens_once_and_not_after_the_event(
    app, client, login, process, staff, town, make_member, outbox
):
    event_id = _event(app, process, staff, mode=RegistrationMode.OPEN)
    person = make_member(town, Role.CITIZEN, xss=False)
    _register(app, event_id, person.id)
    outbox.clear()
    login(client, staff)
    url = f"{_admin(town, process, event_id)}/cancel"
    assert client.post(url, data={"reason": "   "}).status_code == 422
    assert client.post(url, data={"reason": "x" * 1001}).status_code == 422
    assert _load(app, event_id).cancelled_at is None
    assert client.post(url, data={"reason": "Krankheit"}).status_code == 302
    # a second click (or a second member of staff) neither cancels again nor mails again
    assert client.post(url, data={"reason": "Noch einmal"}).status_code == 302
    assert _load(app, event_id).cancellation_reason == "Krankheit"
    assert len(outbox.to(person.email)) == 1
    with app.app_context():
        event = db.session.get(OnsiteEvent, event_id)
        with pytest.raises(services.EventError):
            services.cancel_event(event, db.session.get(User, staff.id), "Doppelt")
    assert len(_audit(app, "event.cancel")) == 1

    past = _event(app, process, staff, days=-1)
    assert client.get(f"{_admin(town, process, past)}/cancel").status_code == 302
    assert client.post(f"{_admin(town, process, past)}/cancel", data={"reason": "Zu spät"})
    assert _load(app, past).cancelled_at is None
    with app.app_context(), pytest.raises(services.EventError):
        services.cancel_event(
            db.session.get(OnsiteEvent, past), db.session.get(User, staff.id), "Zu spät"
        )


def test_nobody_moves_up_or_is_reminded_after_a_cancellation(
    app, process, staff, town, make_member
):
    event_id = _event(app, process, staff, capacity=1, days=0.5)
    seated, waiting = (make_member(town, Role.CITIZEN, xss=False) for _ in range(2))
    seated_registration = _register(app, event_id, seated.id)
    _register(app, event_id, waiting.id)
    with app.app_context():
        event = db.session.get(OnsiteEvent, event_id)
        services.cancel_event(event, db.session.get(User, staff.id), "Sturmwarnung")
        db.session.commit()
        assert services.due_reminders(utcnow()) == []
        promoted = services.cancel(db.session.get(EventRegistration, seated_registration))
        assert promoted == []
        db.session.commit()
        # raising the seats of a cancelled event moves nobody up either
        data = services.EventData(
            title=event.title,
            description=event.description,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            registration=RegistrationMode.LIMITED,
            capacity=10,
        )
        assert services.update_event(event, data) == []
        statuses = dict(
            db.session.execute(select(EventRegistration.user_id, EventRegistration.status)).all()
        )
    assert statuses[waiting.id].value == "waiting"


def test_the_calendar_feeds_mark_a_cancelled_event(app, client, process, staff, town):
    kept = _event(app, process, staff, title="Findet statt")
    called_off = _event(app, process, staff, title="Fällt aus")
    with app.app_context():
        services.cancel_event(
            db.session.get(OnsiteEvent, called_off), db.session.get(User, staff.id), "Regen"
        )
        db.session.commit()
    for url in (f"/{town.slug}/events.ics", f"/{town.slug}/processes/{process.slug}/events.ics"):
        calendar = icalendar.Calendar.from_ical(client.get(url).data)
        entries = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
        assert str(entries["Fällt aus"]["status"]) == "CANCELLED"
        assert "Regen" in str(entries["Fällt aus"]["description"])
        assert "status" not in entries["Findet statt"]
    assert kept != called_off


# --- deleting -----------------------------------------------------------------------------------


def test_staff_delete_an_event_nobody_registered_for_after_a_confirmation(
    app, client, login, process, staff, town
):
    event_id = _event(app, process, staff, title="Doppelt angelegt")
    login(client, staff)
    listing = client.get(f"/{town.slug}/admin/processes/{process.id}/events/")
    assert f"{_admin(town, process, event_id)}/delete" in listing.get_data(as_text=True)
    page = client.get(f"{_admin(town, process, event_id)}/delete")
    assert page.status_code == 200
    assert "Delete “Doppelt angelegt”?" in page.get_data(as_text=True)
    assert _load(app, event_id) is not None  # the page alone deletes nothing
    response = client.post(f"{_admin(town, process, event_id)}/delete", data={})
    assert response.status_code == 302
    assert _load(app, event_id) is None
    [entry] = _audit(app, "event.delete")
    assert entry.actor_id == staff.id and entry.before["title"] == "Doppelt angelegt"


def test_an_event_anyone_registered_for_or_input_came_from_cannot_be_deleted(
    app, client, login, process, staff, town, make_member
):
    registered = _event(app, process, staff, title="Mit Anmeldung")
    person = make_member(town, Role.CITIZEN, xss=False)
    registration = _register(app, registered, person.id)
    with app.app_context():  # even a registration cancelled since counts: they were told of it
        services.cancel(db.session.get(EventRegistration, registration))
        db.session.commit()
    with_input = _event(app, process, staff, mode=RegistrationMode.NONE, title="Mit Karten")
    with app.app_context():
        event = db.session.get(OnsiteEvent, with_input)
        card = onsite.check_card(onsite.Card("proposal", "Mehr Bänke", "Am Brunnen"))
        onsite.enter_cards(
            db.session.get(Process, process.id),
            db.session.get(User, staff.id),
            onsite.Origin(Channel.EVENT, event, ""),
            [card],
        )
        db.session.commit()
    login(client, staff)
    listing = client.get(f"/{town.slug}/admin/processes/{process.id}/events/")
    html = listing.get_data(as_text=True)
    for event_id in (registered, with_input):
        assert f"{_admin(town, process, event_id)}/delete" not in html
        page = client.get(f"{_admin(town, process, event_id)}/delete")
        assert "cannot be deleted" in page.get_data(as_text=True)
        assert client.post(f"{_admin(town, process, event_id)}/delete").status_code == 409
        assert _load(app, event_id) is not None
    assert _audit(app, "event.delete") == []


def test_listing_the_back_office_events_costs_the_same_queries_for_more_events(
    app, client, login, process, staff, town, make_member, count_queries
):
    login(client, staff)
    url = f"/{town.slug}/admin/processes/{process.id}/events/"
    _event(app, process, staff)
    client.get(url)
    with count_queries() as few:
        client.get(url)
    for n in range(4):
        event_id = _event(app, process, staff, title=f"Werkstatt {n}")
        _register(app, event_id, make_member(town, Role.CITIZEN, xss=False).id)
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert many.count == few.count


# --- who may -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.CITIZEN, False),
        (Role.MODERATOR, False),
        (Role.COUNCIL, False),
        (Role.STAFF, True),
        (Role.FACILITATOR, True),
        (Role.ADMIN, True),
    ],
)
def test_only_those_who_run_the_process_cancel_or_delete(
    app, client, login, process, staff, town, make_member, role, allowed
):
    event_id = _event(app, process, staff)
    other_id = _event(app, process, staff, title="Zweite")
    login(client, make_member(town, role, xss=False))
    expected = 200 if allowed else 403
    assert client.get(f"{_admin(town, process, event_id)}/cancel").status_code == expected
    assert client.get(f"{_admin(town, process, event_id)}/delete").status_code == expected
    cancelled = client.post(f"{_admin(town, process, event_id)}/cancel", data={"reason": "Weg"})
    deleted = client.post(f"{_admin(town, process, other_id)}/delete", data={})
    assert cancelled.status_code == deleted.status_code == (302 if allowed else 403)
    assert _load(app, event_id).is_cancelled is allowed
    assert (_load(app, other_id) is None) is allowed


def test_the_platform_admin_may_and_another_towns_staff_and_admin_may_not(
    app, client, login, process, staff, town, other_town, make_member, make_user, make_process
):
    event_id = _event(app, process, staff)
    for intruder in (
        make_member(other_town, Role.STAFF, xss=False),
        make_member(other_town, Role.ADMIN, xss=False),
    ):
        login(client, intruder)
        for action in ("cancel", "delete"):
            url = f"{_admin(town, process, event_id)}/{action}"
            assert client.get(url).status_code == 403
            assert client.post(url, data={"reason": "Weg"}).status_code == 403
        # their own back office with this town's ids finds nothing
        theirs = make_process(other_town, xss=False)
        own = f"/{other_town.slug}/admin/processes/{theirs.id}/events/{event_id}"
        assert client.post(f"{own}/cancel", data={"reason": "Weg"}).status_code == 404
        assert client.post(f"{own}/delete", data={}).status_code == 404
    event = _load(app, event_id)
    assert event is not None and not event.is_cancelled
    login(client, make_user(is_platform_admin=True, xss=False))
    url = f"{_admin(town, process, event_id)}/cancel"
    assert client.post(url, data={"reason": "Weg"}).status_code == 302
    assert _load(app, event_id).is_cancelled


def test_an_event_of_another_process_is_not_found_through_this_one(
    app, client, login, process, staff, town, make_process
):
    elsewhere = make_process(town, xss=False)
    event_id = _event(app, elsewhere, staff)
    login(client, staff)
    for action in ("cancel", "delete"):
        assert (
            client.post(f"{_admin(town, process, event_id)}/{action}", data={"reason": "Weg"})
        ).status_code == 404
    assert _load(app, event_id) is not None and not _load(app, event_id).is_cancelled


def test_cancelling_and_deleting_need_the_csrf_token(
    app, client, login, process, staff, town, monkeypatch
):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    event_id = _event(app, process, staff)
    login(client, staff)
    assert client.post(f"{_admin(town, process, event_id)}/delete", data={}).status_code == 400
    forged = client.post(f"{_admin(town, process, event_id)}/cancel", data={"reason": "Weg"})
    assert forged.status_code == 400
    event = _load(app, event_id)
    assert event is not None and not event.is_cancelled
    token = events_support.csrf_of(
        client.get(f"{_admin(town, process, event_id)}/cancel").get_data(as_text=True)
    )
    assert token
    response = client.post(
        f"{_admin(town, process, event_id)}/cancel", data={"reason": "Weg", "csrf_token": token}
    )
    assert response.status_code == 302
    assert _load(app, event_id).is_cancelled
