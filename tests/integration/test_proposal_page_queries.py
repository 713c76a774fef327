"""The proposal page costs the same SQL statements however many comments it shows, for a
logged-in reader (who has reactions, and buttons decided per comment) as for a visitor."""

from __future__ import annotations

import proposals_support
import pytest
from comments_support import write_comment
from proposals_support import Town, create_proposal

from app.comments.models import Comment, Reaction
from app.contributions.models import Thread
from app.extensions import db
from app.proposals.models import Proposal

town = proposals_support.town  # the fixture

# What the proposal page may cost at most, with the thread's page of comments, their replies,
# authors and the reader's reactions (2 statements), the request's own (session, municipality,
# process, the unread count) and the other domains' sections.
STATEMENTS = {"citizen": 11, "staff": 12, None: 7}


def _comment_on(app, town: Town, proposal_id: int, tops: int) -> None:
    """``tops`` top-level comments, each with a reply, a reply to that and a deep one; the
    citizen reacts to some (their reactions are loaded for the page)."""
    with app.app_context():
        thread_id = db.session.get(Proposal, proposal_id).thread_id
    writers = [town.users[name] for name in ("citizen", "staff", "council", "facilitator")]
    with app.app_context():  # texts of their own: the same text again would be a repeat
        start = db.session.get(Thread, thread_id).comment_count
    for i in range(tops):
        text = f"Oben {start + i}"
        parent = write_comment(app, writers[i % 4], town.process, text, thread_id=thread_id)
        top = parent
        for depth in range(1, 5):
            parent = write_comment(
                app, writers[(i + depth) % 4], town.process, f"Tiefe {depth}", parent, thread_id
            )
        with app.app_context():
            from app.accounts.models import User
            from app.comments import services

            reader = db.session.get(User, town.users["citizen"].id)
            for comment_id, value in ((top, Reaction.AGREE), (parent, Reaction.DISAGREE)):
                comment = db.session.get(Comment, comment_id)
                if comment.contribution.author_id != reader.id:
                    services.set_reaction(reader, comment, value)
            db.session.commit()


@pytest.mark.parametrize("reader", ["citizen", "staff", None])
def test_the_proposal_page_costs_the_same_statements_with_many_comments(
    app, client, login, count_queries, town: Town, reader
):
    if reader:
        login(client, town.users[reader])
    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    url = town.url(proposal_id)

    def measure(query: str = "") -> int:
        client.get(url + query)  # warm-up
        with count_queries() as counted:
            response = client.get(url + query)
        assert response.status_code == 200
        return counted.count

    _comment_on(app, town, proposal_id, 2)
    few = [measure(), measure("?comments_sort=agreed")]
    _comment_on(app, town, proposal_id, 12)  # a full first page (10 top-level) and a second one
    many = [measure(), measure("?comments_sort=agreed"), measure("?comments_page=2")]
    page = client.get(url).get_data(as_text=True)
    assert page.count('class="comment level-') == 10 * 5  # ten top-level comments, four replies
    # a full page with more behind it counts the comments in its own rows (a window count)
    assert many == [few[0], few[0], few[0]] and few[1] == few[0], (few, many)
    assert few[0] <= STATEMENTS[reader], few
    # a page past the last one has no rows to count in: it counts on its own, and loads no replies
    assert measure("?comments_page=9") == few[0]


def test_the_proposal_page_asks_no_other_owner_whether_its_thread_is_closed(
    app, client, login, town: Town
):
    """The page knows it shows a proposal's thread: the draft texts, which close superseded
    versions' threads, are not asked (three statements on every proposal page)."""
    from sqlalchemy import event

    login(client, town.users["citizen"])
    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    client.get(town.url(proposal_id))
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        page = client.get(town.url(proposal_id)).get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert 'id="comments"' in page and "comment-form" in page  # the thread, open for writing
    assert not [s for s in statements if "draft_" in s]


def _statements_of(app, client, url: str) -> list[str]:
    from sqlalchemy import event

    client.get(url)  # warm-up
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(" ".join(args[2].split()))  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return statements


@pytest.mark.parametrize("reader", ["citizen", None])
def test_the_proposal_page_reads_the_proposal_and_what_it_shows_in_one_statement(
    app, client, login, town: Town, reader
):
    """Author, category, thread (the comment count), the reader's support and the answer
    promise come joined to the proposal, not in a statement each."""
    if reader:
        login(client, town.users[reader])
    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    statements = _statements_of(app, client, town.url(proposal_id))
    selects = [s for s in statements if s.startswith("SELECT")]
    loads = [s for s in selects if " FROM proposals " in s]
    assert len(loads) == 1, loads
    alone = [
        s
        for s in selects
        for table in ("proposal_settings", "proposal_supports", "proposal_categories", "threads")
        if s.startswith(f"SELECT {table}.")
    ]
    assert not alone, alone


def test_the_proposal_page_shows_every_step_of_its_history_and_every_statement(
    app, client, login, town: Town
):
    """The status history comes joined to the proposal (a row per answer): every step shows, in
    order, however many there are; so do the council's statements."""
    from app.accounts.models import User
    from app.proposals import services
    from app.proposals.models import ProposalStatus

    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    steps = [ProposalStatus.UNDER_REVIEW, ProposalStatus.ACCEPTED, ProposalStatus.IMPLEMENTED]
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        staff = db.session.get(User, town.users["staff"].id)
        for number, status in enumerate(steps):
            services.change_status(staff, proposal, status, f"Antwort Nummer {number}", "Bauamt")
        services.save_statement(
            db.session.get(User, town.users["council"].id), proposal, "Die Fraktion stimmt zu."
        )
        db.session.commit()
    login(client, town.users["citizen"])
    page = client.get(town.url(proposal_id)).get_data(as_text=True)
    history = page[
        page.index('class="status-history"') : page.index("</ol>", page.index("status-history"))
    ]
    assert [history.index(f"Antwort Nummer {n}") for n in (0, 1)] == sorted(
        history.index(f"Antwort Nummer {n}") for n in (0, 1)
    )
    assert history.count("<li>") == 1 + len(steps)  # submitted, then each answer
    assert "Antwort Nummer 2" in page[: page.index('class="status-history"')]  # the answer shown
    assert "Die Fraktion stimmt zu." in page


def test_an_unknown_owner_kind_is_an_error(app):
    from app.comments.owners import closed_reason

    with app.test_request_context(), pytest.raises(ValueError):
        closed_reason(1, "nonexistent")
