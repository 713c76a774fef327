"""Kept proposal cards in the list (``app.proposals.views.card_key``): reused while nothing they
show changed, never outdated. The tests run with ``FRAGMENT_CHECK`` on: every reused card is
rendered again and compared, so a change the key misses fails the request."""

from __future__ import annotations

import re

import proposals_support
import pytest
from proposals_support import Town, create_proposal

from app.accounts.models import User
from app.core.time import utcnow
from app.extensions import db
from app.proposals import views
from app.proposals.models import Proposal, ProposalCategory, ProposalStatus

town = proposals_support.town  # the fixture


@pytest.fixture(autouse=True)
def _empty_cards():
    views.CARDS.clear()
    yield
    views.CARDS.clear()


def _list(client, town: Town) -> str:
    response = client.get(town.base + "?sort=newest")
    assert response.status_code == 200
    return re.sub(r'(csrf_token"[^>]*value=")[^"]+', r"\1", response.get_data(as_text=True))


def _change(app, proposal_id: int, change) -> None:
    with app.app_context():
        change(db.session.get(Proposal, proposal_id))
        db.session.commit()


def _new_category(proposal: Proposal) -> None:
    category = ProposalCategory(process_id=proposal.process_id, name="Neue Kategorie")
    db.session.add(category)
    db.session.flush()
    proposal.category_id = category.id


CHANGES = {
    "title": (lambda p: setattr(p, "title", "Ein neuer Titel"), "Ein neuer Titel"),
    "description": (lambda p: setattr(p, "description_text", "Neu erklärt"), "Neu erklärt"),
    "status": (lambda p: setattr(p, "status", ProposalStatus.ACCEPTED), None),
    "withdrawn": (lambda p: setattr(p, "withdrawn_at", utcnow()), "is-withdrawn"),
    "category": (_new_category, "Neue Kategorie"),
    "address": (lambda p: setattr(p, "address", "Marktplatz 1"), "Marktplatz 1"),
    "edited": (lambda p: setattr(p.contribution, "edited_at", utcnow()), None),
    "author renamed": (
        lambda p: setattr(
            db.session.get(User, p.contribution.author_id), "display_name", "Umbenannt"
        ),
        "Umbenannt",
    ),
    "support count": (lambda p: setattr(p, "support_count", 7), None),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_kept_card_is_rendered_again_when_what_it_shows_changes(
    app, client, login, town: Town, change
):
    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    create_proposal(app, town.process, town.users["staff"], xss=False)
    login(client, town.users["council"])
    before = _list(client, town)
    assert _list(client, town) == before  # the second list reused the cards
    apply, shown = CHANGES[change]
    _change(app, proposal_id, apply)
    after = _list(client, town)  # with FRAGMENT_CHECK: fails if an outdated card came back
    assert after != before
    if shown:
        assert shown in after


def test_list_cards_are_kept_and_reused(app, client, town: Town, monkeypatch):
    for _ in range(3):
        create_proposal(app, town.process, town.users["citizen"], xss=False)
    rendered = []
    original = views.cached_card

    def counting(proposal, render, proposal_url):
        return original(proposal, lambda *args: rendered.append(1) or render(*args), proposal_url)

    monkeypatch.setitem(app.jinja_env.globals, "cached_proposal_card", counting)
    monkeypatch.setitem(app.config, "FRAGMENT_CHECK", False)
    first = _list(client, town)
    assert len(rendered) == 3
    assert _list(client, town) == first
    assert len(rendered) == 3  # nothing rendered again
