"""Events and on-site participation (issue 17).

- Limited events never overbook, also under concurrent registrations; the rest wait in order, and
  a cancellation moves the first on the list up (and tells them).
- Registrants get a confirmation, and a reminder a day before exactly once (the scheduler job).
- The iCalendar feeds parse back; the town's feed holds public events only, of this town only.
- On-site input is stored on behalf of the citizens with its origin and who entered it, and the
  consolidated report counts it in its own channel beside the online input.
- A CSV import shows every row's errors and saves nothing until all rows are right.
- Photos need an alternative text and lose their metadata; the protocol is sanitised.
- Another municipality's staff cannot reach any of it.
"""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import events_support
import icalendar
import pytest
from PIL import Image
from sqlalchemy import func, select

from app.accounts.models import User
from app.contributions.models import Channel, Contribution
from app.core.roles import Role, TrialogGroup
from app.core.time import utcnow
from app.events import jobs, onsite, services
from app.events.models import (
    EventPhoto,
    EventRegistration,
    OnsiteEntry,
    OnsiteEvent,
    RegistrationMode,
    RegistrationStatus,
)
from app.extensions import db
from app.processes.models import Process

english = events_support.english
town = events_support.town
other_town = events_support.other_town
process = events_support.process
staff = events_support.staff


def _event(app, process, staff, *, capacity=None, mode=None, days=3, **more):
    mode = mode or (RegistrationMode.LIMITED if capacity else RegistrationMode.NONE)
    start = utcnow() + timedelta(days=days)
    with app.app_context():
        event = services.create_event(
            db.session.get(Process, process.id),
            db.session.get(User, staff.id),
            services.EventData(
                title=more.pop("title", "Bürgerwerkstatt"),
                description=more.pop("description", "<p>Wir sammeln Ideen.</p>"),
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                address="Rathaus, Saal 1",
                registration=mode,
                capacity=capacity,
                **more,
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
        return registration.status


def _statuses(app, event_id):
    with app.app_context():
        rows = db.session.execute(
            select(EventRegistration.user_id, EventRegistration.status)
            .where(EventRegistration.event_id == event_id)
            .order_by(EventRegistration.queued_at, EventRegistration.id)
        ).all()
        return {user_id: status for user_id, status in rows}, db.session.get(
            OnsiteEvent, event_id
        ).confirmed_count


# --- registration -------------------------------------------------------------------------------


def test_limited_event_puts_the_rest_on_the_waiting_list_and_cancelling_moves_it_up(
    app, process, staff, make_member, town, outbox
):
    event_id = _event(app, process, staff, capacity=2)
    people = [make_member(town, Role.CITIZEN, xss=False) for _ in range(4)]
    results = [_register(app, event_id, p.id) for p in people]
    assert results == [
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.WAITING,
        RegistrationStatus.WAITING,
    ]
    with app.app_context():
        registration = db.session.scalar(
            select(EventRegistration).where(EventRegistration.user_id == people[0].id)
        )
        promoted = services.cancel(registration)
        assert [r.user_id for r in promoted] == [people[2].id]  # first come, first served
        db.session.commit()
        # cancelling twice frees one seat only
        assert services.cancel(registration) == []
        db.session.commit()
    statuses, count = _statuses(app, event_id)
    assert count == 2
    assert statuses[people[0].id] == RegistrationStatus.CANCELLED
    assert statuses[people[2].id] == RegistrationStatus.CONFIRMED
    assert statuses[people[3].id] == RegistrationStatus.WAITING


def test_concurrent_registrations_never_overbook(app, process, staff, make_member, town):
    event_id = _event(app, process, staff, capacity=3)
    people = [make_member(town, Role.CITIZEN, xss=False) for _ in range(8)]
    barrier = threading.Barrier(len(people))
    errors: list[BaseException] = []

    def go(user_id: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                services.register(
                    db.session.get(OnsiteEvent, event_id), db.session.get(User, user_id)
                )
                db.session.commit()
                db.session.remove()
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=go, args=(p.id,)) for p in people]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    statuses, count = _statuses(app, event_id)
    confirmed = [u for u, s in statuses.items() if s == RegistrationStatus.CONFIRMED]
    waiting = [u for u, s in statuses.items() if s == RegistrationStatus.WAITING]
    assert count == len(confirmed) == 3
    assert len(waiting) == 5


def test_concurrent_cancellations_promote_each_waiting_person_once(
    app, process, staff, make_member, town
):
    event_id = _event(app, process, staff, capacity=3)
    people = [make_member(town, Role.CITIZEN, xss=False) for _ in range(6)]
    for person in people:
        _register(app, event_id, person.id)
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def leave(user_id: int) -> None:
        try:
            with app.app_context():
                registration = db.session.scalar(
                    select(EventRegistration).where(
                        EventRegistration.event_id == event_id,
                        EventRegistration.user_id == user_id,
                    )
                )
                barrier.wait()
                services.cancel(registration)
                db.session.commit()
                db.session.remove()
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=leave, args=(p.id,)) for p in people[:3]]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    statuses, count = _statuses(app, event_id)
    assert count == 3
    assert [statuses[p.id] for p in people[3:]] == [RegistrationStatus.CONFIRMED] * 3


def test_raising_the_seats_lets_the_waiting_list_in(app, process, staff, make_member, town):
    event_id = _event(app, process, staff, capacity=1)
    people = [make_member(town, Role.CITIZEN, xss=False) for _ in range(3)]
    for person in people:
        _register(app, event_id, person.id)
    with app.app_context():
        event = db.session.get(OnsiteEvent, event_id)
        with pytest.raises(services.EventError):  # fewer seats than registered is refused
            services.update_event(event, _same(event, capacity=0))
        db.session.rollback()
        event = db.session.get(OnsiteEvent, event_id)
        promoted = services.update_event(event, _same(event, capacity=2))
        db.session.commit()
        assert [r.user_id for r in promoted] == [people[1].id]
    assert _statuses(app, event_id)[1] == 2


def _same(event: OnsiteEvent, **changes) -> services.EventData:
    data = services.EventData(
        title=event.title,
        description=event.description,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        registration=event.registration,
        capacity=event.capacity,
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def test_registering_through_the_page_confirms_by_mail_and_cancelling_works(
    app, client, login, process, staff, make_member, town, outbox
):
    event_id = _event(app, process, staff, capacity=1, title="Werkstatt <b>Markt</b>")
    first = make_member(town, Role.CITIZEN, xss=False)
    second = make_member(town, Role.CITIZEN, xss=False)
    page = f"/{town.slug}/processes/{process.slug}/events/{event_id}"
    login(client, first)
    html = client.get(page).get_data(as_text=True)
    assert "Werkstatt &lt;b&gt;Markt&lt;/b&gt;" in html
    token = events_support.csrf_of(html)
    assert client.post(f"{page}/register", data={"csrf_token": token}).status_code == 302
    mail = outbox.last_to(first.email)
    assert "Werkstatt <b>Markt</b>" in mail["Subject"]
    assert f"https://trialog.test{page}" in outbox.body(mail) or page in outbox.body(mail)

    login(client, second)
    token = events_support.csrf_of(client.get(page).get_data(as_text=True))
    client.post(f"{page}/register", data={"csrf_token": token})
    # mails speak the person's language: German unless they chose another
    assert outbox.last_to(second.email)["Subject"].startswith("Auf der Warteliste")

    login(client, first)
    token = events_support.csrf_of(client.get(page).get_data(as_text=True))
    assert client.post(f"{page}/cancel", data={"csrf_token": token}).status_code == 302
    from email.header import decode_header, make_header

    moved_up = str(make_header(decode_header(outbox.last_to(second.email)["Subject"])))
    assert moved_up.startswith("Ein Platz für Sie")
    assert _statuses(app, event_id)[0][second.id] == RegistrationStatus.CONFIRMED


def test_no_registration_for_events_without_one_or_already_started(
    app, process, staff, make_member, town
):
    free = _event(app, process, staff, mode=RegistrationMode.NONE)
    person = make_member(town, Role.CITIZEN, xss=False)
    with pytest.raises(services.EventError):
        _register(app, free, person.id)
    started = _event(app, process, staff, mode=RegistrationMode.OPEN, days=-1)
    with pytest.raises(services.EventError):
        _register(app, started, person.id)


# --- reminders ----------------------------------------------------------------------------------


def test_the_reminder_goes_out_once_a_day_before(app, process, staff, make_member, town, outbox):
    soon = _event(app, process, staff, mode=RegistrationMode.OPEN, days=0.5)
    later = _event(app, process, staff, mode=RegistrationMode.OPEN, days=5)
    person = make_member(town, Role.CITIZEN, xss=False)
    waiting_list = _event(app, process, staff, capacity=1, days=0.5)
    _register(app, soon, person.id)
    _register(app, later, person.id)
    other = make_member(town, Role.CITIZEN, xss=False)
    _register(app, waiting_list, other.id)
    _register(app, waiting_list, person.id)  # waits: no reminder
    outbox.clear()
    with app.app_context():
        assert jobs.send_reminders(utcnow()) == 2  # soon (person), waiting_list (other)
        assert jobs.send_reminders(utcnow()) == 0  # a second run sends nothing
        # two runners racing: only one claim wins
        registration_id = db.session.scalar(
            select(EventRegistration.id).where(EventRegistration.event_id == later)
        )
        assert services.claim_reminder(registration_id, utcnow()) is True
        assert services.claim_reminder(registration_id, utcnow()) is False
        db.session.rollback()
    reminders = [m for m in outbox.messages if m["Subject"].startswith("Erinnerung")]
    assert sorted(m["To"] for m in reminders) == sorted([person.email, other.email])


# --- calendar feeds -----------------------------------------------------------------------------


def test_the_calendar_feeds_parse_back_and_hold_only_public_events_of_the_town(
    app, client, town, other_town, process, staff, make_process, make_member
):
    shown = _event(app, process, staff, mode=RegistrationMode.NONE, title="Werkstatt")
    draft = make_process(town, state="draft", xss=False)
    members_only = make_process(town, visibility="members", xss=False)
    _event(app, draft, staff, title="Entwurf")
    _event(app, members_only, staff, title="Intern")
    elsewhere = make_process(other_town, xss=False)
    other_staff = make_member(other_town, Role.STAFF, xss=False)
    _event(app, elsewhere, other_staff, title="Anderswo")

    response = client.get(f"/{town.slug}/events.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    entries = [c for c in calendar.walk("VEVENT")]
    assert [str(e["summary"]) for e in entries] == ["Werkstatt"]
    entry = entries[0]
    with app.app_context():
        event = db.session.get(OnsiteEvent, shown)
        assert entry.decoded("dtstart") == event.starts_at.replace(microsecond=0)
        assert entry.decoded("dtend") == event.ends_at.replace(microsecond=0)
    assert str(entry["location"]) == "Rathaus, Saal 1"
    assert str(entry["uid"]).startswith(f"event-{shown}@")
    assert f"/{town.slug}/processes/{process.slug}/events/{shown}" in str(entry["url"])

    per_process = icalendar.Calendar.from_ical(
        client.get(f"/{town.slug}/processes/{process.slug}/events.ics").data
    )
    assert [str(e["summary"]) for e in per_process.walk("VEVENT")] == ["Werkstatt"]
    # a draft's feed does not exist for the public
    assert client.get(f"/{town.slug}/processes/{draft.slug}/events.ics").status_code == 404


# --- on-site input and the report ---------------------------------------------------------------


def test_onsite_cards_are_the_citizens_with_origin_and_counted_in_their_own_channel(
    app, client, login, process, staff, town, make_member
):
    event_id = _event(app, process, staff, mode=RegistrationMode.NONE, title="Infostand", days=-2)
    login(client, staff)
    url = f"/{town.slug}/admin/processes/{process.id}/onsite"
    html = client.get(url).get_data(as_text=True)
    data = {
        "csrf_token": events_support.csrf_of(html),
        "origin": f"event-{event_id}",
        "note": "Pinnwand Grün",
        "cards-0-kind": "proposal",
        "cards-0-title": "Trinkbrunnen",
        "cards-0-text": "Ein Brunnen <script>x()</script> am Markt.",
        "cards-1-kind": "comment",
        "cards-1-text": "Mehr Schatten bitte.",
        "cards-2-kind": "proposal",
        "cards-2-title": "",
        "cards-2-text": "",
    }
    response = client.post(url, data=data)
    assert response.status_code == 302
    with app.app_context():
        rows = db.session.execute(
            select(Contribution, OnsiteEntry).join(
                OnsiteEntry, OnsiteEntry.contribution_id == Contribution.id
            )
        ).all()
        assert len(rows) == 2
        for contribution, entry in rows:
            assert contribution.author_id is None
            assert contribution.author_group == TrialogGroup.CITIZENS
            assert contribution.channel == Channel.EVENT
            assert entry.entered_by_id == staff.id
            assert entry.event_id == event_id
            assert entry.source == "Pinnwand Grün"
        from app.core.audit import AuditEntry

        logged = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "onsite.enter"))
        assert logged.actor_id == staff.id
        assert logged.after["proposals"] == 1 and logged.after["comments"] == 1

    # the proposal page says where it came from
    from app.proposals.models import Proposal

    with app.app_context():
        proposal = db.session.scalar(select(Proposal))
        assert "<script>" not in proposal.description
    page = client.get(f"/{town.slug}/processes/{process.slug}/proposals/{proposal.id}")
    assert "from the event “Infostand” on" in page.get_data(as_text=True)

    # the report: one online proposal beside the two entered on site
    citizen = make_member(town, Role.CITIZEN, xss=False)
    from tests.integration.proposals_support import create_proposal

    create_proposal(app, process, citizen)
    with app.app_context():
        from app.outcomes import reports

        figures = reports.figures(db.session.get(Process, process.id), utcnow())
        by_channel = {c.key: c.count for c in figures.by_channel}
    assert by_channel["online"] == 1
    assert by_channel["event"] == 2
    report = client.get(f"/{town.slug}/processes/{process.slug}/report").get_data(as_text=True)
    assert "At an event" in report


def test_bulk_form_saves_nothing_while_a_card_is_wrong(app, client, login, process, staff, town):
    login(client, staff)
    url = f"/{town.slug}/admin/processes/{process.id}/onsite"
    token = events_support.csrf_of(client.get(url).get_data(as_text=True))
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "origin": "letter",
            "cards-0-kind": "proposal",
            "cards-0-title": "Gut",
            "cards-0-text": "Richtig",
            "cards-1-kind": "proposal",
            "cards-1-title": "",
            "cards-1-text": "Ohne Titel",
        },
    )
    assert response.status_code == 422
    assert "A proposal needs a title." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Contribution.id))) == 0


def test_csv_import_previews_row_errors_and_saves_only_a_clean_file(
    app, client, login, process, staff, town
):
    login(client, staff)
    url = f"/{town.slug}/admin/processes/{process.id}/onsite/import"
    token = events_support.csrf_of(client.get(url).get_data(as_text=True))
    bad = "Art;Titel;Text\nVorschlag;Bänke;Mehr Bänke\nIdee;;Ohne Titel\nfrage;X;Y\nKommentar;;\n"
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "origin": "paper",
            "file": (io.BytesIO(bad.encode("utf-8")), "werkstatt.csv"),
            "save": "1",  # even a direct "save" of a bad file saves nothing
        },
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "A proposal needs a title." in html  # row 3
    assert "Kind must be" in html  # row 4
    assert "The text is empty." in html  # row 5
    with app.app_context():
        assert db.session.scalar(select(func.count(Contribution.id))) == 0

    good = "kind,title,text\nproposal,Bänke,Mehr Bänke\ncomment,,Gute Idee\n"
    preview = client.post(
        url,
        data={"csrf_token": token, "origin": "paper", "csv_text": good, "preview": "1"},
    )
    assert preview.status_code == 200
    assert "Save all rows" in preview.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Contribution.id))) == 0
    saved = client.post(
        url, data={"csrf_token": token, "origin": "paper", "csv_text": good, "save": "1"}
    )
    assert saved.status_code == 302
    with app.app_context():
        channels = db.session.scalars(select(Contribution.channel)).all()
    assert channels == ["paper", "paper"]


def test_csv_without_header_is_refused_as_a_whole():
    cards, problems = onsite.parse_csv("a,b,c\n1,2,3\n")
    assert cards == [] and problems


# --- documentation ------------------------------------------------------------------------------


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = "Kamera GmbH"  # Make
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


@pytest.mark.parametrize(
    ("start", "end"),
    [("0001-01-01T00:00", "2030-07-01T12:00"), ("2030-07-01T10:00", "9999-12-31T23:59")],
)
def test_an_event_beyond_the_calendar_is_a_form_error_not_a_crash(
    app, client, login, process, staff, town, monkeypatch, start, end
):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    login(client, staff)
    response = client.post(
        f"/{town.slug}/admin/processes/{process.id}/events/new",
        data={"title": "Ortstermin", "starts_at": start, "ends_at": end, "registration": "none"},
    )
    assert response.status_code == 422
    assert "Please enter a date between 1900 and 2200." in response.text
    assert "Ortstermin" in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OnsiteEvent)) == 0


def test_photos_need_alt_text_and_lose_their_metadata(app, client, login, process, staff, town):
    event_id = _event(app, process, staff, mode=RegistrationMode.NONE, days=-3)
    login(client, staff)
    base = f"/{town.slug}/admin/processes/{process.id}/events/{event_id}"
    token = events_support.csrf_of(client.get(f"{base}/documentation").get_data(as_text=True))
    missing_alt = client.post(
        f"{base}/photos",
        data={"csrf_token": token, "photo": (io.BytesIO(_jpeg_with_exif()), "a.jpg"), "alt": ""},
        content_type="multipart/form-data",
    )
    assert missing_alt.status_code == 422
    ok = client.post(
        f"{base}/photos",
        data={
            "csrf_token": token,
            "photo": (io.BytesIO(_jpeg_with_exif()), "a.jpg"),
            "alt": "Menschen an der Pinnwand",
        },
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    client.post(
        f"{base}/documentation",
        data={"csrf_token": token, "protocol": "Gut <script>alert(1)</script> besucht"},
    )
    with app.app_context():
        photo = db.session.scalar(select(EventPhoto))
        assert "<script>" not in db.session.get(OnsiteEvent, event_id).protocol
    stored = client.get(f"/{town.slug}/events/photos/{photo.id}")
    assert stored.status_code == 200
    assert b"Kamera GmbH" not in stored.data
    page = client.get(f"/{town.slug}/processes/{process.slug}/events/{event_id}")
    assert 'alt="Menschen an der Pinnwand"' in page.get_data(as_text=True)


# --- Leichte Sprache ----------------------------------------------------------------------------


def test_easy_read_page_is_linked_from_the_process_and_marked_german(
    app, client, login, process, staff, town
):
    url = f"/{town.slug}/processes/{process.slug}/leichte-sprache"
    assert client.get(url).status_code == 404
    login(client, staff)
    admin = f"/{town.slug}/admin/processes/{process.id}/leichte-sprache"
    token = events_support.csrf_of(client.get(admin).get_data(as_text=True))
    response = client.post(
        admin,
        data={
            "csrf_token": token,
            "body": "Satz eins.\nSatz <b>zwei</b>.",
            "promise": "Wir lesen alles.",
        },
    )
    assert response.status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert 'lang="de"' in html and "Leichte Sprache" in html
    assert "<p>Satz &lt;b&gt;zwei&lt;/b&gt;.</p>" in html
    assert url in client.get(f"/{town.slug}/processes/{process.slug}/").get_data(as_text=True)


# --- isolation ----------------------------------------------------------------------------------


def test_other_towns_staff_cannot_reach_events_registrants_or_input(
    app, client, login, process, staff, town, other_town, make_member, make_process
):
    event_id = _event(app, process, staff, capacity=5)
    intruder = make_member(other_town, Role.STAFF, xss=False)
    login(client, intruder)
    base = f"/{town.slug}/admin/processes/{process.id}"
    for path in (
        f"{base}/events/",
        f"{base}/events/{event_id}/registrants",
        f"{base}/events/{event_id}/registrants.csv",
        f"{base}/events/{event_id}/documentation",
        f"{base}/onsite",
        f"{base}/onsite/import",
        f"{base}/leichte-sprache",
    ):
        assert client.get(path).status_code == 403, path
    # their own back office with this town's ids finds nothing
    theirs = make_process(other_town, xss=False)
    own = f"/{other_town.slug}/admin/processes/{theirs.id}/events/{event_id}"
    assert client.get(f"{own}/registrants").status_code == 404
    assert client.get(f"/{other_town.slug}/admin/processes/{process.id}/events/").status_code == 404
    # and this town's event is not found through the other town's process
    assert (
        client.get(f"/{other_town.slug}/processes/{theirs.slug}/events/{event_id}").status_code
        == 404
    )


def test_registrants_export_lists_everyone_and_defuses_formulas(
    app, client, login, process, staff, town, make_member
):
    event_id = _event(app, process, staff, capacity=1)
    sly = make_member(town, Role.CITIZEN, xss=False, display_name="=HYPERLINK(1)")
    plain = make_member(town, Role.CITIZEN, xss=False)
    _register(app, event_id, sly.id)
    _register(app, event_id, plain.id)
    login(client, staff)
    response = client.get(
        f"/{town.slug}/admin/processes/{process.id}/events/{event_id}/registrants.csv"
    )
    text = response.get_data(as_text=True)
    assert "'=HYPERLINK(1)" in text
    assert plain.email in text and "On the waiting list" in text
    with app.app_context():
        from app.core.audit import AuditEntry

        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "event.registrants_export")
        )
        assert entry.actor_id == staff.id and entry.object_id == event_id


# --- demo ---------------------------------------------------------------------------------------


def test_seed_demo_adds_an_upcoming_event_with_registrations_and_onsite_input(app, ctx):
    from app.demo import seed_demo
    from app.events.models import EasyReadSummary

    seed_demo()
    events = db.session.scalars(select(OnsiteEvent).order_by(OnsiteEvent.starts_at)).all()
    assert len(events) == 3
    past, cancelled, upcoming = events
    assert upcoming.starts_at > utcnow() and upcoming.confirmed_count == 2
    # a cancelled one shows how that looks, with its reason
    assert cancelled.starts_at > utcnow() and cancelled.is_cancelled
    assert cancelled.cancellation_reason
    assert past.protocol
    channels = dict(
        db.session.execute(
            select(Contribution.channel, func.count())
            .where(Contribution.channel != "online")
            .group_by(Contribution.channel)
        ).all()
    )
    assert channels == {"event": 3, "letter": 1}
    assert db.session.scalar(select(func.count(EasyReadSummary.id))) == 1
    seed_demo()  # idempotent
    assert db.session.scalar(select(func.count(OnsiteEvent.id))) == 3


# --- paper forms --------------------------------------------------------------------------------


def test_paper_form_prints_and_typed_in_answers_count_as_paper(
    app, client, login, process, staff, town
):
    from tests.integration.surveys_support import survey_matrix_ids

    ids = survey_matrix_ids(app, process)
    login(client, staff)
    pdf = client.get(f"/{town.slug}/admin/processes/{process.id}/paper.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")

    url = f"/{town.slug}/admin/processes/{process.id}/surveys/{ids['survey']}/paper"
    assert client.get(url).status_code == 200
    missing = client.post(url, data={"note": "Rathaus"})  # the required choice is missing
    assert missing.status_code == 422
    with app.app_context():
        from app.surveys.models import Response

        assert db.session.scalar(select(func.count(Response.id))) == 0
    from app.surveys.forms import anchor_name  # noqa: F401  the form's own field names
    from app.surveys.models import Question

    with app.app_context():
        choice = db.session.get(Question, ids["survey_question"])
        text = db.session.get(Question, ids["survey_text_question"])
        form = _survey_field_names(choice, text)
    saved = client.post(
        url,
        data={
            form["choice"]: str(ids["survey_option"]),
            form["text"]: "Mehr Bänke",
            "note": "Rathaus",
        },
    )
    assert saved.status_code == 302
    with app.app_context():
        from app.events.models import PaperResponse

        paper_row = db.session.scalar(select(PaperResponse))
        assert paper_row.entered_by_id == staff.id and paper_row.source == "Rathaus"
        answer_text = db.session.scalar(select(Contribution).where(Contribution.kind != "proposal"))
        assert answer_text.channel == Channel.PAPER and answer_text.author_id is None
        from app.outcomes import reports

        figures = reports.figures(db.session.get(Process, process.id), utcnow())
        by_channel = {c.key: c.count for c in figures.by_channel}
    assert by_channel["paper"] == 1
    assert by_channel["paper_responses"] == 1


def _survey_field_names(choice, text) -> dict[str, str]:
    """The answer form's field names, read from a rendered form (they are the surveys' business)."""
    from app.surveys import forms as survey_forms

    form = survey_forms.answer_form(choice.survey)
    names = [field.name for field in form if field.name != "csrf_token"]
    return {
        "choice": next(n for n in names if str(choice.id) in n and "other" not in n),
        "text": next(n for n in names if str(text.id) in n),
    }


def test_the_bulk_form_offers_more_cards_on_request(client, login, process, staff, town):
    login(client, staff)
    url = f"/{town.slug}/admin/processes/{process.id}/onsite"
    assert client.get(url).get_data(as_text=True).count("<fieldset") == 6
    assert client.get(f"{url}?cards=16").get_data(as_text=True).count("<fieldset") == 16
    assert client.get(f"{url}?cards=999").get_data(as_text=True).count("<fieldset") == 60
    assert client.get(f"{url}?cards=abc").status_code == 200


def test_the_same_person_registering_twice_at_once_takes_one_seat(
    app, process, staff, make_member, town
):
    event_id = _event(app, process, staff, capacity=5)
    person = make_member(town, Role.CITIZEN, xss=False)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def click() -> None:
        try:
            with app.app_context():
                barrier.wait()
                services.register(
                    db.session.get(OnsiteEvent, event_id), db.session.get(User, person.id)
                )
                db.session.commit()
                db.session.remove()
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=click) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    statuses, count = _statuses(app, event_id)
    assert statuses == {person.id: RegistrationStatus.CONFIRMED}
    assert count == 1
