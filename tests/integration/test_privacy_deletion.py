"""Deleting an account: nothing personal remains in any table; counts stay; the address is free."""

from __future__ import annotations

import json

import privacy_support
from sqlalchemy import JSON, String, Text, func, select

from tests.conftest import PASSWORD

rich_person = privacy_support.rich_person  # the fixture


def test_every_column_that_refers_to_an_account_has_a_deletion_rule(app):
    from app.privacy import exports  # noqa: F401  registers the rules
    from app.privacy.registry import erase_rule, person_tables

    with app.app_context():
        unhandled = [
            f"{table}.{column.name}"
            for table, columns in person_tables().items()
            for column in columns
            if erase_rule(column) is None
        ]
    assert not unhandled, (
        "say what account deletion does with these columns (ON DELETE CASCADE / SET NULL, or "
        f"app.privacy.registry.erase): {unhandled}"
    )


def _delete(client, login, user):
    login(client, user)
    response = client.post("/account/delete", data={"current_password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def _texts_containing(app, needle: str) -> list[str]:
    """Every (table.column) whose text or JSON value contains ``needle``, over all tables."""
    from app.extensions import db

    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, String | Text | JSON):
                    continue
                for value in db.session.scalars(select(column).where(column.is_not(None))):
                    text = value if isinstance(value, str) else json.dumps(value)
                    if needle.lower() in text.lower():
                        found.append(f"{table.name}.{column.name}")
    return found


def test_nothing_personal_remains_in_any_table(app, client, login, rich_person):
    from app.extensions import db
    from app.privacy.registry import Erase, erase_rule, person_tables

    person = rich_person.user
    _delete(client, login, person)
    assert _texts_containing(app, "person@example.org") == []
    assert _texts_containing(app, "Erika Muster") == []
    with app.app_context():
        for table_name, columns in person_tables().items():
            for column in columns:
                how, _reason = erase_rule(column)
                if how == Erase.KEEP:
                    continue
                left = db.session.scalar(
                    select(func.count()).select_from(column.table).where(column == person.id)
                )
                assert left == 0, f"{table_name}.{column.name} still names the account"


def test_supports_reactions_and_named_answers_stay_counted_but_unlinked(
    app, client, login, rich_person
):
    from app.comments.models import CommentReaction
    from app.extensions import db
    from app.proposals.models import ProposalSupport
    from app.surveys.models import Answer, Response

    with app.app_context():
        before = (
            db.session.query(ProposalSupport).count(),
            db.session.query(CommentReaction).count(),
            db.session.query(Response).count(),
            db.session.query(Answer).count(),
        )
    _delete(client, login, rich_person.user)
    with app.app_context():
        after = (
            db.session.query(ProposalSupport).count(),
            db.session.query(CommentReaction).count(),
            db.session.query(Response).count(),
            db.session.query(Answer).count(),
        )
        assert after == before
        assert db.session.query(ProposalSupport).filter_by(user_id=None).count() == 1
        assert db.session.query(Response).filter_by(user_id=None).count() == 1


def test_contributions_remain_as_deleted_account(app, client, login, rich_person):
    from app.contributions.models import Contribution
    from app.extensions import db

    _delete(client, login, rich_person.user)

    with app.app_context():
        kept = db.session.query(Contribution).filter_by(author_id=rich_person.user.id).count()
    assert kept == 2  # the proposal and the comment, anonymised


def test_the_same_address_can_register_again(app, client, login, rich_person, outbox):
    from app.accounts.models import User
    from app.extensions import db

    _delete(client, login, rich_person.user)
    client.get("/")
    response = client.post(
        "/register",
        data={
            "email": "person@example.org",
            "display_name": "Erika",
            "password": "ein ganz anderes Passwort 42",
            "password_confirm": "ein ganz anderes Passwort 42",
            "accept_terms": "y",
        },
    )
    assert response.status_code == 200
    with app.app_context():
        fresh = db.session.scalar(select(User).where(User.email == "person@example.org"))
        assert fresh is not None and fresh.id != rich_person.user.id
