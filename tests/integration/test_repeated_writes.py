"""The same text sent twice (a double click, a browser's retry, a replayed request) is stored once.

Comments, replies and proposals: the second request stores, counts, announces and audits nothing
and is answered as the first was (the same message, the same place). A different text, the same
text elsewhere, or the same text after ``REPEAT_WINDOW`` is a contribution of its own.
"""

from __future__ import annotations

import os
import threading
from datetime import timedelta

import api_support
import comments_support
import proposals_support
import pytest
from api_support import bearer, make_token
from comments_support import htmx, thread_id_of, write_comment
from proposals_support import create_proposal
from sqlalchemy import func, select, update

from app.accounts.models import User
from app.comments import services as comments
from app.comments.models import Comment
from app.contributions.models import Contribution, Thread
from app.contributions.services import REPEAT_WINDOW, AlreadyWritten
from app.core.audit import AuditEntry
from app.core.roles import Role
from app.core.time import utcnow
from app.extensions import db
from app.notifications.models import Event
from app.processes.models import Process
from app.proposals import services as proposals
from app.proposals.models import Proposal, ProposalCount, ProposalStatus, ProposalStatusChange

town = comments_support.town  # the fixture: comments in the process's own discussion
proposal_town = proposals_support.town
api_town = api_support.api_town

POSTGRES_ONLY = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="SQLite refuses one of two transactions that both read before writing (database is "
    "locked) instead of waiting; production runs on PostgreSQL (TEST_DATABASE_URL)",
)


def _rows(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _trail(app) -> tuple[int, int, int]:
    """Contributions, notification events and audit entries stored so far."""
    return _rows(app, Contribution), _rows(app, Event), _rows(app, AuditEntry)


def _comment_count(app, thread_id: int) -> int:
    with app.app_context():
        return db.session.get(Thread, thread_id).comment_count


def _flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


def _age(app, model, row_id: int, by: timedelta) -> None:
    """Move the contribution of ``model`` row ``row_id`` ``by`` into the past."""
    with app.app_context():
        contribution_id = db.session.get(model, row_id).contribution_id
        db.session.execute(
            update(Contribution)
            .where(Contribution.id == contribution_id)
            .values(created_at=utcnow() - by)
        )
        db.session.commit()


# --- comments and replies -----------------------------------------------------------------------


def _post(client, app, town, text: str, headers=None):
    thread_id = thread_id_of(app, town.process)
    return client.post(
        town.url(f"/threads/{thread_id}/comments"),
        data={f"thread{thread_id}-body": text},
        headers=headers,
    )


def test_a_comment_sent_twice_is_stored_once_and_answered_as_the_first(app, client, login, town):
    login(client, town.users["citizen"])
    thread_id = thread_id_of(app, town.process)
    first = _post(client, app, town, "Mehr Bäume am Markt")
    assert first.status_code == 302
    first_flashes = _flashes(client)
    after_first = _trail(app)
    second = _post(client, app, town, "Mehr Bäume am Markt")
    assert second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert _flashes(client) == first_flashes * 2  # the same message again, nothing else
    assert _rows(app, Comment) == 1
    assert _comment_count(app, thread_id) == 1
    assert _trail(app) == after_first


def test_a_reply_sent_twice_is_stored_once_and_its_author_told_once(app, client, login, town):
    parent_id = write_comment(app, town.users["citizen"], town.process, "Was meint ihr?")
    thread_id = thread_id_of(app, town.process)
    login(client, town.users["neighbour"])
    data = {f"reply{parent_id}-body": "Gute Idee!"}
    first = client.post(town.url(f"/comments/{parent_id}/reply"), data=data)
    assert first.status_code == 302
    after_first = _trail(app)
    with app.app_context():  # the parent's author is told of the reply
        told = db.session.scalar(select(func.count()).select_from(Event))
    assert told >= 1
    second = client.post(town.url(f"/comments/{parent_id}/reply"), data=data)
    assert second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    with app.app_context():
        replies = db.session.scalars(select(Comment).where(Comment.parent_id == parent_id)).all()
    assert len(replies) == 1
    assert _comment_count(app, thread_id) == 2
    assert _trail(app) == after_first


def test_htmx_gets_no_second_copy_of_a_comment_sent_twice(app, client, login, town):
    login(client, town.users["citizen"])
    first = _post(client, app, town, "Schnell geklickt", headers=htmx())
    assert first.status_code == 200
    (comment_id,) = [c.id for c in _comments(app)]
    assert f'id="comment-{comment_id}"' in first.get_data(as_text=True)
    second = _post(client, app, town, "Schnell geklickt", headers=htmx())
    assert second.status_code == 200
    assert second.get_data(as_text=True) == ""  # nothing to append to the list
    assert second.headers["HX-Redirect"].endswith(f"#comment-{comment_id}")
    assert "HX-Request" in second.headers["Vary"]
    assert [c.id for c in _comments(app)] == [comment_id]
    assert _flashes(client)[-1] == ("success", "Ihr Kommentar wurde veröffentlicht.")


def _comments(app) -> list[Comment]:
    with app.app_context():
        return list(db.session.scalars(select(Comment).order_by(Comment.id)))


def test_a_held_comment_sent_twice_is_held_once(app, client, login, town):
    with app.app_context():
        db.session.get(Process, town.process.id).premoderated = True
        db.session.commit()
    login(client, town.users["citizen"])
    thread_id = thread_id_of(app, town.process)
    _post(client, app, town, "Bitte prüfen")
    (held,) = _flashes(client)
    assert "Moderation" in held[1]
    after_first = _trail(app), _comment_count(app, thread_id)
    second = _post(client, app, town, "Bitte prüfen")
    assert second.status_code == 302
    assert _flashes(client) == [held, held]  # still held, and told so again
    assert (_trail(app), _comment_count(app, thread_id)) == after_first
    assert _rows(app, Comment) == 1


def test_danke_twice_in_different_places_or_with_another_text_is_stored_each_time(
    app, town, make_process
):
    citizen = town.users["citizen"]
    other = make_process(town.municipality, formats=("comments",))
    first = write_comment(app, citizen, town.process, "Danke!")
    write_comment(app, citizen, other, "Danke!")  # another thread
    write_comment(app, citizen, town.process, "Danke!", parent_id=first)  # under a comment
    write_comment(app, citizen, town.process, "Danke!!")  # another text
    write_comment(app, town.users["neighbour"], town.process, "Danke!")  # another person
    assert _rows(app, Comment) == 5
    assert _comment_count(app, thread_id_of(app, town.process)) == 4


def test_the_same_comment_after_the_window_is_a_new_comment(app, town):
    citizen = town.users["citizen"]
    first = write_comment(app, citizen, town.process, "Jede Woche wieder: Danke!")
    _age(app, Comment, first, REPEAT_WINDOW + timedelta(minutes=1))
    second = write_comment(app, citizen, town.process, "Jede Woche wieder: Danke!")
    assert second != first
    assert _comment_count(app, thread_id_of(app, town.process)) == 2


def test_the_same_comment_after_deleting_the_first_is_a_new_comment(app, town):
    citizen = town.users["citizen"]
    first = write_comment(app, citizen, town.process, "Noch einmal")
    with app.app_context():
        comments.delete_comment(db.session.get(Comment, first))
        db.session.commit()
    assert write_comment(app, citizen, town.process, "Noch einmal") != first


def test_the_service_names_the_comment_a_repeat_stands_for(app, town):
    citizen = town.users["citizen"]
    first = write_comment(app, citizen, town.process, "Einmal reicht")
    with pytest.raises(AlreadyWritten) as repeat:
        write_comment(app, citizen, town.process, "  Einmal reicht\n")  # the same once cleaned
    assert repeat.value.existing.id == first


# --- proposals ----------------------------------------------------------------------------------

FORM = {
    "title": "Trinkbrunnen am Marktplatz",
    "description": "Im Sommer fehlt Wasser.\n\nEin Trinkbrunnen hilft allen.",
    "address": "",
    "latitude": "",
    "longitude": "",
}


def _listed(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.coalesce(func.sum(ProposalCount.n), 0)))


@pytest.mark.parametrize("anyway", [False, True], ids=["form", "submit-anyway"])
def test_a_proposal_sent_twice_is_stored_once_and_answered_as_the_first(
    app, client, login, proposal_town, anyway
):
    login(client, proposal_town.users["citizen"])
    data = FORM | ({"submit_anyway": "1"} if anyway else {})
    first = client.post(f"{proposal_town.base}new", data=data)
    assert first.status_code == 302
    first_flashes = _flashes(client)
    after_first = _trail(app)
    second = client.post(f"{proposal_town.base}new", data=data)
    assert second.status_code == 302  # not the list of similar proposals (the first is one)
    assert second.headers["Location"] == first.headers["Location"]
    assert _flashes(client) == first_flashes * 2
    assert _rows(app, Proposal) == 1
    assert _listed(app) == 1  # proposal_counts
    assert _trail(app) == after_first


def _submit(app, author, process, title: str, description: str = "Mit Text.") -> int:
    with app.app_context():
        proposal = proposals.submit_proposal(
            db.session.get(User, author.id),
            db.session.get(Process, process.id),
            proposals.ProposalData(title=title, description=description),
        )
        db.session.commit()
        return proposal.id


def test_the_same_proposal_elsewhere_later_or_changed_is_a_new_proposal(
    app, proposal_town, make_process
):
    citizen = proposal_town.users["citizen"]
    other = make_process(proposal_town.municipality, formats=("proposals",))
    first = _submit(app, citizen, proposal_town.process, "Bank am Brunnen")
    with pytest.raises(AlreadyWritten) as repeat:
        _submit(app, citizen, proposal_town.process, "Bank am Brunnen")
    assert repeat.value.existing.id == first
    _submit(app, citizen, other, "Bank am Brunnen")  # another process
    _submit(app, citizen, proposal_town.process, "Bank am Brunnen", "Anderer Text.")
    _submit(app, proposal_town.users["staff"], proposal_town.process, "Bank am Brunnen")
    _age(app, Proposal, first, REPEAT_WINDOW + timedelta(minutes=1))
    _submit(app, citizen, proposal_town.process, "Bank am Brunnen")  # after the window
    assert _rows(app, Proposal) == 5
    assert _listed(app) == 5


# --- official answers ---------------------------------------------------------------------------

ANSWER = {
    "status": "accepted",
    "response": "Wir setzen das im Frühjahr um.",
    "office": "Stadtplanungsamt",
    "merged_into": "",
}


def _answers(app, proposal_id: int) -> list[tuple[str, str]]:
    with app.app_context():
        return [
            (change.status.value, change.response)
            for change in db.session.scalars(
                select(ProposalStatusChange)
                .where(ProposalStatusChange.proposal_id == proposal_id)
                .order_by(ProposalStatusChange.id)
            )
        ]


def test_an_official_answer_sent_twice_is_published_once(app, client, login, proposal_town):
    proposal_id = create_proposal(
        app, proposal_town.process, proposal_town.users["citizen"], xss=False
    )
    login(client, proposal_town.users["staff"])
    url = proposal_town.admin(f"{proposal_id}/answer")
    first = client.post(url, data=ANSWER)
    assert first.status_code == 302
    first_flashes = _flashes(client)
    after_first = _trail(app)
    second = client.post(url, data=ANSWER)
    assert second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert _flashes(client) == first_flashes * 2
    assert len(_answers(app, proposal_id)) == 1
    assert _trail(app) == after_first  # one audit entry, the supporters told once


def test_an_official_answer_sent_twice_through_the_api_is_stored_once(app, client, api_town):
    token = make_token(app, api_town.users["staff"], api_town.municipality)
    proposal_id = create_proposal(app, api_town.process, api_town.users["citizen"])
    url = api_town.process_url(f"/proposals/{proposal_id}/status")
    answer = {"status": "accepted", "response": "Wird gebaut.", "office": "Bauamt"}
    first = client.post(url, json=answer, headers=bearer(token))
    assert first.status_code == 201
    after_first = _trail(app)
    second = client.post(url, json=answer, headers=bearer(token))
    assert second.status_code == 201
    assert second.get_json() == first.get_json()
    assert _trail(app) == after_first
    assert len(_answers(app, proposal_id)) == 1


def test_the_same_answer_after_another_one_or_after_the_window_is_published_again(
    app, proposal_town
):
    proposal_id = create_proposal(
        app, proposal_town.process, proposal_town.users["citizen"], xss=False
    )

    def answer(status: str, response: str = "Wir prüfen das.") -> None:
        with app.app_context():
            proposals.change_status(
                db.session.get(User, proposal_town.users["staff"].id),
                db.session.get(Proposal, proposal_id),
                ProposalStatus(status),
                response,
                "Bauamt",
            )
            db.session.commit()

    answer("under_review")
    answer("accepted")
    answer("under_review")  # back again: a change of its own, not a repeat
    with pytest.raises(AlreadyWritten):
        answer("under_review")
    answer("under_review", "Wir prüfen das noch einmal.")
    with app.app_context():
        db.session.execute(
            update(ProposalStatusChange).values(
                created_at=utcnow() - REPEAT_WINDOW - timedelta(minutes=1)
            )
        )
        db.session.commit()
    answer("under_review", "Wir prüfen das noch einmal.")  # the same, the next day
    assert [status for status, _ in _answers(app, proposal_id)] == [
        "under_review",
        "accepted",
        "under_review",
        "under_review",
        "under_review",
    ]


# --- at the same moment -------------------------------------------------------------------------


def _at_once(app, action, times: int) -> tuple[list[int], list[int], list[BaseException]]:
    """``action`` in ``times`` threads at once, each in its own request context and transaction:
    the ids it returned, the ids repeats named (``AlreadyWritten``), and other errors."""
    barrier = threading.Barrier(times)
    lock = threading.Lock()
    results: list[int] = []
    repeated: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        with app.test_request_context():
            try:
                barrier.wait()
                result = action()
                db.session.commit()
                with lock:
                    results.append(result)
            except AlreadyWritten as repeat:
                with lock:
                    repeated.append(repeat.existing.id)
                db.session.rollback()
            except BaseException as exc:  # reported in the test's thread
                db.session.rollback()
                with lock:
                    errors.append(exc)
            finally:
                db.session.remove()

    workers = [threading.Thread(target=run) for _ in range(times)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results, repeated, errors


@POSTGRES_ONLY
def test_the_same_comment_and_proposal_sent_many_times_at_once_are_stored_once(
    app, town, make_member
):
    from app.processes.models import ProcessFormat

    author = make_member(town.municipality, Role.CITIZEN, xss=False)
    with app.app_context():
        db.session.add(ProcessFormat(process_id=town.process.id, key="proposals"))
        db.session.commit()
    thread_id = thread_id_of(app, town.process)
    times = 6

    def comment() -> int:
        thread = db.session.get(Thread, thread_id)
        return comments.post_comment(
            db.session.get(User, author.id),
            thread,
            db.session.get(Process, thread.process_id),
            "Gleichzeitig geklickt",
        ).id

    def proposal() -> int:
        return proposals.submit_proposal(
            db.session.get(User, author.id),
            db.session.get(Process, town.process.id),
            proposals.ProposalData(title="Zweimal geklickt", description="Ein Text."),
        ).id

    for action in (comment, proposal):
        results, repeated, errors = _at_once(app, action, times)
        assert errors == []
        assert len(results) == 1
        assert repeated == results * (times - 1)  # each repeat names the one stored
    assert _rows(app, Comment) == 1
    assert _comment_count(app, thread_id) == 1
    assert _rows(app, Proposal) == 1
    assert _listed(app) == 1
    with app.app_context():  # each announcement once
        announced = db.session.execute(select(Event.kind, Event.object_id)).all()
    assert announced
    assert len(announced) == len(set(announced))
