"""Editing and withdrawing: authors edit until the first support, comment, answer or the phase's
end; they withdraw any time, and the proposal stays visible as withdrawn."""

from __future__ import annotations

import proposals_support
import pytest
from proposals_support import DAY, Town, create_proposal, load
from sqlalchemy import select

from app.accounts.models import User
from app.contributions.services import change_comment_count
from app.core.time import utcnow
from app.extensions import db
from app.processes.models import Phase
from app.proposals import services
from app.proposals.models import Proposal, ProposalStatus

town = proposals_support.town  # the fixture

EDIT = {
    "title": "Neuer Titel",
    "description": "Neuer Text mit <em>Betonung</em>.",
    "address": "",
    "latitude": "",
    "longitude": "",
}


def _end_phase(app, town: Town) -> None:
    with app.app_context():
        phase = db.session.scalar(select(Phase).where(Phase.process_id == town.process.id))
        phase.starts_at, phase.ends_at = utcnow() - 5 * DAY, utcnow() - DAY
        db.session.commit()


def test_author_edits_before_the_first_support(app, client, login, town: Town):
    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    login(client, town.users["citizen"])
    page = client.get(town.url(proposal_id, "edit")).get_data(as_text=True)
    assert "Zum Ausruhen im Schatten." in page and "&lt;p&gt;" not in page  # paragraphs, not tags
    response = client.post(town.url(proposal_id, "edit"), data=EDIT)
    assert response.status_code == 302
    proposal = load(app, Proposal, proposal_id)
    assert proposal.title == "Neuer Titel"
    assert proposal.description == "<p>Neuer Text mit <em>Betonung</em>.</p>"
    assert "neuer titel" in proposal.search_text
    assert "bearbeitet" in client.get(town.url(proposal_id)).get_data(as_text=True)


def test_author_cannot_edit_after_the_first_support(app, client, login, town: Town):
    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    login(client, town.users["staff"])
    client.post(town.url(proposal_id, "support"))
    login(client, town.users["citizen"])
    assert client.get(town.url(proposal_id, "edit")).status_code == 403
    # A stale edit (the support came in while they typed): their text comes back with the reason.
    response = client.post(town.url(proposal_id, "edit"), data=EDIT)
    assert response.status_code == 422
    form = response.get_data(as_text=True)
    assert "Neuer Titel" in form and "Neuer Text mit &lt;em&gt;Betonung&lt;/em&gt;." in form
    assert "erste Unterstützung" in form
    assert load(app, Proposal, proposal_id).title != "Neuer Titel"  # nothing saved
    page = client.get(town.url(proposal_id)).get_data(as_text=True)
    assert "/edit" not in page
    assert "erste Unterstützung" in page or "first support" in page  # the reason is shown


def test_author_cannot_edit_after_the_first_comment(app, client, login, town: Town):
    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    with app.app_context():
        change_comment_count(db.session.get(Proposal, proposal_id).thread_id, +1)
        db.session.commit()
    login(client, town.users["citizen"])
    assert client.get(town.url(proposal_id, "edit")).status_code == 403


def test_author_cannot_edit_after_an_official_answer(app, client, login, town: Town):
    proposal_id = create_proposal(
        app, town.process, town.users["citizen"], xss=False, status=ProposalStatus.UNDER_REVIEW
    )
    login(client, town.users["citizen"])
    assert client.get(town.url(proposal_id, "edit")).status_code == 403


def test_author_cannot_edit_after_the_phase_ends(app, client, login, town: Town):
    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    _end_phase(app, town)
    login(client, town.users["citizen"])
    assert client.get(town.url(proposal_id, "edit")).status_code == 403
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        with pytest.raises(services.NotAllowed):
            services.edit_proposal(
                db.session.get(User, town.users["citizen"].id),
                proposal,
                services.ProposalData("T", "Text"),
            )


@pytest.mark.parametrize("who", ["staff", "council", "admin", "other_staff"])
def test_nobody_else_edits_or_withdraws_a_proposal(app, client, login, town: Town, who):
    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    login(client, town.users[who])
    for action in ("edit", "withdraw"):
        assert client.get(town.url(proposal_id, action)).status_code == 403
        assert client.post(town.url(proposal_id, action), data=EDIT).status_code == 403
    assert load(app, Proposal, proposal_id).withdrawn_at is None


def test_edit_errors_give_422_and_keep_the_text(app, client, login, town: Town):
    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    login(client, town.users["citizen"])
    response = client.post(town.url(proposal_id, "edit"), data={**EDIT, "title": ""})
    assert response.status_code == 422
    assert "Neuer Text mit &lt;em&gt;Betonung&lt;/em&gt;." in response.get_data(as_text=True)


def test_withdrawing_asks_for_confirmation_first(app, client, login, town: Town):
    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    login(client, town.users["citizen"])
    page = client.get(town.url(proposal_id, "withdraw"))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'method="post"' in text and "csrf_token" in text
    assert load(app, Proposal, proposal_id).withdrawn_at is None


def test_author_withdraws_any_time_and_it_stays_visible_as_withdrawn(
    app, client, login, town: Town
):
    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    login(client, town.users["staff"])
    client.post(town.url(proposal_id, "support"))
    _end_phase(app, town)
    login(client, town.users["citizen"])
    assert client.post(town.url(proposal_id, "withdraw")).status_code == 302
    proposal = load(app, Proposal, proposal_id)
    assert proposal.withdrawn_at is not None and proposal.support_count == 1
    page = client.get(town.url(proposal_id)).get_data(as_text=True)
    assert "Zurückgezogen" in page
    listing = client.get(town.base).get_data(as_text=True)
    assert "Mehr Bänke am Brunnen" in listing and "Zurückgezogen" in listing
    assert client.get(town.url(proposal_id, "withdraw")).status_code == 403  # only once
