"""Staff and admin writes sent at the same instant (two people, or a double click), on PostgreSQL
as in production (``TEST_DATABASE_URL``), with the threads and barrier of ``test_races``: each
rule holds whoever wins, and the loser gets the normal answer or a clear message, never a 500.

- a legal page's versions keep one number each, the platform's own pages included (a database
  rule since migration 0023): two saves at once become two versions, neither a 500;
- a person holds one active residency verification per town: a database rule beside the lock.
"""

from __future__ import annotations

import os

import pytest
from moderation_support import audit_actions
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from test_races import PARALLEL, race

from app.accounts.models import User
from app.core.roles import Role
from app.core.time import utcnow
from app.extensions import db
from app.municipalities.models import Municipality
from app.privacy import legal
from app.privacy.models import LegalDocument, LegalKind
from app.residency.models import ResidencyVerification, VerificationMethod

ON_POSTGRESQL = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


def _count(app, statement) -> int:
    with app.app_context():
        return db.session.scalar(statement)


# --- legal texts --------------------------------------------------------------------------------


def _save(municipality_id: int | None, actor_id: int, n: int):
    return lambda: (
        legal.save_version(
            db.session.get(Municipality, municipality_id) if municipality_id else None,
            LegalKind.IMPRINT,
            f"# Impressum\n\nFassung {n}",
            actor=db.session.get(User, actor_id),
        ).version
    )


def _versions(app, municipality_id: int | None) -> list[int]:
    column = LegalDocument.municipality_id
    where = column.is_(None) if municipality_id is None else column == municipality_id
    with app.app_context():
        return sorted(db.session.scalars(select(LegalDocument.version).where(where)))


@pytest.mark.skipif(
    not ON_POSTGRESQL,
    reason="SQLite lets one writer at a time; production runs on PostgreSQL (TEST_DATABASE_URL)",
)
def test_town_admins_saving_a_legal_page_at_once_store_numbered_versions_without_a_500(
    app, make_municipality, make_member
):
    town = make_municipality(xss=False)
    admins = [make_member(town, Role.ADMIN, xss=False) for _ in range(2)]
    results, errors = race(app, [_save(town.id, a.id, n) for n, a in enumerate(admins)])
    assert errors == []
    assert sorted(results) == _versions(app, town.id) == [1, 2]
    assert audit_actions(app, action="legal.updated") == ["legal.updated"] * 2


@pytest.mark.skipif(
    not ON_POSTGRESQL,
    reason="SQLite lets one writer at a time; production runs on PostgreSQL (TEST_DATABASE_URL)",
)
def test_platform_admins_saving_a_platform_page_at_once_store_one_number_per_version(
    app, make_user
):
    """The platform's pages have no municipality: the unique constraint never matched them, and
    both saves stored version 1. The partial unique index refuses the second; it takes 2."""
    admins = [make_user(xss=False, is_platform_admin=True) for _ in range(PARALLEL)]
    results, errors = race(app, [_save(None, a.id, n) for n, a in enumerate(admins)])
    assert errors == []
    assert sorted(results) == _versions(app, None) == list(range(1, PARALLEL + 1))


def test_the_database_refuses_a_platform_version_number_twice(app, make_user):
    admin = make_user(xss=False, is_platform_admin=True)
    with app.app_context():
        for _ in range(2):
            db.session.add(
                LegalDocument(
                    municipality_id=None,
                    kind=LegalKind.TERMS,
                    version=1,
                    source="x",
                    body="<p>x</p>",
                    created_by_id=admin.id,
                )
            )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_a_save_that_keeps_losing_the_number_is_told_to_send_again(
    app, client, login, make_user, monkeypatch
):
    """Every try meets a version someone else stored at that moment (here: the highest number is
    read as one too low each time): nothing is stored and the form says so, with the text."""
    admin = make_user(xss=False, is_platform_admin=True)
    with app.test_request_context():
        legal.save_version(
            None, LegalKind.IMPRINT, "Erste Fassung", actor=db.session.get(User, admin.id)
        )
        db.session.commit()
    monkeypatch.setattr(legal, "_highest", lambda municipality, kind: 0)
    login(client, admin)
    response = client.post("/platform/legal/impressum", data={"body": "Meine neue Fassung"})
    assert response.status_code == 422, response.status_code
    page = response.get_data(as_text=True)
    assert "Meine neue Fassung" in page
    assert _versions(app, None) == [1]


# --- residency ----------------------------------------------------------------------------------


def test_the_database_holds_one_active_verification_per_person_and_town(
    app, make_municipality, make_member
):
    town = make_municipality(xss=False)
    person = make_member(town, Role.CITIZEN, xss=False)

    def verification(**values) -> ResidencyVerification:
        return ResidencyVerification(
            municipality_id=town.id, user_id=person.id, method=VerificationMethod.LETTER, **values
        )

    with app.app_context():
        db.session.add_all([verification(revoked_at=utcnow()), verification()])
        db.session.commit()  # a revoked one beside the active one is history, not a duplicate
        db.session.add(verification())
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
