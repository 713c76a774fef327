"""On-site input sent twice (a double click on "save", a retry) is entered once; the same cards
in another batch, from another origin or after ``REPEAT_WINDOW`` are entered again."""

from __future__ import annotations

from datetime import timedelta

import events_support
import pytest
from sqlalchemy import func, select, update

from app.accounts.models import User
from app.comments.models import Comment
from app.contributions.models import Channel, Contribution, Thread
from app.contributions.services import REPEAT_WINDOW, AlreadyWritten
from app.core.audit import AuditEntry
from app.core.time import utcnow
from app.events import onsite
from app.events.models import OnsiteEntry
from app.extensions import db
from app.processes.models import Process
from app.proposals.models import Proposal, ProposalCount

english = events_support.english
town = events_support.town
process = events_support.process
staff = events_support.staff


def _rows(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _state(app) -> tuple[int, ...]:
    """Entries, contributions, proposals, comments, audit entries, kept counts stored so far."""
    with app.app_context():
        listed = db.session.scalar(select(func.coalesce(func.sum(ProposalCount.n), 0)))
        comment_count = db.session.scalar(select(func.coalesce(func.sum(Thread.comment_count), 0)))
    return (
        _rows(app, OnsiteEntry),
        _rows(app, Contribution),
        _rows(app, Proposal),
        _rows(app, Comment),
        _rows(app, AuditEntry),
        listed,
        comment_count,
    )


CARDS = {
    "origin": "letter",
    "note": "Briefkasten Rathaus",
    "cards-0-kind": "proposal",
    "cards-0-title": "Trinkbrunnen",
    "cards-0-text": "Ein Brunnen am Markt.",
    "cards-1-kind": "comment",
    "cards-1-text": "Mehr Schatten bitte.",
    "cards-2-kind": "comment",
    "cards-2-text": "Mehr Schatten bitte.",  # two people wrote the same: both count
}


def test_the_bulk_form_sent_twice_enters_its_cards_once(app, client, login, process, staff, town):
    login(client, staff)
    url = f"/{town.slug}/admin/processes/{process.id}/onsite"
    data = {"csrf_token": events_support.csrf_of(client.get(url).get_data(as_text=True)), **CARDS}
    first = client.post(url, data=data)
    assert first.status_code == 302
    after_first = _state(app)
    assert after_first[:4] == (3, 3, 1, 2)
    second = client.post(url, data=data)
    assert second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    with client.session_transaction() as session:
        assert [m for _c, m in session["_flashes"]] == ["3 contributions have been saved."] * 2
    assert _state(app) == after_first


def test_a_csv_file_saved_twice_is_entered_once(app, client, login, process, staff, town):
    login(client, staff)
    url = f"/{town.slug}/admin/processes/{process.id}/onsite/import"
    token = events_support.csrf_of(client.get(url).get_data(as_text=True))
    good = "kind,title,text\nproposal,Bänke,Mehr Bänke\ncomment,,Gute Idee\n"
    data = {"csrf_token": token, "origin": "paper", "csv_text": good, "save": "1"}
    assert client.post(url, data=data).status_code == 302
    after_first = _state(app)
    assert client.post(url, data=data).status_code == 302
    assert _state(app) == after_first
    assert after_first[:4] == (2, 2, 1, 1)


def _enter(app, process, staff, cards, channel=Channel.LETTER, note="Brief") -> None:
    with app.app_context():
        onsite.enter_cards(
            db.session.get(Process, process.id),
            db.session.get(User, staff.id),
            onsite.Origin(channel, None, note),
            [onsite.check_card(onsite.Card(*card)) for card in cards],
        )
        db.session.commit()


def test_the_same_cards_in_another_batch_origin_or_later_are_entered_again(app, process, staff):
    card = ("comment", "", "Danke!")
    _enter(app, process, staff, [card])
    with pytest.raises(AlreadyWritten):
        _enter(app, process, staff, [card])
    _enter(app, process, staff, [card], note="Anderer Brief")  # another origin
    _enter(app, process, staff, [card], channel=Channel.PHONE, note="Anderer Brief")
    _enter(app, process, staff, [card, ("comment", "", "Und noch etwas")])  # another batch
    with app.app_context():
        db.session.execute(
            update(OnsiteEntry).values(created_at=utcnow() - REPEAT_WINDOW - timedelta(minutes=1))
        )
        db.session.commit()
    _enter(app, process, staff, [card, ("comment", "", "Und noch etwas")])  # after the window
    assert _rows(app, OnsiteEntry) == 1 + 1 + 1 + 2 + 2


# --- events -------------------------------------------------------------------------------------

EVENT = {
    "title": "Ortstermin am Markt",
    "description": "Wir gehen gemeinsam über den Platz.",
    "starts_at": "2030-07-01T10:00",
    "ends_at": "2030-07-01T12:00",
    "address": "Marktplatz",
    "registration": "none",
}


def test_an_event_created_twice_is_created_and_announced_once(
    app, client, login, process, staff, town
):
    from app.events.models import OnsiteEvent
    from app.notifications.models import Event

    login(client, staff)
    url = f"/{town.slug}/admin/processes/{process.id}/events/new"
    first = client.post(url, data=EVENT)
    assert first.status_code == 302
    after_first = _rows(app, OnsiteEvent), _rows(app, Event), _rows(app, AuditEntry)
    assert after_first[:2] == (1, 1)  # the followers hear of it
    second = client.post(url, data=EVENT)
    assert second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert (_rows(app, OnsiteEvent), _rows(app, Event), _rows(app, AuditEntry)) == after_first
    later = EVENT | {"starts_at": "2030-07-08T10:00", "ends_at": "2030-07-08T12:00"}
    assert client.post(url, data=later).status_code == 302  # the same a week later
    assert _rows(app, OnsiteEvent) == 2
