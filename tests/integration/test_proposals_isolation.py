"""Isolation between municipalities and processes: ids of someone else's proposals or processes
find nothing (404), other municipalities' staff manage nothing here (403), members-only processes
keep their proposals to members, and proposals awaiting moderation stay with their author."""

from __future__ import annotations

import proposals_support
import pytest
from proposals_support import Town, create_proposal, switch_on_proposals

from app.core.roles import Role

town = proposals_support.town  # the fixture

PUBLIC_ACTIONS = ["", "edit", "withdraw", "statement"]
POST_ACTIONS = ["support", "unsupport", "edit", "withdraw", "statement"]


@pytest.fixture
def elsewhere(app, make_member, make_process, town: Town):
    """A process with a proposal in the other municipality, and a second process here."""
    other_process = make_process(town.other, xss=False, formats=("proposals",))
    other_citizen = make_member(town.other, Role.CITIZEN, xss=False)
    second = make_process(town.municipality, xss=False, formats=("proposals",))
    return {
        "other_process": other_process,
        "other_proposal": create_proposal(app, other_process, other_citizen, xss=False),
        "second_process": second,
        "second_proposal": create_proposal(app, second, town.users["citizen"], xss=False),
    }


@pytest.mark.parametrize("who", ["citizen", "staff", "council", "admin"])
def test_proposal_ids_of_other_municipalities_and_processes_find_nothing(
    app, client, login, town: Town, elsewhere, who
):
    login(client, town.users[who])
    for foreign in (elsewhere["other_proposal"], elsewhere["second_proposal"]):
        for action in PUBLIC_ACTIONS:
            assert client.get(town.url(foreign, action)).status_code == 404, (foreign, action)
        for action in POST_ACTIONS:
            assert client.post(town.url(foreign, action)).status_code == 404, (foreign, action)
        assert client.get(town.admin(f"{foreign}/answer")).status_code in (403, 404)
        assert client.post(town.admin(f"{foreign}/answer")).status_code in (403, 404)


def test_staff_cannot_reach_another_municipalitys_process_through_their_own(
    client, login, town: Town, elsewhere
):
    login(client, town.users["staff"])
    other_id = elsewhere["other_process"].id
    base = f"/{town.municipality.slug}/admin/processes/{other_id}/proposals/"
    for path in ("", "settings", f"{elsewhere['other_proposal']}/answer"):
        assert client.get(base + path).status_code == 404, path
    for path in ("settings", f"{elsewhere['other_proposal']}/answer"):
        assert client.post(base + path).status_code == 404, path


def test_other_municipalities_staff_manage_nothing_here(app, client, login, town: Town):
    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    login(client, town.users["other_staff"])
    for path in ("", "settings", f"{proposal_id}/answer"):
        assert client.get(town.admin(path)).status_code == 403, path
    for path in ("settings", f"{proposal_id}/answer"):
        assert client.post(town.admin(path)).status_code == 403, path
    for action in ("edit", "withdraw", "statement"):
        assert client.get(town.url(proposal_id, action)).status_code == 403, action
    for action in ("support", "unsupport"):
        assert client.post(town.url(proposal_id, action)).status_code == 403, action


def test_a_process_slug_of_another_municipality_is_unknown_here(
    client, login, town: Town, elsewhere
):
    other = elsewhere["other_process"]
    assert other.slug != town.process.slug
    assert (
        client.get(f"/{town.municipality.slug}/processes/{other.slug}/proposals/").status_code
        == 404
    )


def test_members_only_processes_keep_their_proposals_to_members(
    app, client, login, make_process, town: Town
):
    process = make_process(town.municipality, xss=False, visibility="members")
    switch_on_proposals(app, process)
    proposal_id = create_proposal(app, process, town.users["citizen"], xss=False)
    base = f"/{town.municipality.slug}/processes/{process.slug}/proposals/"
    for url in (base, f"{base}{proposal_id}", f"{base}similar?title=Bänke"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
        login(client, town.users["other_staff"])
        assert client.get(url).status_code == 403, url
        login(client, town.users["citizen"])
        assert client.get(url).status_code == 200, url
        client.get("/logout")
        with client.session_transaction() as session:
            session.clear()


def test_proposals_awaiting_moderation_are_seen_by_their_author_and_the_back_office(
    app, client, login, make_member, town: Town
):
    proposal_id = create_proposal(
        app, town.process, town.users["citizen"], xss=False, visibility="pending"
    )
    assert client.get(town.url(proposal_id)).status_code == 404
    login(client, make_member(town.municipality, xss=False))
    assert client.get(town.url(proposal_id)).status_code == 404
    for who in ("citizen", "moderator", "staff"):
        login(client, town.users[who])
        assert client.get(town.url(proposal_id)).status_code == 200, who


def test_hidden_proposals_keep_their_place_with_the_reason(app, client, town: Town):
    from app.contributions.models import Contribution, Visibility
    from app.extensions import db
    from app.proposals.models import Proposal

    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    with app.app_context():
        contribution = db.session.get(
            Contribution, db.session.get(Proposal, proposal_id).contribution_id
        )
        contribution.visibility = Visibility.HIDDEN
        contribution.hidden_reason = "Beleidigend"
        db.session.commit()
    page = client.get(town.url(proposal_id)).get_data(as_text=True)
    assert "Beleidigend" in page
    assert "Zum Ausruhen im Schatten." not in page and "Mehr Bänke am Brunnen" not in page
