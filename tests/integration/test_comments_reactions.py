"""Agree / disagree: one reaction per person and comment, counters exact under concurrency."""

from __future__ import annotations

import threading

import comments_support
import pytest
from comments_support import htmx, write_comment
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.comments import services
from app.comments.models import Comment, CommentReaction, Reaction
from app.core.roles import Role
from app.extensions import db

town = comments_support.town  # the fixture


def _react(client, town, comment_id: int, value: str, headers=None):
    return client.post(
        town.url(f"/comments/{comment_id}/reaction"), data={"reaction": value}, headers=headers
    )


def _state(app, comment_id: int) -> tuple[int, int, int, int]:
    """Kept counters and the rows they must equal: (agree, disagree, agree rows, disagree rows)."""
    with app.app_context():
        comment = db.session.get(Comment, comment_id)

        def rows(value: Reaction) -> int:
            return db.session.scalar(
                select(func.count()).where(
                    CommentReaction.comment_id == comment_id, CommentReaction.value == value
                )
            )

        return (
            comment.agree_count,
            comment.disagree_count,
            rows(Reaction.AGREE),
            rows(Reaction.DISAGREE),
        )


def test_a_member_agrees_switches_and_withdraws(app, client, login, town):
    comment_id = write_comment(app, town.users["citizen"], town.process)
    login(client, town.users["council"])
    assert _react(client, town, comment_id, "agree").status_code == 302
    assert _state(app, comment_id) == (1, 0, 1, 0)
    _react(client, town, comment_id, "agree")  # a second click changes nothing
    assert _state(app, comment_id) == (1, 0, 1, 0)
    _react(client, town, comment_id, "disagree")  # switching moves the count
    assert _state(app, comment_id) == (0, 1, 0, 1)
    _react(client, town, comment_id, "none")
    assert _state(app, comment_id) == (0, 0, 0, 0)


def test_the_page_shows_the_readers_reaction_as_a_pressed_button(app, client, login, town):
    comment_id = write_comment(app, town.users["citizen"], town.process)
    login(client, town.users["staff"])
    _react(client, town, comment_id, "disagree")
    page = client.get(town.thread_url()).get_data(as_text=True)
    assert (
        f'id="react-{comment_id}-disagree"\n' in page or f'id="react-{comment_id}-disagree"' in page
    )
    pressed = page.split(f'id="react-{comment_id}-disagree"')[1].split(">")[0]
    assert 'aria-pressed="true"' in pressed
    # pressing it again withdraws: the button says so by its value
    assert (
        'value="none"' in page.split(f'id="react-{comment_id}-disagree"')[0].rsplit("<button", 1)[1]
    )


def test_reacting_in_place_returns_the_buttons_and_an_announcement(app, client, login, town):
    comment_id = write_comment(app, town.users["citizen"], town.process)
    login(client, town.users["facilitator"])
    response = _react(client, town, comment_id, "agree", headers=htmx())
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="reactions-{comment_id}"' in page and "data-announce" in page
    assert '<span class="reaction-count">1</span>' in page


def test_one_reaction_per_person_and_comment_is_a_database_constraint(app, town):
    comment_id = write_comment(app, town.users["citizen"], town.process)
    with app.app_context():
        for value in (Reaction.AGREE, Reaction.DISAGREE):
            db.session.add(
                CommentReaction(comment_id=comment_id, user_id=town.users["staff"].id, value=value)
            )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_authors_cannot_react_to_their_own_comments(app, client, login, town):
    comment_id = write_comment(app, town.users["citizen"], town.process)
    login(client, town.users["citizen"])
    assert _react(client, town, comment_id, "agree").status_code == 403
    assert f'id="reactions-{comment_id}"' not in client.get(town.thread_url()).get_data(
        as_text=True
    )


def test_visitors_and_other_municipalities_cannot_react(app, client, login, town):
    comment_id = write_comment(app, town.users["citizen"], town.process)
    assert "/login" in _react(client, town, comment_id, "agree").headers["Location"]
    login(client, town.users["other_staff"])
    assert _react(client, town, comment_id, "agree").status_code == 403
    assert _state(app, comment_id) == (0, 0, 0, 0)


def test_a_made_up_reaction_is_refused(app, client, login, town):
    comment_id = write_comment(app, town.users["citizen"], town.process)
    login(client, town.users["staff"])
    assert _react(client, town, comment_id, "love").status_code == 400
    assert _state(app, comment_id) == (0, 0, 0, 0)


def test_reactions_under_concurrency_keep_the_counters_equal_to_the_rows(app, make_member, town):
    """Many people agree, disagree, switch and withdraw at the same moment, each several times
    and some with double clicks; the kept counters end equal to the reaction rows."""
    comment_id = write_comment(app, town.users["citizen"], town.process)
    people = [make_member(town.municipality, Role.CITIZEN, xss=False) for _ in range(8)]
    sequences = [
        [Reaction.AGREE, Reaction.DISAGREE, Reaction.AGREE],
        [Reaction.DISAGREE, None, Reaction.DISAGREE],
        [Reaction.AGREE, Reaction.AGREE, None],
        [Reaction.DISAGREE, Reaction.AGREE, Reaction.DISAGREE],
    ]
    barrier = threading.Barrier(len(people) * 2)
    errors: list[BaseException] = []

    def act(person_id: int, sequence) -> None:
        try:
            with app.app_context():
                barrier.wait()
                for value in sequence:
                    user = db.session.get(User, person_id)
                    services.set_reaction(user, db.session.get(Comment, comment_id), value)
                    db.session.commit()
                db.session.remove()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    workers = [
        threading.Thread(target=act, args=(person.id, sequences[i % len(sequences)]))
        for i, person in enumerate(people)
        for _click in range(2)  # the same person in two requests at once
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    agree, disagree, agree_rows, disagree_rows = _state(app, comment_id)
    assert (agree, disagree) == (agree_rows, disagree_rows)
    assert agree_rows + disagree_rows <= len(people)
    # every person's last wish in the sequences decides: the outcome is deterministic
    expected_agree = sum(1 for i in range(len(people)) if sequences[i % 4][-1] == Reaction.AGREE)
    expected_disagree = sum(
        1 for i in range(len(people)) if sequences[i % 4][-1] == Reaction.DISAGREE
    )
    assert (agree, disagree) == (expected_agree, expected_disagree)


def test_concurrent_comments_are_all_counted_on_the_thread(app, make_member, town):
    from app.contributions.models import Thread

    people = [make_member(town.municipality, Role.CITIZEN, xss=False) for _ in range(6)]
    first = write_comment(app, town.users["citizen"], town.process)
    with app.app_context():
        thread_id = db.session.get(Comment, first).thread_id
    barrier = threading.Barrier(len(people))
    errors: list[BaseException] = []

    def write(person) -> None:
        try:
            barrier.wait()
            for n in range(3):  # three texts: the same one again would be a repeat
                write_comment(app, person, town.process, f"gleichzeitig {n}", thread_id=thread_id)
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=write, args=(person,)) for person in people]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    with app.app_context():
        assert db.session.get(Thread, thread_id).comment_count == 1 + len(people) * 3
