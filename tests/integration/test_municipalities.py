"""Municipalities, memberships, invitations and tenancy isolation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.roles import Role
from app.extensions import db
from app.municipalities.models import Invitation, Membership, Municipality


def _membership(app, user, municipality) -> Membership | None:
    with app.app_context():
        return db.session.scalar(
            select(Membership).where(
                Membership.user_id == user.id, Membership.municipality_id == municipality.id
            )
        )


def _audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_municipality_page_shows_description_escaped(client, make_municipality):
    town = make_municipality()
    page = client.get(f"/{town.slug}/").get_data(as_text=True)
    assert "Beschreibung" in page
    assert "<script>window.__xss" not in page
    assert "&lt;script&gt;window.__xss" in page


def test_unknown_and_deactivated_municipalities_are_not_found(client, make_municipality):
    sleeping = make_municipality(is_active=False)
    assert client.get("/no-such-town/").status_code == 404
    assert client.get(f"/{sleeping.slug}/").status_code == 404


def test_platform_admin_still_sees_a_deactivated_municipality(
    client, login, make_user, make_municipality
):
    sleeping = make_municipality(is_active=False)
    login(client, make_user(is_platform_admin=True))
    assert client.get(f"/{sleeping.slug}/").status_code == 200


def test_logged_in_user_joins_as_citizen_in_one_click(
    app, client, login, make_user, make_municipality
):
    town = make_municipality()
    user = make_user()
    login(client, user)
    response = client.post(f"/{town.slug}/join")
    assert response.status_code == 302
    assert _membership(app, user, town).role == Role.CITIZEN
    client.post(f"/{town.slug}/join")  # twice is harmless
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Membership.id))) == 1


def test_group_follows_role(app, make_member, make_municipality):
    from app.accounts.models import User
    from app.core.roles import TrialogGroup

    town = make_municipality()
    expectations = {
        Role.CITIZEN: TrialogGroup.CITIZENS,
        Role.STAFF: TrialogGroup.ADMINISTRATION,
        Role.MODERATOR: TrialogGroup.ADMINISTRATION,
        Role.ADMIN: TrialogGroup.ADMINISTRATION,
        Role.COUNCIL: TrialogGroup.COUNCIL,
        Role.FACILITATOR: TrialogGroup.FACILITATION,
    }
    with app.app_context():
        for role, group in expectations.items():
            user = db.session.get(User, make_member(town, role).id)
            municipality = db.session.get(Municipality, town.id)
            assert user.group_in(municipality) == group


def test_admin_changes_a_role_and_the_change_is_audited(
    app, client, login, make_member, make_municipality
):
    town = make_municipality()
    admin = make_member(town, Role.ADMIN)
    citizen = make_member(town, Role.CITIZEN)
    membership = _membership(app, citizen, town)
    login(client, admin)
    response = client.post(
        f"/{town.slug}/admin/members/{membership.id}/role", data={"role": "council"}
    )
    assert response.status_code == 302
    assert _membership(app, citizen, town).role == Role.COUNCIL
    assert _audit_actions(app) == ["membership.role"]


def test_a_forged_role_is_refused(app, client, login, make_member, make_municipality):
    town = make_municipality()
    admin = make_member(town, Role.ADMIN)
    membership = _membership(app, make_member(town, Role.CITIZEN), town)
    login(client, admin)
    client.post(f"/{town.slug}/admin/members/{membership.id}/role", data={"role": "superuser"})
    with app.app_context():
        assert db.session.get(Membership, membership.id).role == Role.CITIZEN


def test_the_last_admin_cannot_be_demoted_or_removed(
    app, client, login, make_member, make_municipality
):
    town = make_municipality()
    admin = make_member(town, Role.ADMIN)
    own = _membership(app, admin, town)
    login(client, admin)
    client.post(f"/{town.slug}/admin/members/{own.id}/role", data={"role": "citizen"})
    client.post(f"/{town.slug}/admin/members/{own.id}/remove")
    assert _membership(app, admin, town).role == Role.ADMIN
    assert _audit_actions(app) == []


def test_removing_a_member_asks_first_and_then_removes(
    app, client, login, make_member, make_municipality
):
    town = make_municipality()
    admin = make_member(town, Role.ADMIN)
    citizen = make_member(town, Role.CITIZEN, xss=False, display_name="Clara Citizen")
    membership = _membership(app, citizen, town)
    login(client, admin)
    confirm_page = client.get(f"/{town.slug}/admin/members/{membership.id}/remove")
    assert "Clara Citizen" in confirm_page.get_data(as_text=True)
    assert _membership(app, citizen, town) is not None
    client.post(f"/{town.slug}/admin/members/{membership.id}/remove")
    assert _membership(app, citizen, town) is None
    assert _audit_actions(app) == ["membership.remove"]


def test_admin_cannot_touch_members_of_another_municipality(
    app, client, login, make_member, make_municipality
):
    town, other = make_municipality(), make_municipality()
    admin = make_member(town, Role.ADMIN)
    foreign = _membership(app, make_member(other, Role.CITIZEN), other)
    login(client, admin)
    # The foreign membership id through the admin's own municipality: not found.
    url = f"/{town.slug}/admin/members/{foreign.id}"
    assert client.post(f"{url}/role", data={"role": "admin"}).status_code == 404
    assert client.get(f"{url}/remove").status_code == 404
    assert client.post(f"{url}/remove").status_code == 404
    # And through the other municipality's address: forbidden.
    assert client.get(f"/{other.slug}/admin/members").status_code == 403
    assert (
        client.post(
            f"/{other.slug}/admin/members/{foreign.id}/role", data={"role": "admin"}
        ).status_code
        == 403
    )
    with app.app_context():
        assert db.session.get(Membership, foreign.id).role == Role.CITIZEN


def test_members_list_escapes_names_and_paginates(
    app, client, login, make_member, make_municipality
):
    town = make_municipality()
    admin = make_member(town, Role.ADMIN)
    for _ in range(25):
        make_member(town, Role.CITIZEN)
    login(client, admin)
    first = client.get(f"/{town.slug}/admin/members").get_data(as_text=True)
    second = client.get(f"/{town.slug}/admin/members?page=2").get_data(as_text=True)
    assert "<script>window.__xss" not in first
    assert first.count("<tr>") - 1 == 20  # header row + 20 members
    assert second.count("<tr>") - 1 == 6
    assert client.get(f"/{town.slug}/admin/members?page=abc").status_code == 200
    assert client.get(f"/{town.slug}/admin/members?page=-5").status_code == 200


def test_members_page_query_count_does_not_grow_with_members(
    app, client, login, make_member, make_municipality, count_queries
):
    town = make_municipality()
    admin = make_member(town, Role.ADMIN)
    login(client, admin)
    for _ in range(2):
        make_member(town, Role.CITIZEN)
    with count_queries() as few:
        client.get(f"/{town.slug}/admin/members")
    for _ in range(15):
        make_member(town, Role.CITIZEN)
    with count_queries() as many:
        client.get(f"/{town.slug}/admin/members")
    assert many.count == few.count


def test_invitation_mail_leads_to_the_role(
    app, client, login, make_member, make_municipality, make_user, outbox
):
    town = make_municipality()
    admin = make_member(town, Role.ADMIN)
    invitee = make_user(email="neu@example.org")
    login(client, admin)
    response = client.post(
        f"/{town.slug}/admin/members/invite", data={"email": "Neu@Example.org", "role": "staff"}
    )
    assert response.status_code == 302
    link = outbox.link_in_last_to("Neu@Example.org", "/invitations/")

    invited = login(app.test_client(), invitee)
    assert invited.get(link).status_code == 200
    assert invited.post(link).status_code == 302
    assert _membership(app, invitee, town).role == Role.STAFF
    # Single use.
    invited.post(link)
    assert invited.get(link).status_code == 302
    assert _audit_actions(app) == ["invitation.create", "invitation.accept"]


def test_invitation_cannot_be_accepted_by_another_account(
    app, client, login, make_member, make_municipality, make_user, outbox
):
    town = make_municipality()
    login(client, make_member(town, Role.ADMIN))
    client.post(
        f"/{town.slug}/admin/members/invite", data={"email": "staff@example.org", "role": "admin"}
    )
    link = outbox.link_in_last_to("staff@example.org", "/invitations/")
    intruder = make_user(email="intruder@example.org")
    other_client = login(app.test_client(), intruder)
    other_client.post(link)
    assert _membership(app, intruder, town) is None
    with app.app_context():
        assert db.session.scalar(select(Invitation.accepted_at)) is None


def test_invitation_link_of_one_municipality_does_not_work_in_another(
    app, client, login, make_member, make_municipality, make_user, outbox
):
    town, other = make_municipality(), make_municipality()
    login(client, make_member(town, Role.ADMIN))
    client.post(
        f"/{town.slug}/admin/members/invite", data={"email": "x@example.org", "role": "staff"}
    )
    link = outbox.link_in_last_to("x@example.org", "/invitations/")
    user = make_user(email="x@example.org")
    invited = login(app.test_client(), user)
    invited.post(link.replace(f"/{town.slug}/", f"/{other.slug}/"))
    assert _membership(app, user, other) is None


@pytest.mark.parametrize(
    ("field", "value"),
    [("slug", "login"), ("slug", "Großstadt"), ("slug", "-bad-"), ("ags", "12ab"), ("name", "")],
)
def test_platform_admin_gets_form_errors_for_bad_municipality_data(
    client, login, make_user, field, value
):
    login(client, make_user(is_platform_admin=True))
    data = {"name": "Neustadt", "slug": "neustadt", "federal_state": "BY", field: value}
    response = client.post("/platform/municipalities/new", data=data)
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_platform_admin_creates_edits_and_deactivates_a_municipality(app, client, login, make_user):
    login(client, make_user(is_platform_admin=True))
    data = {"name": "Neustadt", "slug": "neustadt", "federal_state": "BY", "ags": "09162000"}
    assert client.post("/platform/municipalities/new", data=data).status_code == 302
    with app.app_context():
        town = db.session.scalar(select(Municipality).where(Municipality.slug == "neustadt"))
        assert town.federal_state.value == "BY" and town.is_active
    taken = client.post("/platform/municipalities/new", data=data)
    assert taken.status_code == 422
    client.post(f"/platform/municipalities/{town.id}/active")
    assert app.test_client().get("/neustadt/").status_code == 404
    assert _audit_actions(app) == ["municipality.create", "municipality.deactivate"]


@pytest.mark.parametrize("path", ["/logout", "/lang"])
def test_platform_paths_are_never_taken_for_a_municipality(client, path):
    """GET on a POST-only platform route is 405, not a redirect into a municipality named so."""
    response = client.get(path)
    assert response.status_code in {404, 405}
    assert "Location" not in response.headers
