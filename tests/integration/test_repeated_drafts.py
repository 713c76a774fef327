"""A draft text created twice (a double click, a retry) is created once; another title, another
person, or the same title after ``REPEAT_WINDOW`` is a draft of its own."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from app.contributions.services import REPEAT_WINDOW
from app.core.audit import AuditEntry
from app.core.roles import Role
from app.core.time import utcnow
from app.drafts.models import Draft
from app.extensions import db


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_draft_created_twice_is_created_once(
    app, client, login, make_municipality, make_member, make_process
):
    town = make_municipality(xss=False)
    staff, other_staff = make_member(town, Role.STAFF), make_member(town, Role.STAFF)
    process = make_process(town, formats=("drafts",))
    url = f"/{town.slug}/admin/processes/{process.id}/drafts/new"
    login(client, staff)
    first = client.post(url, data={"title": "Satzung"})
    assert first.status_code == 302
    second = client.post(url, data={"title": "Satzung"})
    assert second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert (_count(app, Draft), _count(app, AuditEntry)) == (1, 1)
    assert client.post(url, data={"title": "Leitbild"}).status_code == 302
    login(client, other_staff)
    assert client.post(url, data={"title": "Satzung"}).status_code == 302
    assert _count(app, Draft) == 3
    with app.app_context():
        db.session.execute(
            update(Draft).values(created_at=utcnow() - REPEAT_WINDOW - timedelta(minutes=1))
        )
        db.session.commit()
    assert client.post(url, data={"title": "Satzung"}).status_code == 302
    assert _count(app, Draft) == 4
