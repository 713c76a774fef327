"""A consultation request or message sent twice (a double click, a retry) is stored once; the
same message later, or another one, is a message of its own."""

from __future__ import annotations

from datetime import timedelta

import facilitation_support
from sqlalchemy import func, select, update

from app.contributions.services import REPEAT_WINDOW
from app.core.time import utcnow
from app.extensions import db
from app.facilitation.models import ConsultationRequest, ConsultationStep, StepKind
from app.notifications.models import Event

town = facilitation_support.town
staff = facilitation_support.staff
architect = facilitation_support.architect

REQUEST = {
    "topic": "Lärmaktionsplan",
    "goals": "Weniger Lärm",
    "timing": "Frühjahr",
    "local_context": "Ortsdurchfahrt",
    "previous_experience": "",
}


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _messages(app) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(ConsultationStep.body)
                .where(ConsultationStep.kind == StepKind.MESSAGE)
                .order_by(ConsultationStep.id)
            )
        )


def test_a_consultation_request_sent_twice_is_sent_once(app, client, login, staff):
    login(client, staff)
    first = client.post("/musterort/admin/consultations/new", data=REQUEST)
    assert first.status_code == 302
    with client.session_transaction() as session:
        first_flashes = list(session["_flashes"])
    events = _count(app, Event)
    assert events >= 1  # the architects hear of it
    second = client.post("/musterort/admin/consultations/new", data=REQUEST)
    assert second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    with client.session_transaction() as session:
        assert list(session["_flashes"]) == first_flashes * 2
    assert _count(app, ConsultationRequest) == 1
    assert _count(app, ConsultationStep) == 1
    assert _count(app, Event) == events
    other = client.post("/musterort/admin/consultations/new", data=REQUEST | {"topic": "Radwege"})
    assert other.status_code == 302
    assert _count(app, ConsultationRequest) == 2


def test_a_message_sent_twice_stands_once_and_again_later(app, client, login, staff, architect):
    login(client, staff)
    client.post("/musterort/admin/consultations/new", data=REQUEST)
    with app.app_context():
        request_id = db.session.scalar(select(ConsultationRequest.id))
    login(client, architect)
    url = f"/consultations/{request_id}/message"
    for _click in range(2):
        assert client.post(url, data={"message-body": "Gern beraten wir Sie."}).status_code == 302
    assert _messages(app) == ["Gern beraten wir Sie."]
    login(client, staff)  # the other side may say the same
    own = f"/musterort/admin/consultations/{request_id}/message"
    for _click in range(2):
        assert client.post(own, data={"message-body": "Gern beraten wir Sie."}).status_code == 302
    assert _messages(app) == ["Gern beraten wir Sie."] * 2
    with app.app_context():
        db.session.execute(
            update(ConsultationStep).values(
                created_at=utcnow() - REPEAT_WINDOW - timedelta(minutes=1)
            )
        )
        db.session.commit()
    assert client.post(own, data={"message-body": "Gern beraten wir Sie."}).status_code == 302
    assert _messages(app) == ["Gern beraten wir Sie."] * 3
