"""Concurrent "change my answers" requests of one member leave exactly one answer per question.

The attack: thirty parallel changes of one named response each deleted the rows they saw and added
their own, so a single-choice question ended up with several rows and the results counted the
member several times. The response row is now locked around the replacement, and unique
constraints refuse duplicate answer rows whatever the code does.

The parallel test needs real parallel connections with row locks: it runs on PostgreSQL (the CI
runs the suite there with ``TEST_DATABASE_URL``) and is skipped on SQLite, which serialises writers
with a database lock and answers concurrent writers with "database is locked".
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.core.roles import Role
from app.extensions import db
from app.surveys.models import Answer, Response

PARALLEL = 30


@pytest.fixture
def town(make_municipality):
    return make_municipality()


@pytest.fixture
def process(town, make_process):
    return make_process(town, formats=("surveys",))


def _url(town, survey) -> str:
    return f"/{town.slug}/processes/{survey.process_slug}/surveys/{survey.id}/"


def _answers(survey, single_option: int, scale: int, text: str) -> dict[str, object]:
    return {
        f"q{survey.q('single').id}": str(single_option),
        f"q{survey.q('scale').id}": str(scale),
        f"q{survey.q('long_text').id}": text,
    }


QUESTIONS = [
    dict(type="single", text="Wie oft", required=True, options=["Täglich", "Wöchentlich", "Nie"]),
    dict(type="scale", text="Wie wichtig", scale_min=1, scale_max=5),
    dict(type="long_text", text="Ideen"),
]


def test_parallel_changes_of_one_member_leave_one_answer_per_question(
    app, town, process, make_member, make_survey, login
):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("needs parallel connections with row locks (PostgreSQL)")
    from app.surveys import results
    from app.surveys.models import Survey

    survey = make_survey(process, questions=QUESTIONS, anonymous=False, results_visibility="live")
    member = make_member(town, Role.CITIZEN)
    first = app.test_client()
    login(first, member)
    options = survey.q("single").options
    assert first.post(_url(town, survey), data=_answers(survey, options[0], 1, "erst")).status_code
    barrier = threading.Barrier(PARALLEL)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def change(n: int) -> None:
        client = app.test_client()  # its own session cookie; its own database connection
        login(client, member)
        try:
            barrier.wait()
            reply = client.post(
                _url(town, survey),
                data=_answers(survey, options[n % len(options)], 1 + n % 5, f"Idee {n}"),
            )
            statuses.append(reply.status_code)
        except BaseException as exc:  # re-raised below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=change, args=(n,)) for n in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert statuses == [302] * PARALLEL  # every change was saved, one after the other

    with app.app_context():
        response_ids = list(db.session.scalars(select(Response.id)))
        assert len(response_ids) == 1
        rows = db.session.execute(
            select(Answer.question_id, func.count())
            .where(Answer.response_id == response_ids[0])
            .group_by(Answer.question_id)
        ).all()
        assert dict(rows) == {q.id: 1 for q in survey.questions}
        figures = results.compute(db.session.get(Survey, survey.id))
        assert figures.total == 1
        single = next(r for r in figures.questions if r.question.id == survey.q("single").id)
        assert single.answered == 1
        assert sum(row.count for row in single.rows) == 1  # the member is counted once


def test_the_database_refuses_a_second_answer_row_for_one_value(
    app, town, process, make_member, make_survey, login, client
):
    """The unique constraints hold even for code that forgets the lock (SQLite and PostgreSQL)."""
    survey = make_survey(process, questions=QUESTIONS, anonymous=False)
    member = make_member(town, Role.CITIZEN)
    login(client, member)
    options = survey.q("single").options
    client.post(_url(town, survey), data=_answers(survey, options[0], 3, "erst"))
    with app.app_context():
        response_id = db.session.scalar(select(Response.id))
        for duplicate in (
            Answer(
                response_id=response_id, question_id=survey.q("single").id, option_id=options[0]
            ),
            Answer(response_id=response_id, question_id=survey.q("scale").id, value_int=4),
        ):
            db.session.add(duplicate)
            with pytest.raises(IntegrityError):
                db.session.flush()
            db.session.rollback()
