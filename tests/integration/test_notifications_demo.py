"""``seed-demo`` gives the demo citizen unread notifications of several kinds, once."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db


def test_the_demo_citizen_has_unread_notifications_of_several_kinds(app):
    from app.accounts.models import User
    from app.demo import seed_demo
    from app.notifications.models import Notification

    def citizens_kinds() -> list[str]:
        citizen = db.session.scalar(select(User).where(User.email == "buerger@musterstadt.example"))
        return db.session.scalars(
            select(Notification.kind).where(
                Notification.user_id == citizen.id, Notification.read_at.is_(None)
            )
        ).all()

    with app.test_request_context():
        seed_demo()
        db.session.commit()
        first = citizens_kinds()
        assert len(set(first)) >= 3, first
        seed_demo()
        db.session.commit()
        assert sorted(citizens_kinds()) == sorted(first)
        assert db.session.scalar(select(func.count(Notification.id))) >= len(first)
