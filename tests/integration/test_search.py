"""Search finds inflected German forms, groups and pages results, highlights safely, and never finds
what the searcher may not read: the rights are part of the query."""

from __future__ import annotations

import re

import pytest
from comments_support import write_comment
from documents_support import attach, pdf_bytes
from proposals_support import create_proposal, switch_on_proposals

from app.core.roles import Role

SECRET = "Geheimwort"
FOUND = f"<mark>{SECRET}</mark>"  # the query itself is echoed; a hit is marked


@pytest.fixture
def town(app, make_municipality, make_member, make_process):
    home = make_municipality(slug="musterstadt")
    other = make_municipality(slug="beispielheim")
    process = make_process(
        home, title="Neugestaltung Marktplatz", formats=("proposals", "comments")
    )
    return {
        "home": home,
        "other": other,
        "process": process,
        "staff": make_member(home, Role.STAFF),
        "citizen": make_member(home, Role.CITIZEN),
        "other_citizen": make_member(other, Role.CITIZEN),
        "other_staff": make_member(other, Role.STAFF),
    }


def _search(client, query: str, slug: str | None = "musterstadt", **params) -> str:
    url = f"/{slug}/search" if slug else "/search"
    response = client.get(url, query_string={"q": query, **params})
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _set_visibility(app, proposal_id: int, visibility: str) -> None:
    from app.contributions.models import Contribution, Visibility
    from app.extensions import db
    from app.proposals.models import Proposal

    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        db.session.get(Contribution, proposal.contribution_id).visibility = Visibility(visibility)
        db.session.commit()


def test_plural_with_umlaut_finds_the_singular(app, client, town):
    create_proposal(
        app, town["process"], town["citizen"], title="Ein Baum für den Platz", xss=False
    )
    page = _search(client, "Bäume")
    assert "Ein <mark>Baum</mark> für den Platz" in page


def test_results_are_grouped_by_kind(app, client, town):
    create_proposal(app, town["process"], town["citizen"], title="Brunnen am Markt", xss=False)
    write_comment(app, town["citizen"], town["process"], "Der Brunnen braucht Schatten")
    attach(
        app, town["process"], town["staff"], pdf_bytes(1), "brunnen.pdf", title="Studie zum Brunnen"
    )
    page = _search(client, "Brunnen")
    for heading in ('id="group-proposal"', 'id="group-comment"', 'id="group-document"'):
        assert heading in page
    assert 'id="group-outcome"' not in page


def test_highlight_escapes_what_people_wrote(app, client, town):
    create_proposal(
        app, town["process"], town["citizen"], title="Bank <script>alert(1)</script>", xss=False
    )
    page = _search(client, "Bank")
    assert "<script>alert(1)" not in page
    assert "<mark>Bank</mark> &lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("visibility", ["hidden", "pending", "deleted"])
def test_unpublished_proposals_are_never_found(app, client, login, town, visibility):
    proposal_id = create_proposal(app, town["process"], town["citizen"], title=SECRET, xss=False)
    _set_visibility(app, proposal_id, visibility)
    for actor in (None, town["citizen"], town["staff"]):
        if actor is not None:
            login(client, actor)
        assert FOUND not in _search(client, SECRET)


def test_comments_of_hidden_proposals_and_hidden_comments_are_not_found(app, client, town):
    from app.comments.models import Comment
    from app.contributions.models import Contribution, Visibility
    from app.extensions import db
    from app.proposals.models import Proposal

    proposal_id = create_proposal(app, town["process"], town["citizen"], xss=False)
    with app.app_context():
        thread_id = db.session.get(Proposal, proposal_id).thread_id
    write_comment(app, town["citizen"], town["process"], f"{SECRET} eins", thread_id=thread_id)
    hidden = write_comment(app, town["citizen"], town["process"], f"{SECRET} zwei")
    assert f"<mark>{SECRET}</mark> eins" in _search(client, SECRET)
    _set_visibility(app, proposal_id, "hidden")
    with app.app_context():
        comment = db.session.get(Comment, hidden)
        db.session.get(Contribution, comment.contribution_id).visibility = Visibility.HIDDEN
        db.session.commit()
    assert FOUND not in _search(client, SECRET)


def test_members_only_processes_only_for_members(app, client, login, town, make_process):
    members = make_process(town["home"], visibility="members", title=f"{SECRET} intern")
    create_proposal(app, members, town["citizen"], title=f"{SECRET} Vorschlag", xss=False)
    attach(app, members, town["staff"], pdf_bytes(1), "intern.pdf", title=f"{SECRET} Dokument")
    assert FOUND not in _search(client, SECRET)
    assert FOUND not in _search(client, SECRET, slug=None)
    login(client, town["other_staff"])
    assert FOUND not in _search(client, SECRET, slug=None)
    assert FOUND not in _search(client, SECRET)
    login(client, town["citizen"])
    page = _search(client, SECRET)
    assert page.count(f"<mark>{SECRET}</mark>") >= 3


def test_drafts_and_inactive_municipalities_are_not_found(app, client, login, town, make_process):
    from app.extensions import db
    from app.municipalities.models import Municipality

    make_process(town["home"], state="draft", title=f"{SECRET} Entwurf")
    login(client, town["staff"])
    assert FOUND not in _search(client, SECRET)
    make_process(town["other"], title=f"{SECRET} stillgelegt")
    with app.app_context():
        db.session.get(Municipality, town["other"].id).is_active = False
        db.session.commit()
    assert FOUND not in _search(client, SECRET, slug=None)


def test_municipality_search_stays_in_its_municipality(app, client, town, make_process):
    make_process(town["other"], title=f"{SECRET} anderswo")
    assert FOUND not in _search(client, SECRET)
    assert f"<mark>{SECRET}</mark> anderswo" in _search(client, SECRET, slug=None)


def test_unpublished_outcome_and_its_documents_are_not_found(app, client, login, town):
    from app.core.time import utcnow
    from app.extensions import db
    from app.outcomes.models import Outcome

    with app.app_context():
        outcome = Outcome(
            municipality_id=town["home"].id,
            process_id=town["process"].id,
            summary=f"<p>{SECRET} Ergebnis</p>",
        )
        db.session.add(outcome)
        db.session.commit()
        outcome_id = outcome.id
    attach(
        app,
        town["process"],
        town["staff"],
        pdf_bytes(1),
        "beschluss.pdf",
        title=f"{SECRET} Beschluss",
        target=f"outcome-{outcome_id}",
    )
    login(client, town["staff"])
    assert FOUND not in _search(client, SECRET)
    with app.app_context():
        db.session.get(Outcome, outcome_id).published_at = utcnow()
        db.session.commit()
    page = _search(client, SECRET)
    assert 'id="group-outcome"' in page and 'id="group-document"' in page


def test_like_wildcards_are_plain_characters(app, client, town):
    create_proposal(app, town["process"], town["citizen"], title="Radweg", xss=False)
    assert "Radweg" not in _search(client, "%%")
    assert "Radweg" not in _search(client, "__")


def test_filters_by_kind_and_process_and_pages(app, client, town, make_process):
    second = make_process(town["home"], title="Zweites Verfahren")
    switch_on_proposals(app, second)
    for n in range(23):
        create_proposal(app, town["process"], town["citizen"], title=f"Laterne {n}", xss=False)
    create_proposal(app, second, town["citizen"], title="Laterne drüben", xss=False)
    overview = _search(client, "Laterne")
    assert "24 Ergebnisse" in overview or "24 results" in overview
    first = _search(client, "Laterne", kind="proposal", process=town["process"].id)
    assert "Laterne drüben" not in first
    assert first.count('class="search-hit"') == 20
    last = _search(client, "Laterne", kind="proposal", process=town["process"].id, page=2)
    assert last.count('class="search-hit"') == 3


@pytest.mark.parametrize("params", [{"kind": "bogus"}, {"process": "abc"}, {"process": "99999999"}])
def test_bad_filters_are_not_found(app, client, town, params):
    response = client.get("/musterstadt/search", query_string={"q": "Platz", **params})
    assert response.status_code == 404


def test_a_process_of_another_municipality_is_no_filter(app, client, town, make_process):
    theirs = make_process(town["other"])
    response = client.get("/musterstadt/search", query_string={"q": "Platz", "process": theirs.id})
    assert response.status_code == 404


def test_query_count_is_flat_with_the_number_of_results(app, client, town, count_queries):
    create_proposal(app, town["process"], town["citizen"], title="Bank eins", xss=False)
    write_comment(app, town["citizen"], town["process"], "Bank hier")
    with count_queries() as few:
        _search(client, "Bank")
    for n in range(12):
        create_proposal(app, town["process"], town["citizen"], title=f"Bank {n}", xss=False)
        write_comment(app, town["citizen"], town["process"], f"Bank dort {n}")
        attach(app, town["process"], town["staff"], pdf_bytes(1), "b.pdf", title=f"Bank {n}")
    with count_queries() as many:
        _search(client, "Bank")
    assert many.count <= few.count + 2  # a group appears: its page query


# --- comments of any thread owner (draft texts), and counts and pages that stay bounded -----------


def _draft_paragraph_comment(app, town, make_process, **process_values):
    from drafts_support import comment_on, make_draft

    process = make_process(town["home"], formats=("drafts",), **process_values)
    draft = make_draft(app, process, town["staff"])
    comment_on(app, process, town["citizen"], draft.paragraph_threads[0], f"{SECRET} am Absatz")
    return process, draft


def test_a_draft_paragraph_comment_is_found_by_whoever_reads_the_draft(
    app, client, login, town, make_process
):
    _draft_paragraph_comment(app, town, make_process, visibility="members")
    assert FOUND not in _search(client, SECRET)  # anonymous: a members-only process
    login(client, town["other_citizen"])
    assert FOUND not in _search(client, SECRET, slug=None)
    login(client, town["citizen"])
    page = _search(client, SECRET, kind="comment")
    assert f"<mark>{SECRET}</mark> am Absatz" in page
    # The owner registry names the place: the draft's paragraph, not just the process.
    assert "Leitbild: Absatz 1" in page or "Leitbild: Paragraph 1" in page


def test_draft_comments_are_not_found_once_the_format_is_switched_off(
    app, client, town, make_process
):
    from app.extensions import db
    from app.processes.models import ProcessFormat

    process, _draft = _draft_paragraph_comment(app, town, make_process)
    assert FOUND in _search(client, SECRET)
    with app.app_context():
        db.session.execute(
            db.delete(ProcessFormat).where(
                ProcessFormat.process_id == process.id, ProcessFormat.key == "drafts"
            )
        )
        db.session.commit()
    assert FOUND not in _search(client, SECRET)  # the draft pages answer 404 now


def test_a_thread_whose_owner_declares_no_readability_is_never_searched(
    app, client, town, make_process, monkeypatch
):
    from app.comments import owners

    _draft_paragraph_comment(app, town, make_process)
    monkeypatch.delitem(owners._READABLE, "draft")
    assert FOUND not in _search(client, SECRET)


def test_counts_stop_at_the_cap_and_pages_stay_within_it(app, client, town, monkeypatch):
    from app.search import services

    monkeypatch.setattr(services, "COUNT_CAP", 4)
    monkeypatch.setattr(services, "PAGE_SIZE", 2)
    for n in range(6):
        create_proposal(app, town["process"], town["citizen"], title=f"Laterne {n}", xss=False)
    overview = _search(client, "Laterne")
    assert "mehr als 4" in overview or "more than 4" in overview
    assert "Mehr als 4 Ergebnisse" in overview or "More than 4 results" in overview

    def titles(page: str) -> list[str]:
        return re.findall(r"<mark>Laterne</mark> (\d)</a>", page)

    last = _search(client, "Laterne", kind="proposal", page=2)
    assert titles(last) == ["3", "2"]  # newest first: 5 4 | 3 2, and no third page
    assert "Nur die neuesten 4 Ergebnisse" in last or "Only the newest 4 results" in last
    beyond = _search(client, "Laterne", kind="proposal", page=99)  # the last page, not a deep scan
    assert titles(beyond) == ["3", "2"]


def test_next_and_previous_pages_continue_from_the_hits_shown(app, client, town, monkeypatch):
    from app.search import services

    monkeypatch.setattr(services, "PAGE_SIZE", 2)
    for n in range(7):
        create_proposal(app, town["process"], town["citizen"], title=f"Laterne {n}", xss=False)

    def titles(page: str) -> list[str]:
        return re.findall(r"<mark>Laterne</mark> (\d)</a>", page)

    def link(page: str, rel: str) -> str:
        found = re.search(rf'<a rel="{rel}" href="([^"]+)"', page)
        return found.group(1).replace("&amp;", "&")

    first = _search(client, "Laterne", kind="proposal")
    assert titles(first) == ["6", "5"]
    assert "after=" in link(first, "next")
    second = client.get(link(first, "next")).get_data(as_text=True)
    third = client.get(link(second, "next")).get_data(as_text=True)
    assert titles(second) == ["4", "3"] and titles(third) == ["2", "1"]
    assert titles(third) == titles(_search(client, "Laterne", kind="proposal", page=3))
    assert "before=" in link(third, "prev")
    back = client.get(link(third, "prev")).get_data(as_text=True)
    assert titles(back) == ["4", "3"]
    assert "before=" not in link(back, "prev")  # page 1 is the first page, keyless
    # A key that no longer leads anywhere shows the page by its number.
    stale = _search(client, "Laterne", kind="proposal", page=2, after=1)
    assert titles(stale) == ["4", "3"]


@pytest.mark.parametrize("params", [{"after": "x"}, {"before": "-3"}, {"after": "9" * 30}])
def test_bad_page_keys_are_not_found(app, client, town, params):
    response = client.get(
        "/musterstadt/search", query_string={"q": "Platz", "kind": "proposal", **params}
    )
    assert response.status_code == 404
