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
    views.FILTER_FORMS.clear()
    yield
    views.CARDS.clear()
    views.FILTER_FORMS.clear()


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
    "comment count": (lambda p: setattr(p.thread, "comment_count", 3), "3 Kommentare"),
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

    def counting(proposal, render, *args):
        return original(proposal, lambda *a: rendered.append(1) or render(*a), *args)

    monkeypatch.setitem(app.jinja_env.globals, "cached_proposal_card", counting)
    monkeypatch.setitem(app.config, "FRAGMENT_CHECK", False)
    first = _list(client, town)
    assert len(rendered) == 3
    assert _list(client, town) == first
    assert len(rendered) == 3  # nothing rendered again


def _support_form(page: str, proposal_id: int) -> re.Match | None:
    """The support form of ``proposal_id``'s widget (right after its count), if it has one."""
    widget = rf'id="support-{proposal_id}"[^<]*<p[^>]*>.*?</p>\s*<form'
    return re.search(widget + r'.*?name="csrf_token" value="([^"]*)"', page, re.S)


def test_a_kept_card_shows_each_readers_own_support(app, login, town: Town):
    proposal_id = create_proposal(app, town.process, town.users["staff"], xss=False)
    client = login(app.test_client(), town.users["citizen"])
    before = _list(client, town)
    assert "Unterstützung zurücknehmen" not in before
    response = client.post(town.url(proposal_id, "support"), data={"csrf_token": "x"})
    assert response.status_code == 302
    after = _list(client, town)
    assert "Unterstützung zurücknehmen" in after and "Sie unterstützen diesen Vorschlag" in after
    other = login(app.test_client(), town.users["council"])
    assert "Unterstützung zurücknehmen" not in _list(other, town)  # not another reader's card


def test_the_support_button_follows_the_readers_rights(app, login, town: Town):
    proposal_id = create_proposal(app, town.process, town.users["staff"], xss=False)
    member = login(app.test_client(), town.users["citizen"])
    assert _support_form(_list(member, town), proposal_id) is not None
    stranger = login(app.test_client(), town.users["other_staff"])  # not a member here
    page = _list(stranger, town)
    assert f'id="support-{proposal_id}"' in page and _support_form(page, proposal_id) is None


def test_a_kept_card_carries_each_readers_own_csrf_token(app, login, town: Town, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    proposal_id = create_proposal(app, town.process, town.users["staff"], xss=False)
    tokens = []
    for name in ("citizen", "council"):  # the same card for both
        client = login(app.test_client(), town.users[name])
        page = client.get(town.base + "?sort=newest").get_data(as_text=True)
        form = _support_form(page, proposal_id)
        assert form is not None and "\x00" not in page
        tokens.append(form.group(1))
        wrong = client.post(town.url(proposal_id, "support"), data={"csrf_token": "falsch"})
        assert wrong.status_code == 400
        right = client.post(town.url(proposal_id, "support"), data={"csrf_token": form.group(1)})
        assert right.status_code == 302
        client.post(town.url(proposal_id, "unsupport"), data={"csrf_token": form.group(1)})
    assert tokens[0] != tokens[1]


def test_the_kept_filter_form_follows_categories_and_the_values_asked_for(app, client, town: Town):
    create_proposal(app, town.process, town.users["citizen"], xss=False)
    first = client.get(town.base + "?q=Radweg").get_data(as_text=True)
    assert 'value="Radweg"' in first and "Neue Kategorie" not in first
    assert 'value="Radweg"' not in client.get(town.base).get_data(as_text=True)
    with app.app_context():
        db.session.add(ProposalCategory(process_id=town.process.id, name="Neue Kategorie"))
        db.session.commit()
    again = client.get(town.base + "?q=Radweg").get_data(as_text=True)
    assert "Neue Kategorie" in again and 'value="Radweg"' in again


def test_every_token_in_a_kept_card_is_the_placeholder(app, monkeypatch):
    """A form's own token and the templates' ``csrf_token()``: kept as the placeholder, and the
    reader's token filled in on the way out."""
    from app.core import fragments
    from app.core.forms import ConfirmForm

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    store = fragments.Store(10)
    with app.test_request_context():
        form = ConfirmForm()
        kept = fragments.kept(store, "card", lambda: f"{form.csrf_token}|{fragments.csrf_token()}")
        served = str(kept).split("|")
        assert fragments.CSRF_PLACEHOLDER not in str(kept)
        assert f'value="{served[1]}"' in served[0]  # the reader's own token, in both
        field, template = store.get("card").split("|")
        assert template == fragments.CSRF_PLACEHOLDER
        assert f'value="{fragments.CSRF_PLACEHOLDER}"' in field
