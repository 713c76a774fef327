"""Retention jobs: each kind of personal data goes after its configurable period, nothing sooner."""

from __future__ import annotations

from datetime import timedelta

import pytest

DAY = timedelta(days=1)


@pytest.fixture
def now():
    from app.core.time import utcnow

    return utcnow()


def _run(app, now):
    from app.extensions import db
    from app.privacy.retention import run_retention

    with app.app_context():
        report = run_retention(now)
        db.session.commit()
    return report


def test_jobs_are_registered_on_the_scheduler(app):
    from app.core.scheduler import registered_jobs

    assert {"privacy.retention", "privacy.exports", "notifications.retention"} <= set(
        registered_jobs()
    )


def test_unverified_accounts_go_after_the_configured_days(app, make_user, now):
    from app.accounts.models import User
    from app.extensions import db

    old = make_user(verified=False, created_at=now - 8 * DAY, email="alt@example.org")
    fresh = make_user(verified=False, created_at=now - 6 * DAY)
    confirmed = make_user(created_at=now - 80 * DAY)
    assert _run(app, now)["unverified_accounts"] == 1
    with app.app_context():
        gone = db.session.get(User, old.id)
        assert gone.deleted_at is not None and gone.email != "alt@example.org"
        assert db.session.get(User, fresh.id).deleted_at is None
        assert db.session.get(User, confirmed.id).deleted_at is None
    app.config["RETENTION_UNVERIFIED_DAYS"] = 5
    try:
        assert _run(app, now)["unverified_accounts"] == 1
    finally:
        app.config["RETENTION_UNVERIFIED_DAYS"] = 7


def test_no_table_stores_an_ip_address_without_a_retention_rule(app):
    from app.extensions import db
    from app.privacy.retention import IP_COLUMN, registered_ip_columns

    with app.app_context():
        found = {
            f"{table.name}.{column.name}"
            for table in db.metadata.sorted_tables
            for column in table.columns
            if IP_COLUMN.search(column.name)
        }
    assert found <= set(registered_ip_columns()), (
        "register IP columns with app.privacy.retention.ip_column so they are cleared: "
        f"{sorted(found - set(registered_ip_columns()))}"
    )


def test_registered_ip_addresses_are_cleared_after_the_configured_days(app, now):
    """A throwaway table stands in for a future one that stores addresses."""
    from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, insert, select

    from app.extensions import db
    from app.privacy import retention

    metadata = MetaData()
    table = Table(
        "retention_ip_probe",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("ip_address", String(45)),
        Column("seen_at", DateTime(timezone=True)),
    )
    with app.app_context():
        table.create(db.engine)
        db.metadata._add_table(table.name, None, table)  # what a model would do
        retention.ip_column("retention_ip_probe", "ip_address", time_column="seen_at")
        try:
            db.session.execute(
                insert(table),
                [
                    {"id": 1, "ip_address": "192.0.2.1", "seen_at": now - 8 * DAY},
                    {"id": 2, "ip_address": "192.0.2.2", "seen_at": now - 1 * DAY},
                ],
            )
            assert retention.purge_ip_addresses(now) == 1
            rows = dict(db.session.execute(select(table.c.id, table.c.ip_address)).all())
            assert rows == {1: None, 2: "192.0.2.2"}
        finally:
            db.session.rollback()
            retention._IP_COLUMNS.pop("retention_ip_probe.ip_address")
            db.metadata.remove(table)
            table.drop(db.engine)


def test_spent_credentials_are_purged(app, make_municipality, make_member, make_user, now):
    from app.api.models import ApiToken
    from app.core.roles import Role
    from app.extensions import db
    from app.municipalities.models import Invitation
    from app.privacy.models import DataExport, ExportState
    from app.residency.models import CodeBatch, ResidencyCode

    town = make_municipality()
    staff = make_member(town, Role.STAFF)
    with app.app_context():
        db.session.add_all(
            [
                Invitation(
                    municipality_id=town.id,
                    email="a@example.org",
                    role=Role.STAFF,
                    accepted_at=now - DAY,
                ),
                Invitation(
                    municipality_id=town.id,
                    email="b@example.org",
                    role=Role.STAFF,
                    created_at=now - 30 * DAY,
                ),
                Invitation(municipality_id=town.id, email="c@example.org", role=Role.STAFF),
                ApiToken(
                    user_id=staff.id,
                    municipality_id=town.id,
                    role=Role.STAFF,
                    name="alt",
                    token_hash="a" * 64,
                    prefix="a",
                    revoked_at=now - 8 * DAY,
                ),
                ApiToken(
                    user_id=staff.id,
                    municipality_id=town.id,
                    role=Role.STAFF,
                    name="neu",
                    token_hash="b" * 64,
                    prefix="b",
                ),
                DataExport(user_id=staff.id, state=ExportState.READY, expires_at=now - DAY),
                DataExport(user_id=staff.id, state=ExportState.READY, expires_at=now + DAY),
            ]
        )
        live = CodeBatch(municipality_id=town.id, size=2, expires_at=now + 10 * DAY)
        dead = CodeBatch(municipality_id=town.id, size=1, expires_at=now - DAY)
        db.session.add_all([live, dead])
        db.session.flush()
        db.session.add_all(
            [
                ResidencyCode(
                    batch_id=live.id,
                    municipality_id=town.id,
                    code_hash="1" * 64,
                    used_at=now,
                    used_by_id=staff.id,
                ),
                ResidencyCode(batch_id=live.id, municipality_id=town.id, code_hash="2" * 64),
                ResidencyCode(batch_id=dead.id, municipality_id=town.id, code_hash="3" * 64),
            ]
        )
        db.session.commit()
    _run(app, now)
    with app.app_context():
        assert [i.email for i in db.session.query(Invitation)] == ["c@example.org"]
        assert [t.name for t in db.session.query(ApiToken)] == ["neu"]
        assert db.session.query(DataExport).count() == 1
        assert [c.code_hash for c in db.session.query(ResidencyCode)] == ["2" * 64]


def test_delivered_and_failed_mails_go_after_the_configured_days(app, now):
    from app.core.mail import OutgoingMail
    from app.extensions import db

    with app.app_context():
        for subject, values in {
            "old sent": {"sent_at": now - 8 * DAY},
            "old failed": {"failed_at": now - 8 * DAY},
            "recent": {"sent_at": now - DAY},
            "queued": {},
        }.items():
            db.session.add(
                OutgoingMail(to_address="x@example.org", subject=subject, body_text="", **values)
            )
        db.session.commit()
    assert _run(app, now)["mails"] == 2
    with app.app_context():
        left = sorted(m.subject for m in db.session.query(OutgoingMail))
    assert left == ["queued", "recent"]


def test_notification_retention_is_configurable(app, make_municipality, make_user, now):
    from app.extensions import db
    from app.notifications.models import Delivery, Event, Notification
    from app.notifications.services import purge_old

    town = make_municipality()
    person = make_user()
    with app.app_context():
        event = Event(kind="comment", municipality_id=town.id, payload={}, expanded_at=now)
        db.session.add(event)
        db.session.flush()
        db.session.add(
            Notification(
                user_id=person.id,
                event_id=event.id,
                kind="comment",
                delivery=Delivery.NEVER,
                created_at=now - 10 * DAY,
            )
        )
        db.session.commit()
        assert purge_old(now) == 0  # 90 days by default
        app.config["RETENTION_NOTIFICATION_DAYS"] = 7
        try:
            assert purge_old(now) == 1
        finally:
            app.config["RETENTION_NOTIFICATION_DAYS"] = 90
        db.session.commit()
