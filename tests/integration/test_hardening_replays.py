"""Replays after someone lost their rights: a copied session cookie of a demoted admin, and an
invitation the admin sent before losing the role (to an address of their own, say) are worth
nothing afterwards. Session replays after logout, password change, reset and deletion are proved
in test_accounts_login.py, test_accounts_settings.py and test_accounts_password_reset.py."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.roles import Role
from app.extensions import db
from app.municipalities.models import Membership
from tests.conftest import PASSWORD


def role_of(app, user, town) -> Role | None:
    with app.app_context():
        return db.session.scalar(
            select(Membership.role).where(
                Membership.user_id == user.id, Membership.municipality_id == town.id
            )
        )


def membership_id(app, user, town) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Membership.id).where(
                Membership.user_id == user.id, Membership.municipality_id == town.id
            )
        )


@pytest.fixture
def town(make_municipality):
    return make_municipality()


@pytest.fixture
def admins(app, town, make_member, login):
    """Two admins of ``town``, each with a client; the first is about to lose the role."""
    leaving, staying = make_member(town, Role.ADMIN), make_member(town, Role.ADMIN)
    return (
        (leaving, login(app.test_client(), leaving)),
        (staying, login(app.test_client(), staying)),
    )


def _invite_own_address(app, town, admins, make_user, outbox) -> tuple:
    """The leaving admin invites a second account of theirs as admin; its logged-in client and the
    link."""
    (_leaving, client), _staying = admins
    response = client.post(
        f"/{town.slug}/admin/members/invite",
        data={"email": "zweitkonto@example.org", "role": "admin"},
    )
    assert response.status_code == 302
    link = outbox.link_in_last_to("zweitkonto@example.org", "/invitations/")
    second = make_user(email="zweitkonto@example.org")
    return second, app.test_client(), link


def _demote(app, town, admins) -> None:
    (leaving, _client), (_staying, staying_client) = admins
    mid = membership_id(app, leaving, town)
    response = staying_client.post(
        f"/{town.slug}/admin/members/{mid}/role", data={"role": "citizen"}
    )
    assert response.status_code == 302
    assert role_of(app, leaving, town) == Role.CITIZEN


def _remove(app, town, admins) -> None:
    (leaving, _client), (_staying, staying_client) = admins
    mid = membership_id(app, leaving, town)
    assert staying_client.post(f"/{town.slug}/admin/members/{mid}/remove").status_code == 302
    assert role_of(app, leaving, town) is None


def _delete_account(app, town, admins) -> None:
    (leaving, client), _staying = admins
    response = client.post("/account/delete", data={"current_password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    assert role_of(app, leaving, town) is None


@pytest.mark.parametrize("loses_the_role", [_demote, _remove, _delete_account])
def test_an_invitation_dies_when_its_sender_may_no_longer_invite(
    app, town, admins, make_user, outbox, login, loses_the_role
):
    second, second_client, link = _invite_own_address(app, town, admins, make_user, outbox)
    loses_the_role(app, town, admins)
    login(second_client, second)
    assert second_client.get(link).status_code == 302  # to the town's page, with a message
    assert second_client.post(link).status_code == 302
    assert role_of(app, second, town) is None
    page = second_client.get(f"/{town.slug}/").get_data(as_text=True)
    assert "Diese Einladung ist ungültig" in page


def test_an_invitation_holds_while_its_sender_is_still_admin(
    app, town, admins, make_user, outbox, login
):
    second, second_client, link = _invite_own_address(app, town, admins, make_user, outbox)
    login(second_client, second)
    assert second_client.post(link).status_code == 302
    assert role_of(app, second, town) == Role.ADMIN


def test_a_platform_admins_invitation_holds(app, town, make_user, outbox, login):
    platform = login(app.test_client(), make_user(is_platform_admin=True))
    platform.post(
        f"/{town.slug}/admin/members/invite", data={"email": "neu@example.org", "role": "staff"}
    )
    link = outbox.link_in_last_to("neu@example.org", "/invitations/")
    invitee = make_user(email="neu@example.org")
    assert login(app.test_client(), invitee).post(link).status_code == 302
    assert role_of(app, invitee, town) == Role.STAFF


def test_a_copied_session_of_a_demoted_admin_opens_no_back_office_page(app, town, admins):
    (_leaving, client), _staying = admins
    copied = app.test_client()
    copied.set_cookie("session", client.get_cookie("session").value)
    assert copied.get(f"/{town.slug}/admin/members").status_code == 200
    _demote(app, town, admins)
    assert copied.get(f"/{town.slug}/admin/members").status_code == 403
    assert copied.get(f"/{town.slug}/admin/").status_code == 403
    response = copied.post(
        f"/{town.slug}/admin/members/invite", data={"email": "x@example.org", "role": "admin"}
    )
    assert response.status_code == 403


# --- mailed links replayed after they expired or their account went ------------------------------


def test_an_expired_invitation_is_refused(app, town, admins, make_user, outbox, login, monkeypatch):
    second, second_client, link = _invite_own_address(app, town, admins, make_user, outbox)
    monkeypatch.setitem(app.config, "INVITATION_MAX_AGE", -1)
    login(second_client, second)
    assert second_client.post(link).status_code == 302
    assert role_of(app, second, town) is None


def _unsubscribe_path(app, user) -> str:
    from app.notifications import services

    with app.test_request_context():
        return (
            f"/notifications/unsubscribe/{services.unsubscribe_token(user.id, ['comment_reply'])}"
        )


def test_an_unsubscribe_link_is_refused_after_it_expired(app, client, make_user, monkeypatch):
    from app.notifications import services

    path = _unsubscribe_path(app, make_user())
    monkeypatch.setattr(services, "UNSUBSCRIBE_MAX_AGE", -1)
    assert client.get(path).status_code == 404
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 404


def test_an_unsubscribe_link_is_refused_once_its_account_is_deleted(app, client, make_user, login):
    user = make_user()
    path = _unsubscribe_path(app, user)
    assert client.get(path).status_code == 200
    owner = login(app.test_client(), user)
    response = owner.post("/account/delete", data={"current_password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    assert client.get(path).status_code == 404
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 404
