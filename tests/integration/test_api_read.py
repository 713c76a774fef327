"""The API's public reads: what they return, how they page, filter and fail, and what they cost."""

from __future__ import annotations

from datetime import timedelta

import api_support
import pytest
from api_support import API, contribution_of, create_proposal, set_visibility
from comments_support import write_comment

from app.core.time import utcnow

api_town = api_support.api_town  # the fixture


def _json(response, status: int = 200):
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


# --- municipalities and processes ---------------------------------------------------------------


def test_municipalities_lists_active_ones_with_pages_and_links(client, api_town, make_municipality):
    make_municipality(slug="stillgelegt", is_active=False)
    response = client.get(f"{API}/municipalities?per_page=1")
    body = _json(response)
    assert [m["slug"] for m in body["items"]] == ["musterstadt"] or len(body["items"]) == 1
    assert body["pagination"] == {"page": 1, "per_page": 1, "total": 2, "pages": 2}
    assert 'rel="next"' in response.headers["Link"] and "page=2" in response.headers["Link"]
    slugs = {m["slug"] for m in _json(client.get(f"{API}/municipalities"))["items"]}
    assert slugs == {"musterstadt", "beispielheim"}
    assert "contact_email" not in _json(client.get(f"{API}/municipalities/musterstadt"))


def test_inactive_municipality_is_not_found_as_json(client, make_municipality):
    make_municipality(slug="stillgelegt", is_active=False)
    body = _json(client.get(f"{API}/municipalities/stillgelegt"), 404)
    assert body["status"] == 404 and body["code"] == "not_found" and body["message"]


@pytest.mark.parametrize("query", ["per_page=101", "per_page=0", "page=0", "page=abc"])
def test_bad_paging_is_a_422_with_field_errors(client, api_town, query):
    body = _json(client.get(f"{API}/municipalities?{query}"), 422)
    assert body["code"] == "validation_error"
    assert set(body["errors"]) <= {"page", "per_page"} and body["errors"]


def test_processes_show_only_what_the_public_page_shows(client, api_town):
    body = _json(client.get(api_town.url("/processes")))
    assert [p["slug"] for p in body["items"]] == [api_town.process.slug]
    for hidden in (api_town.draft, api_town.members_only):
        _json(client.get(api_town.process_url(process=hidden)), 404)
    detail = _json(client.get(api_town.process_url()))
    assert detail["concept"]["decision_maker"] == "council"
    assert detail["phases"][0]["kind"] == "participation"
    assert "contact_email" not in detail


def test_process_list_filters_by_when(client, api_town, make_process):
    now = utcnow()
    past = make_process(
        api_town.municipality,
        phases=[("participation", now - timedelta(days=9), now - timedelta(days=5))],
    )
    current = _json(client.get(api_town.url("/processes?when=current")))["items"]
    assert [p["id"] for p in current] == [api_town.process.id]
    assert [p["id"] for p in _json(client.get(api_town.url("/processes?when=past")))["items"]] == [
        past.id
    ]
    _json(client.get(api_town.url("/processes?when=soon")), 422)


# --- proposals ----------------------------------------------------------------------------------


def test_proposals_page_by_keyset_with_next_links(app, client, api_town):
    citizen = api_town.users["citizen"]
    base = utcnow() - timedelta(days=1)
    ids = [
        create_proposal(app, api_town.process, citizen, created_at=base + timedelta(minutes=i))
        for i in range(5)
    ]
    seen = []
    url = api_town.process_url("/proposals?per_page=2")
    while url:
        response = client.get(url)
        body = _json(response)
        seen += [p["id"] for p in body["items"]]
        cursor = body["pagination"]["next_cursor"]
        url = api_town.process_url(f"/proposals?per_page=2&cursor={cursor}") if cursor else None
        if cursor:
            assert f"cursor={cursor}" in response.headers["Link"]
    assert seen == list(reversed(ids))


def test_proposals_sort_by_supports_pages_without_gaps(app, client, api_town):
    citizen = api_town.users["citizen"]
    ids = [
        create_proposal(app, api_town.process, citizen, support_count=n) for n in (3, 1, 3, 0, 2)
    ]
    first = _json(client.get(api_town.process_url("/proposals?sort=supports&per_page=3")))
    cursor = first["pagination"]["next_cursor"]
    second = _json(
        client.get(api_town.process_url(f"/proposals?sort=supports&per_page=3&cursor={cursor}"))
    )
    order = [p["id"] for p in first["items"] + second["items"]]
    assert order == [ids[2], ids[0], ids[4], ids[1], ids[3]]
    assert second["pagination"]["next_cursor"] is None


@pytest.mark.parametrize("cursor", ["garbage", "W10", "WyJ4IiwgMV0", "WzEsMl0"])
def test_a_forged_cursor_is_a_400(client, api_town, cursor):
    body = _json(client.get(api_town.process_url(f"/proposals?cursor={cursor}")), 400)
    assert body["errors"] == {"cursor": ["invalid"]}


def test_proposal_filters(app, client, api_town):
    from app.extensions import db
    from app.proposals.models import Proposal, ProposalCategory, ProposalStatus

    with app.app_context():
        category = ProposalCategory(process_id=api_town.process.id, name="Verkehr")
        db.session.add(category)
        db.session.commit()
        category_id = category.id
    bench = create_proposal(app, api_town.process, api_town.users["citizen"], xss=False)
    lanes = create_proposal(
        app,
        api_town.process,
        api_town.users["council"],
        xss=False,
        title="Radwege ausbauen",
        category_id=category_id,
    )
    with app.app_context():
        db.session.get(Proposal, lanes).status = ProposalStatus.ACCEPTED
        db.session.commit()

    def ids(query: str) -> list[int]:
        return [
            p["id"] for p in _json(client.get(api_town.process_url(f"/proposals?{query}")))["items"]
        ]

    assert ids("status=accepted") == [lanes]
    assert ids("group=council") == [lanes]
    assert ids(f"category={category_id}") == [lanes]
    assert ids("q=B%C3%A4nke") == [bench]
    _json(client.get(api_town.process_url("/proposals?status=lost")), 422)


def test_proposal_detail_has_official_answers_and_hidden_ones_are_placeholders(
    app, client, api_town
):
    from app.accounts.models import User
    from app.extensions import db
    from app.proposals import services
    from app.proposals.models import Proposal, ProposalStatus

    shown = create_proposal(app, api_town.process, api_town.users["citizen"])
    hidden = create_proposal(app, api_town.process, api_town.users["citizen"], title="Geheim X1")
    pending = create_proposal(app, api_town.process, api_town.users["citizen"], title="Warte Y2")
    with app.app_context():
        services.change_status(
            db.session.get(User, api_town.users["staff"].id),
            db.session.get(Proposal, shown),
            ProposalStatus.UNDER_REVIEW,
            "Wir prüfen das.",
            "Bauamt",
        )
        db.session.commit()
    set_visibility(app, contribution_of(app, Proposal, hidden), "hidden", "Beleidigung")
    set_visibility(app, contribution_of(app, Proposal, pending), "pending")

    body = _json(client.get(api_town.process_url(f"/proposals/{shown}")))
    assert body["official_answers"][0]["office"] == "Bauamt"
    assert body["status"] == "under_review"
    placeholder = _json(client.get(api_town.process_url(f"/proposals/{hidden}")))
    assert placeholder["title"] is None and placeholder["description"] is None
    assert placeholder["author"] is None and placeholder["hidden_reason"] == "Beleidigung"
    _json(client.get(api_town.process_url(f"/proposals/{pending}")), 404)
    listed = _json(client.get(api_town.process_url("/proposals")))["items"]
    assert [p["id"] for p in listed] == [shown]
    _json(client.get(api_town.process_url("/proposals/99999999999")), 404)
    _json(client.get(api_town.process_url("/proposals", process=api_town.draft)), 404)


def test_proposals_csv_has_the_same_rows_and_no_formulas(app, client, api_town):
    create_proposal(app, api_town.process, api_town.users["citizen"], title="=HYPERLINK(1)")
    response = client.get(api_town.process_url("/proposals.csv"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeffid;title;")
    assert ";'=HYPERLINK(1);" in text


# --- comments -----------------------------------------------------------------------------------


def test_comments_show_hidden_and_deleted_ones_as_placeholders(app, client, api_town):
    from app.comments.models import Comment

    citizen, staff = api_town.users["citizen"], api_town.users["staff"]
    visible = write_comment(app, citizen, api_town.process, "Sichtbar")
    hidden = write_comment(app, citizen, api_town.process, "Versteckt Z3")
    deleted = write_comment(app, citizen, api_town.process, "Gelöscht W4")
    write_comment(app, staff, api_town.process, "Antwort", parent_id=deleted)
    lonely_deleted = write_comment(app, citizen, api_town.process, "Weg V5")
    pending = write_comment(app, citizen, api_town.process, "Wartet U6")
    set_visibility(app, contribution_of(app, Comment, hidden), "hidden", "Off-Topic")
    set_visibility(app, contribution_of(app, Comment, deleted), "deleted")
    set_visibility(app, contribution_of(app, Comment, lonely_deleted), "deleted")
    set_visibility(app, contribution_of(app, Comment, pending), "pending")

    response = client.get(api_town.process_url("/comments"))
    items = _json(response)["items"]
    by_id = {c["id"]: c for c in items}
    assert set(by_id) == {visible, hidden, deleted, deleted + 1}
    assert by_id[visible]["body"] and by_id[visible]["author"]["group"] == "citizens"
    assert by_id[hidden]["shown"] == "hidden" and by_id[hidden]["body"] is None
    assert by_id[hidden]["hidden_reason"] == "Off-Topic" and by_id[hidden]["author"] is None
    assert by_id[deleted]["shown"] == "deleted" and by_id[deleted]["body"] is None
    text = response.get_data(as_text=True)
    for secret in ("Versteckt Z3", "Gelöscht W4", "Weg V5", "Wartet U6"):
        assert secret not in text
    csv = client.get(api_town.process_url("/comments.csv")).get_data(as_text=True)
    assert "Sichtbar" in csv and "Versteckt Z3" not in csv


def test_comments_of_a_proposal_page_by_keyset(app, client, api_town):
    from app.extensions import db
    from app.proposals.models import Proposal

    proposal = create_proposal(app, api_town.process, api_town.users["citizen"])
    with app.app_context():
        thread_id = db.session.get(Proposal, proposal).thread_id
    ids = [
        write_comment(
            app, api_town.users["citizen"], api_town.process, f"K{i}", thread_id=thread_id
        )
        for i in range(3)
    ]
    url = api_town.process_url(f"/proposals/{proposal}/comments?per_page=2")
    first = _json(client.get(url))
    cursor = first["pagination"]["next_cursor"]
    second = _json(client.get(f"{url}&cursor={cursor}"))
    assert [c["id"] for c in first["items"] + second["items"]] == ids
    assert (
        client.get(api_town.process_url(f"/proposals/{proposal}/comments.csv")).status_code == 200
    )


def test_process_discussion_that_nobody_opened_is_an_empty_list(client, api_town):
    body = _json(client.get(api_town.process_url("/comments")))
    assert body["items"] == [] and body["pagination"]["next_cursor"] is None
    _json(client.get(api_town.process_url("/comments", process=api_town.members_only)), 404)


# --- surveys ------------------------------------------------------------------------------------


def test_survey_results_only_when_public_and_only_aggregates(app, client, api_town, make_survey):
    live = make_survey(api_town.process, results_visibility="live", xss=False)
    internal = make_survey(api_town.process, results_visibility="internal")
    listed = _json(client.get(api_town.process_url("/surveys")))["items"]
    assert {s["id"]: s["results_public"] for s in listed} == {live.id: True, internal.id: False}
    body = _json(client.get(api_town.process_url(f"/surveys/{live.id}/results")))
    assert body["responses"] == 0 and len(body["questions"]) == 7
    refused = _json(client.get(api_town.process_url(f"/surveys/{internal.id}/results")), 403)
    assert refused["code"] == "results_not_public"


# --- CORS, rate limit, cost ---------------------------------------------------------------------


def test_cors_is_open_for_reads_and_closed_for_writes(client, api_town):
    read = client.get(f"{API}/municipalities", headers={"Origin": "https://example.net"})
    assert read.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        api_town.url("/processes"),
        headers={"Origin": "https://example.net", "Access-Control-Request-Method": "POST"},
    )
    assert "POST" not in preflight.headers.get("Access-Control-Allow-Methods", "")
    write = client.post(api_town.url("/processes"), headers={"Origin": "https://example.net"})
    assert "Access-Control-Allow-Origin" not in write.headers


def test_rate_limit_answers_429_with_retry_after(app, client, api_town):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        statuses = [client.get(f"{API}/municipalities").status_code for _ in range(4)]
        response = client.get(f"{API}/municipalities")
    finally:
        app.config["API_RATE_LIMIT"] = "300 per minute"
    assert statuses[:3] == [200, 200, 200] and statuses[3] == 429
    body = _json(response, 429)
    assert body["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) > 0


def _queries_for(client, count_queries, url: str) -> int:
    with count_queries() as counted:
        assert client.get(url).status_code == 200
    return counted.count


def test_list_query_counts_are_flat_with_their_length(
    app, client, api_town, count_queries, make_process
):
    from app.extensions import db
    from app.proposals.models import Proposal

    citizen = api_town.users["citizen"]
    proposal = create_proposal(app, api_town.process, citizen)
    with app.app_context():
        thread_id = db.session.get(Proposal, proposal).thread_id
    write_comment(app, citizen, api_town.process, "eins", thread_id=thread_id)
    urls = [
        api_town.process_url("/proposals?per_page=100"),
        api_town.process_url("/proposals.csv"),
        api_town.process_url(f"/proposals/{proposal}/comments?per_page=100"),
        api_town.process_url(f"/proposals/{proposal}/comments.csv"),
        api_town.url("/processes?per_page=100"),
        api_town.url("/processes.csv"),
    ]
    few = [_queries_for(client, count_queries, url) for url in urls]
    for i in range(12):
        create_proposal(app, api_town.process, api_town.users["council"])
        write_comment(app, citizen, api_town.process, f"mehr {i}", thread_id=thread_id)
        make_process(api_town.municipality, formats=("proposals", "surveys"))

    many = [_queries_for(client, count_queries, url) for url in urls]
    assert many == few
