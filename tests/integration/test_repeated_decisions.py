"""A council decision recorded twice (a double click, a retry) is recorded once; the same text
on another day, or after ``REPEAT_WINDOW``, is a decision of its own."""

from __future__ import annotations

from datetime import timedelta

import outcomes_support
from sqlalchemy import func, select, update

from app.contributions.services import REPEAT_WINDOW
from app.core.audit import AuditEntry
from app.core.roles import Role
from app.core.time import utcnow
from app.extensions import db
from app.notifications.models import Event
from app.outcomes.models import CouncilDecision

english = outcomes_support.english
town = outcomes_support.town
evaluating = outcomes_support.evaluating

DECISION = {
    "proposal_id": "0",  # the whole process
    "decided_on": "2026-04-20",
    "body": "Gemeinderat",
    "reference": "GR-Drucksache 2026/114",
    "votes_for": "17",
    "votes_against": "",
    "abstentions": "",
    "text": "Die Bänke werden aufgestellt.",
}


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_decision_recorded_twice_is_recorded_once(
    app, client, login, town, evaluating, make_member
):
    login(client, make_member(town, Role.STAFF, xss=False))
    url = f"/{town.slug}/admin/processes/{evaluating.id}/decisions"
    first = client.post(url, data=DECISION)
    assert first.status_code == 302
    after_first = _count(app, CouncilDecision), _count(app, AuditEntry), _count(app, Event)
    assert after_first[:2] == (1, 1)
    second = client.post(url, data=DECISION)
    assert second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    with client.session_transaction() as session:
        assert [m for _c, m in session["_flashes"]] == [
            "The council decision has been recorded."
        ] * 2
    assert (_count(app, CouncilDecision), _count(app, AuditEntry), _count(app, Event)) == (
        after_first
    )
    assert client.post(url, data=DECISION | {"decided_on": "2026-05-04"}).status_code == 302
    assert _count(app, CouncilDecision) == 2  # the same text on another day
    with app.app_context():
        db.session.execute(
            update(CouncilDecision).values(
                created_at=utcnow() - REPEAT_WINDOW - timedelta(minutes=1)
            )
        )
        db.session.commit()
    assert client.post(url, data=DECISION).status_code == 302
    assert _count(app, CouncilDecision) == 3
