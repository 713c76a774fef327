"""The municipality of a tenant page and the logged-in person come in one statement
(``accounts.services.with_login``), and Flask-Login still decides whether the session counts.

Before, every logged-in tenant page ran the municipality and the login as two statements.
"""

from __future__ import annotations

import proposals_support
from proposals_support import Town, create_proposal
from sqlalchemy import event, update

from app.accounts.models import User
from app.extensions import db

town = proposals_support.town  # the fixture


def _statements(app, client, method: str, url: str, **kwargs):
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(" ".join(statement.split()))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = getattr(client, method)(url, **kwargs)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return response, seen


def _loads_users_alone(statement: str) -> bool:
    return statement.startswith("SELECT users.") and " FROM users" in statement


def test_a_logged_in_tenant_page_loads_the_person_with_the_municipality(
    app, client, login, make_member, town: Town
):
    proposal = create_proposal(app, town.process, town.users["citizen"], xss=False)
    person = make_member(town.municipality, xss=False)
    login(client, person)
    response, seen = _statements(
        app, client, "post", town.url(proposal, "support"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "1</strong>" in response.text
    assert "FROM municipalities LEFT OUTER JOIN users" in seen[0], seen[0]
    assert not [s for s in seen if _loads_users_alone(s)], seen


def test_an_anonymous_tenant_page_asks_for_no_person(app, client, town: Town):
    response, seen = _statements(app, client, "get", f"/{town.municipality.slug}/")
    assert response.status_code == 200
    assert not [s for s in seen if "users" in s.split(" WHERE ")[0]], seen


def test_a_session_of_an_older_password_does_not_count_on_a_tenant_page(
    app, client, login, make_member, town: Town
):
    """The person comes with the municipality, but ``load_user`` still compares the session's
    version: after a password change the old session is anonymous (the support asks for a login)."""
    proposal = create_proposal(app, town.process, town.users["citizen"], xss=False)
    person = make_member(town.municipality, xss=False)
    login(client, person)
    with app.app_context():
        db.session.execute(
            update(User)
            .where(User.id == person.id)
            .values(session_version=User.session_version + 1)
        )
        db.session.commit()
    response = client.post(town.url(proposal, "support"))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_session_naming_nobody_is_anonymous_on_a_tenant_page(app, client, town: Town):
    with client.session_transaction() as session:
        session["_user_id"] = "987654:1"
        session["_fresh"] = True
    response = client.get(f"/{town.municipality.slug}/")
    assert response.status_code == 200
    assert 'href="/login' in response.text


def test_an_unknown_town_is_a_404_for_a_logged_in_person_too(
    app, client, login, make_member, town: Town
):
    login(client, make_member(town.municipality, xss=False))
    assert client.get("/nirgendwo-am-see/").status_code == 404
    assert client.get(f"/{town.municipality.slug}/").status_code == 200


def test_a_member_of_several_towns_keeps_every_membership(app, make_member, town: Town):
    """The memberships come through the same outer join (one row each): all of them are loaded,
    not just the first row's."""
    from flask import session
    from flask_login import current_user

    from app.core.roles import Role
    from app.municipalities.models import Membership

    person = make_member(town.other, Role.STAFF, xss=False)
    with app.app_context():
        db.session.add(
            Membership(user_id=person.id, municipality_id=town.municipality.id, role=Role.CITIZEN)
        )
        db.session.commit()
    with app.test_request_context(f"/{town.municipality.slug}/"):
        session["_user_id"] = f"{person.id}:{person.session_version}"
        app.preprocess_request()  # the tenant, and with it the person
        roles = {m.municipality_id: m.role for m in current_user.memberships}
    assert roles == {town.other.id: Role.STAFF, town.municipality.id: Role.CITIZEN}
