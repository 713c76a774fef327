"""One input format for everything people write (Markdown, as in comments), with a preview."""

from __future__ import annotations

import proposals_support
from proposals_support import Town
from sqlalchemy import func, select

from app.extensions import db
from app.proposals.models import Proposal

town = proposals_support.town  # the fixture

FORM = {
    "title": "Trinkbrunnen am Marktplatz",
    "description": "Das ist **wichtig**:\n\n- Wasser\n- Schatten",
    "address": "",
    "latitude": "",
    "longitude": "",
}


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Proposal))


def test_a_proposal_is_written_in_markdown_like_a_comment(app, client, login, town: Town):
    login(client, town.users["citizen"])
    response = client.post(f"{town.base}new", data=FORM)
    assert response.status_code == 302
    with app.app_context():
        description = db.session.scalar(select(Proposal.description))
    assert "<strong>wichtig</strong>" in description
    assert "<ul>" in description and "<li>Wasser</li>" in description


def test_the_proposal_form_previews_the_text_and_saves_nothing(app, client, login, town: Town):
    login(client, town.users["citizen"])
    response = client.post(f"{town.base}new", data={**FORM, "preview": "Vorschau"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="proposal-preview-heading"' in page and "<strong>wichtig</strong>" in page
    assert "Das ist **wichtig**" in page  # the text typed stays in the field
    assert _count(app) == 0


def test_proposals_and_comments_explain_the_same_format(client, login, town: Town):
    from app.comments.forms import BODY_HELP
    from app.proposals.forms import ProposalForm

    with client.application.test_request_context():
        proposal_help = str(ProposalForm.description.kwargs["description"])
        comment_help = str(BODY_HELP)
    assert proposal_help.split(". ", 1)[1] == comment_help.split(". ", 1)[1]
    assert "**" in proposal_help and "<strong>" not in proposal_help


def test_the_location_is_picked_on_the_map_where_tiles_are_set_up(
    app, client, login, town: Town, monkeypatch
):
    login(client, town.users["citizen"])
    monkeypatch.setitem(app.config, "MAP_TILE_URL", "")
    form = client.get(f"{town.base}new").get_data(as_text=True)
    assert "data-location-picker" not in form
    assert "Wenn sich Ihr Vorschlag auf einen bestimmten Ort bezieht" in form  # words, no map
    listing = client.get(f"{town.base}?view=map").get_data(as_text=True)
    assert "Auf dieser Website ist keine Karte eingerichtet" in listing
    monkeypatch.setitem(app.config, "MAP_TILE_URL", "https://tiles.example/{z}/{x}/{y}.png")
    form = client.get(f"{town.base}new").get_data(as_text=True)
    assert "data-location-picker" in form
