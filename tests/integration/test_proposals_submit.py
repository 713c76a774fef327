"""Submitting proposals: who may, when, what is stored (sanitised), similar titles first, location."""

from __future__ import annotations

import re

import proposals_support
import pytest
from proposals_support import DAY, XSS, Town, create_proposal
from sqlalchemy import select

from app.accounts.models import User
from app.contributions.models import Contribution
from app.core.roles import Role, TrialogGroup
from app.core.time import utcnow
from app.extensions import db
from app.processes.models import PhaseKind, Process
from app.proposals import services
from app.proposals.models import Proposal

town = proposals_support.town  # the fixture

FORM = {
    "title": "Trinkbrunnen am Marktplatz",
    "description": "Im Sommer fehlt Wasser.\n\nEin Trinkbrunnen hilft allen.",
    "address": "Marktplatz 1",
    "latitude": "",
    "longitude": "",
}


def _only(app) -> Proposal:
    with app.app_context():
        proposal = db.session.scalar(select(Proposal))
        db.session.expunge(proposal)
        return proposal


@pytest.mark.parametrize(
    ("role", "group"),
    [
        (Role.CITIZEN, TrialogGroup.CITIZENS),
        (Role.STAFF, TrialogGroup.ADMINISTRATION),
        (Role.COUNCIL, TrialogGroup.COUNCIL),
        (Role.FACILITATOR, TrialogGroup.FACILITATION),
    ],
)
def test_every_member_submits_and_the_proposal_keeps_the_authors_group(
    app, client, login, town: Town, role, group
):
    login(client, town.users[role.value])
    response = client.post(f"{town.base}new", data=FORM)
    assert response.status_code == 302
    proposal = _only(app)
    assert response.headers["Location"].endswith(town.url(proposal.id))
    with app.app_context():
        contribution = db.session.get(Contribution, proposal.contribution_id)
        assert contribution.author_group == group
        assert contribution.kind == "proposal"
        assert contribution.author_id == town.users[role.value].id
    assert proposal.thread_id is not None
    assert proposal.description == (  # Markdown, as everything people write
        "<p>Im Sommer fehlt Wasser.</p>\n<p>Ein Trinkbrunnen hilft allen.</p>"
    )
    assert proposal.description_text == "Im Sommer fehlt Wasser.\nEin Trinkbrunnen hilft allen."


def test_a_council_members_proposal_shows_gemeinderat(app, client, login, town: Town):
    proposal_id = create_proposal(app, town.process, town.users["council"], xss=False)
    page = client.get(town.url(proposal_id)).get_data(as_text=True)
    assert 'class="badge badge-council">Gemeinderat</span>' in page


def test_anonymous_visitors_are_sent_to_log_in(client, town: Town):
    response = client.get(f"{town.base}new")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_other_municipalities_members_and_platform_admins_cannot_submit(
    app, client, login, make_user, town: Town
):
    for user in (town.users["other_staff"], make_user(is_platform_admin=True)):
        login(client, user)
        assert client.get(f"{town.base}new").status_code == 403
        assert client.post(f"{town.base}new", data=FORM).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Proposal.id)) is None


@pytest.mark.parametrize("when", ["ended", "not_yet", "no_participation"])
def test_citizen_cannot_submit_outside_the_participation_phase(
    app, client, login, make_process, town: Town, when
):
    from proposals_support import switch_on_proposals

    now = utcnow()
    phases = {
        "ended": [(PhaseKind.PARTICIPATION, now - 5 * DAY, now - DAY)],
        "not_yet": [(PhaseKind.PARTICIPATION, now + DAY, now + 5 * DAY)],
        "no_participation": [(PhaseKind.INFORMATION, now - DAY, now + DAY)],
    }[when]
    process = make_process(town.municipality, xss=False, phases=phases)
    switch_on_proposals(app, process)
    login(client, town.users["citizen"])
    base = f"/{town.municipality.slug}/processes/{process.slug}/proposals/"
    assert client.post(f"{base}new", data=FORM).status_code == 403
    listing = client.get(base).get_data(as_text=True)
    assert "Make a proposal" not in listing and "Vorschlag machen" not in listing
    with app.app_context():
        loaded = db.session.get(Process, process.id)
        user = db.session.get(User, town.users["citizen"].id)
        with pytest.raises(services.NotAllowed):
            services.submit_proposal(user, loaded, services.ProposalData("T", "Text"))


def test_processes_without_the_proposals_format_have_no_proposal_pages(
    client, login, make_process, town: Town
):
    process = make_process(town.municipality, xss=False)
    login(client, town.users["citizen"])
    base = f"/{town.municipality.slug}/processes/{process.slug}/proposals/"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}new").status_code == 404


def test_drafts_have_no_public_proposal_pages(client, make_process, town: Town):
    process = make_process(town.municipality, xss=False, state="draft", formats=("proposals",))
    assert (
        client.get(f"/{town.municipality.slug}/processes/{process.slug}/proposals/").status_code
        == 404
    )


def test_missing_title_and_description_give_422_and_keep_what_was_typed(
    app, client, login, town: Town
):
    login(client, town.users["citizen"])
    response = client.post(
        f"{town.base}new",
        data={**FORM, "title": "", "description": "", "address": "Rathausgasse 2"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="title-error"' in page and 'aria-describedby="title-help title-error"' in page
    assert 'id="description-error"' in page
    assert 'value="Rathausgasse 2"' in page
    with app.app_context():
        assert db.session.scalar(select(Proposal.id)) is None


def test_title_is_at_most_120_characters(client, login, town: Town):
    login(client, town.users["citizen"])
    response = client.post(f"{town.base}new", data={**FORM, "title": "x" * 121})
    assert response.status_code == 422
    assert "x" * 121 in response.get_data(as_text=True)  # kept for correcting


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [("48,0", ""), ("", "7.85"), ("91", "7.85"), ("48.0", "181"), ("nan", "7.8"), ("abc", "7.8")],
)
def test_bad_coordinates_give_a_form_error(client, login, town: Town, latitude, longitude):
    login(client, town.users["citizen"])
    response = client.post(
        f"{town.base}new", data={**FORM, "latitude": latitude, "longitude": longitude}
    )
    assert response.status_code == 422


def test_coordinates_may_use_a_decimal_comma(app, client, login, town: Town):
    login(client, town.users["citizen"])
    response = client.post(
        f"{town.base}new", data={**FORM, "latitude": "48,0012", "longitude": "7.8512"}
    )
    assert response.status_code == 302
    proposal = _only(app)
    assert (proposal.latitude, proposal.longitude) == (48.0012, 7.8512)
    assert proposal.address == "Marktplatz 1"


def test_location_is_optional(app, client, login, town: Town):
    login(client, town.users["citizen"])
    assert client.post(f"{town.base}new", data={**FORM, "address": ""}).status_code == 302
    proposal = _only(app)
    assert proposal.latitude is None and proposal.address == ""


def test_the_form_offers_the_map_only_with_a_tile_server(app, client, login, town: Town):
    login(client, town.users["citizen"])
    page = client.get(f"{town.base}new").get_data(as_text=True)
    assert "data-location-picker" not in page and "leaflet.js" not in page
    assert 'name="latitude"' in page and 'name="address"' in page
    app.config["MAP_TILE_URL"] = "https://tiles.example.org/{z}/{x}/{y}.png"
    try:
        page = client.get(f"{town.base}new").get_data(as_text=True)
    finally:
        app.config["MAP_TILE_URL"] = ""
    assert "data-location-picker" in page and "vendor/leaflet/leaflet.js" in page
    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in page
    assert "<script>" not in page.split("<body>")[1]  # no inline scripts: the CSP forbids them


def test_the_tile_server_is_allowed_by_the_content_security_policy(monkeypatch):
    import config
    from app import create_app

    monkeypatch.setattr(
        config.Config, "MAP_TILE_URL", "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    )
    application = create_app("testing")
    response = application.test_client().get("/healthz")
    policy = response.headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://*.tile.example.org;" in policy


def test_category_is_one_of_the_process_categories(app, client, login, town: Town):
    from app.proposals.models import ProposalCategory

    with app.app_context():
        db.session.add_all(
            [
                ProposalCategory(process_id=town.process.id, name="Grün", position=0),
                ProposalCategory(process_id=town.process.id, name="Verkehr", position=1),
            ]
        )
        db.session.commit()
        green = db.session.scalar(
            select(ProposalCategory.id).where(ProposalCategory.name == "Grün")
        )
    login(client, town.users["citizen"])
    page = client.get(f"{town.base}new").get_data(as_text=True)
    assert ">Grün</option>" in page and ">Verkehr</option>" in page
    assert client.post(f"{town.base}new", data={**FORM, "category": "999999"}).status_code == 422
    assert client.post(f"{town.base}new", data={**FORM, "category": str(green)}).status_code == 302
    assert _only(app).category_id == green


def test_no_category_field_when_the_process_has_none(client, login, town: Town):
    login(client, town.users["citizen"])
    assert 'name="category"' not in client.get(f"{town.base}new").get_data(as_text=True)


# --- sanitising ----------------------------------------------------------------------------------


def test_scripts_event_handlers_and_javascript_links_never_come_back(
    app, client, login, town: Town
):
    login(client, town.users["citizen"])
    nasty = (
        f'Hallo {XSS} <strong onclick="alert(1)">fett</strong> '
        '<a href="javascript:alert(2)">klick</a> <a href="https://example.org" onmouseover="x()">ok</a>'
        '<img src=x onerror="alert(3)"><iframe src="https://evil.example"></iframe>'
    )
    response = client.post(
        f"{town.base}new", data={**FORM, "title": f"Titel {XSS}", "description": nasty}
    )
    assert response.status_code == 302
    proposal = _only(app)
    for stored in (proposal.description, proposal.description_text):
        assert "<script" not in stored
    assert proposal.title == f"Titel {XSS}"  # plain text, escaped wherever it is shown
    assert "onclick" not in proposal.description and "onmouseover" not in proposal.description
    assert "javascript:" not in proposal.description
    assert "<img" not in proposal.description and "<iframe" not in proposal.description
    assert (
        '<a href="https://example.org" rel="nofollow ugc noopener">ok</a>' in proposal.description
    )
    assert "<strong>fett</strong>" in proposal.description
    for url in (town.url(proposal.id), town.base):
        page = client.get(url).get_data(as_text=True)
        assert XSS not in page
        assert "onclick=" not in page and "javascript:alert" not in page
        assert "Titel &lt;script&gt;" in page


def test_factory_payloads_are_escaped_on_every_proposal_page(app, client, login, town: Town):
    proposal_id = create_proposal(app, town.process, town.users["citizen"])
    login(client, town.users["citizen"])
    for url in (
        town.base,
        town.url(proposal_id),
        town.url(proposal_id, "edit"),
        f"{town.base}?view=map",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert XSS not in response.get_data(as_text=True), url


# --- similar titles before saving ----------------------------------------------------------------


def test_similar_titles_are_shown_before_saving_and_submit_anyway_saves(
    app, client, login, town: Town
):
    existing = create_proposal(
        app, town.process, town.users["staff"], xss=False, title="Trinkbrunnen für den Marktplatz"
    )
    create_proposal(app, town.process, town.users["staff"], xss=False, title="Mehr Fahrradständer")
    login(client, town.users["citizen"])
    first = client.post(f"{town.base}new", data=FORM)
    assert first.status_code == 200
    page = first.get_data(as_text=True)
    assert "Trinkbrunnen für den Marktplatz" in page
    assert town.url(existing) in page
    assert "Mehr Fahrradständer" not in page
    assert 'name="submit_anyway"' in page
    assert 'value="Trinkbrunnen am Marktplatz"' in page  # the typed title is kept
    with app.app_context():
        assert (
            db.session.scalar(
                select(Proposal.id)
                .where(Proposal.id != existing)
                .where(Proposal.title == FORM["title"])
            )
            is None
        )
    second = client.post(f"{town.base}new", data={**FORM, "submit_anyway": "1"})
    assert second.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Proposal.id).where(Proposal.title == FORM["title"]))


def test_without_similar_titles_the_first_submit_saves(app, client, login, town: Town):
    create_proposal(app, town.process, town.users["staff"], xss=False, title="Mehr Fahrradständer")
    login(client, town.users["citizen"])
    assert client.post(f"{town.base}new", data=FORM).status_code == 302


def test_withdrawn_and_other_processes_proposals_are_not_similar(
    app, client, login, make_process, town: Town
):
    from proposals_support import switch_on_proposals

    other = make_process(town.municipality, xss=False)
    switch_on_proposals(app, other)
    create_proposal(app, other, town.users["staff"], xss=False, title="Trinkbrunnen am Marktplatz")
    create_proposal(
        app,
        town.process,
        town.users["staff"],
        xss=False,
        title="Trinkbrunnen am Marktplatz",
        withdrawn_at=utcnow(),
    )
    login(client, town.users["citizen"])
    assert client.post(f"{town.base}new", data=FORM).status_code == 302


def test_similar_endpoint_answers_json_while_typing(app, client, town: Town):
    existing = create_proposal(
        app, town.process, town.users["staff"], xss=False, title="Schattenspendende Bäume pflanzen"
    )
    data = client.get(f"{town.base}similar?title=Bäume+für+Schatten").get_json()
    assert [p["id"] for p in data["proposals"]] == [existing]
    assert data["proposals"][0]["url"] == town.url(existing)
    assert client.get(f"{town.base}similar?title=xy").get_json() == {"proposals": []}
    assert client.get(f"{town.base}similar").get_json() == {"proposals": []}


def test_the_new_page_links_similar_titles_to_the_json_endpoint(client, login, town: Town):
    login(client, town.users["citizen"])
    page = client.get(f"{town.base}new").get_data(as_text=True)
    assert re.search(r'data-similar-url="[^"]+/proposals/similar"', page)
    assert 'id="similar-live" aria-live="polite"' in page
