"""Kept comment cards (``app.comments.fragments``): reused while nothing they show changed, never
outdated, never with another reader's CSRF token.

The tests run with ``FRAGMENT_CHECK`` on (``app.testing``): every reused card is compared with
a fresh rendering, so a change the key misses fails the request instead of showing an old card.
"""

from __future__ import annotations

import re
from datetime import timedelta

import comments_support
import pytest
from comments_support import write_comment
from sqlalchemy import select

from app.accounts.models import User
from app.comments import fragments, services
from app.comments.models import Comment, Reaction
from app.contributions.models import Visibility
from app.core.time import utcnow
from app.extensions import db

town = comments_support.town  # the fixture


@pytest.fixture(autouse=True)
def _empty_cards():
    fragments.CARDS.clear()
    yield
    fragments.CARDS.clear()


def _page(client, town) -> str:
    """The thread page, its CSRF tokens blanked (they carry the second they were made in)."""
    response = client.get(town.thread_url())
    assert response.status_code == 200
    return re.sub(r'(csrf_token"[^>]*value=")[^"]+', r"\1", response.get_data(as_text=True))


def _react(app, user, comment_id: int) -> None:
    with app.app_context():
        services.set_reaction(
            db.session.get(User, user.id), db.session.get(Comment, comment_id), Reaction.AGREE
        )
        db.session.commit()


def _edit(app, comment_id: int) -> None:
    with app.app_context():
        services.edit_comment(db.session.get(Comment, comment_id), "Neu geschrieben")
        db.session.commit()


def _hide(app, comment_id: int) -> None:
    with app.app_context():
        contribution = db.session.get(Comment, comment_id).contribution
        contribution.visibility = Visibility.HIDDEN
        contribution.hidden_reason = "Beleidigend"
        db.session.commit()


def _rename(app, user) -> None:
    with app.app_context():
        db.session.get(User, user.id).display_name = "Umbenannt"
        db.session.commit()


def _mark_official(app, comment_id: int) -> None:
    with app.app_context():
        db.session.get(Comment, comment_id).is_official_answer = True
        db.session.commit()


def _age(app, comment_id: int) -> None:
    with app.app_context():
        contribution = db.session.get(Comment, comment_id).contribution
        contribution.created_at = utcnow() - timedelta(minutes=20)
        db.session.commit()


def _end_participation(app, town) -> None:
    from app.processes.models import Phase

    with app.app_context():
        for phase in db.session.scalars(select(Phase).where(Phase.process_id == town.process.id)):
            phase.ends_at = min(phase.ends_at, utcnow() - timedelta(minutes=1))
            phase.starts_at = min(phase.starts_at, phase.ends_at - timedelta(days=1))
        db.session.commit()


CHANGES = {
    # change -> (what it does to the staff member's comment, what the page shows afterwards)
    "reaction": (lambda app, town, cid: _react(app, town.users["council"], cid), None),
    "edit": (lambda app, town, cid: _edit(app, cid), "Neu geschrieben"),
    "hidden": (lambda app, town, cid: _hide(app, cid), "Beleidigend"),
    "renamed author": (lambda app, town, cid: _rename(app, town.users["staff"]), "Umbenannt"),
    "official answer": (lambda app, town, cid: _mark_official(app, cid), "badge-official"),
    "edit window closed": (lambda app, town, cid: _age(app, cid), None),
    # only the buttons change: no more replies and reactions
    "participation ended": (lambda app, town, cid: _end_participation(app, town), None),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
@pytest.mark.parametrize("reader", ["citizen", "staff"])
def test_a_kept_card_is_rendered_again_when_what_it_shows_changes(app, login, town, change, reader):
    comment_id = write_comment(app, town.users["staff"], town.process, "Die Verwaltung sagt")
    client = login(app.test_client(), town.users[reader])
    before = _page(client, town)
    assert _page(client, town) == before  # the second rendering reused the cards
    apply, shown = CHANGES[change]
    apply(app, town, comment_id)
    after = _page(client, town)  # with FRAGMENT_CHECK: fails if an outdated card came back
    assert after != before
    if shown:
        assert shown in after


def test_cards_are_kept_and_reused(app, client, login, town, monkeypatch):
    for i in range(3):
        write_comment(app, town.users["staff"], town.process, f"Kommentar {i}")
    login(client, town.users["citizen"])
    rendered = []
    original = fragments.cached_card

    def counting(node, render, viewer_id):
        return original(node, lambda *args: rendered.append(1) or render(*args), viewer_id)

    monkeypatch.setitem(app.jinja_env.globals, "cached_comment_card", counting)
    monkeypatch.setitem(app.config, "FRAGMENT_CHECK", False)
    first = _page(client, town)
    assert len(rendered) == 3
    assert _page(client, town) == first
    assert len(rendered) == 3  # nothing rendered again


def test_a_kept_card_carries_each_readers_own_csrf_token(app, login, town, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    comment_id = write_comment(app, town.users["staff"], town.process, "Bitte reagieren")
    tokens = []
    for name in ("citizen", "neighbour"):  # the same buttons, so the same kept card
        client = login(app.test_client(), town.users[name])
        page = client.get(town.thread_url()).get_data(as_text=True)
        form = re.search(
            rf'id="reactions-{comment_id}".*?name="csrf_token" value="([^"]+)"', page, re.S
        )
        assert form is not None and "\x00" not in page
        tokens.append(form.group(1))
        # the token is theirs: the reaction is accepted with it, and refused with a wrong one
        wrong = client.post(
            town.url(f"/comments/{comment_id}/reaction"),
            data={"csrf_token": "falsch", "reaction": "agree"},
        )
        assert wrong.status_code == 400
        response = client.post(
            town.url(f"/comments/{comment_id}/reaction"),
            data={"csrf_token": form.group(1), "reaction": "agree"},
        )
        assert response.status_code == 302
    assert tokens[0] != tokens[1]


def test_anonymous_visitors_get_kept_cards_without_a_session(app, town):
    write_comment(app, town.users["staff"], town.process, "Für alle")
    for _ in range(2):
        response = app.test_client().get(town.thread_url())
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers  # no CSRF token was made for them


def test_a_key_that_misses_a_value_fails_instead_of_showing_an_old_card(
    app, login, town, monkeypatch
):
    comment_id = write_comment(app, town.users["staff"], town.process, "Alt")
    client = login(app.test_client(), town.users["citizen"])
    monkeypatch.setattr(fragments, "card_key", lambda node, viewer_id: ("always the same",))
    _page(client, town)
    _edit(app, comment_id)
    with pytest.raises(AssertionError, match="missing from its key"):
        client.get(town.thread_url())


def test_a_new_address_of_the_municipality_renders_the_cards_again(app, login, town):
    from app.municipalities.models import Municipality

    comment_id = write_comment(app, town.users["staff"], town.process, "Adresse")
    client = login(app.test_client(), town.users["citizen"])
    assert f"/{town.municipality.slug}/comments/{comment_id}/reply" in _page(client, town)
    with app.app_context():
        db.session.get(Municipality, town.municipality.id).slug = "neu-benannt"
        db.session.commit()
    town.municipality.slug = "neu-benannt"
    assert f"/neu-benannt/comments/{comment_id}/reply" in _page(client, town)


# --- the form for a new comment -------------------------------------------------------------------


def _thread_form(page: str, thread_id: int) -> str:
    found = re.search(rf'<div id="new-comment-{thread_id}">(.*?)</form>', page, re.S)
    assert found is not None
    return found.group(1)


def test_the_kept_comment_form_carries_each_readers_own_csrf_token(app, login, town, monkeypatch):
    from app.comments import views

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    views.FORMS.clear()
    thread_id = comments_support.thread_id_of(app, town.process)
    tokens = []
    for name in ("citizen", "neighbour"):  # the same form, kept after the first rendering
        client = login(app.test_client(), town.users[name])
        page = client.get(town.thread_url()).get_data(as_text=True)
        form = _thread_form(page, thread_id)
        token = re.search(
            rf'name="thread{thread_id}-csrf_token" type="hidden" value="([^"]+)"', form
        )
        assert token is not None and "\x00" not in page
        tokens.append(token.group(1))
        # the token is theirs: the comment is accepted with it, and refused with a wrong one
        url = town.url(f"/threads/{thread_id}/comments")
        data = {f"thread{thread_id}-body": f"Von {name}", f"thread{thread_id}-submit": "1"}
        wrong = client.post(url, data={**data, f"thread{thread_id}-csrf_token": "falsch"})
        assert wrong.status_code == 400 and f"Von {name}" not in client.get(town.thread_url()).text
        sent = client.post(url, data={**data, f"thread{thread_id}-csrf_token": token.group(1)})
        assert sent.status_code == 302
        assert f"Von {name}" in client.get(town.thread_url()).get_data(as_text=True)
    assert tokens[0] != tokens[1]
    assert len(views.FORMS._cards) == 1


def test_the_kept_comment_form_follows_the_order_and_the_language(app, login, town):
    from app.comments import views

    views.FORMS.clear()
    thread_id = comments_support.thread_id_of(app, town.process)
    client = login(app.test_client(), town.users["citizen"])
    oldest = _thread_form(client.get(town.thread_url()).get_data(as_text=True), thread_id)
    newest = _thread_form(
        client.get(town.thread_url(comments_sort="newest")).get_data(as_text=True), thread_id
    )
    assert 'hx-swap="beforeend"' in oldest and "comments_sort" not in oldest
    assert 'hx-swap="afterbegin"' in newest and "comments_sort=newest" in newest
    assert "Kommentar veröffentlichen" in oldest
    with client.session_transaction() as session:
        session["lang"] = "en"
    english = _thread_form(client.get(town.thread_url()).get_data(as_text=True), thread_id)
    assert "Publish comment" in english
