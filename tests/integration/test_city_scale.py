"""City scale: the answer promise's kept deadline follows the supports exactly, and reading the
promise's figures costs the same number of queries however many supports a process has."""

from __future__ import annotations

from datetime import timedelta

import proposals_support
from proposals_support import Town, create_proposal

from app.accounts.models import User
from app.core.time import utcnow
from app.extensions import db
from app.processes.models import Process
from app.proposals import promise, services
from app.proposals.models import Proposal, ProposalSettings

town = proposals_support.town  # the fixture
HOUR = timedelta(hours=1)


def _promise(app, town: Town, threshold: int, days: int) -> None:
    with app.app_context():
        db.session.add(
            ProposalSettings(
                process_id=town.process.id, answer_threshold=threshold, answer_days=days
            )
        )
        db.session.commit()


def _act(app, action, user, proposal_id: int, at) -> Proposal:
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        action(db.session.get(User, user.id), proposal, now=at)
        db.session.commit()
        return db.session.get(Proposal, proposal_id)


def _due(app, proposal_id: int):
    with app.app_context():
        return db.session.get(Proposal, proposal_id).answer_due_at


def test_deadline_is_set_when_the_threshold_is_crossed_and_moves_with_taken_back_supports(
    app, make_member, town: Town
):
    _promise(app, town, threshold=2, days=10)
    people = [make_member(town.municipality, xss=False) for _ in range(3)]
    proposal = create_proposal(app, town.process, town.users["citizen"], xss=False)
    start = utcnow() - timedelta(hours=20)  # within the running phase
    _act(app, services.support, people[0], proposal, start)
    assert _due(app, proposal) is None  # one support, threshold two
    _act(app, services.support, people[1], proposal, start + HOUR)
    assert _due(app, proposal) == start + HOUR + timedelta(days=10)
    _act(app, services.support, people[2], proposal, start + 2 * HOUR)
    assert _due(app, proposal) == start + HOUR + timedelta(days=10)  # a later one: unchanged
    _act(app, services.unsupport, people[0], proposal, start + 3 * HOUR)
    assert _due(app, proposal) == start + 2 * HOUR + timedelta(days=10)  # the clock moves on
    _act(app, services.unsupport, people[1], proposal, start + 3 * HOUR)
    assert _due(app, proposal) is None  # below the threshold again


def test_changing_the_promise_recomputes_every_deadline(app, client, login, make_member, town):
    _promise(app, town, threshold=2, days=10)
    people = [make_member(town.municipality, xss=False) for _ in range(2)]
    proposal = create_proposal(app, town.process, town.users["citizen"], xss=False)
    start = utcnow() - timedelta(hours=20)  # within the running phase
    _act(app, services.support, people[0], proposal, start)
    assert _due(app, proposal) is None
    login(client, town.users["staff"])
    response = client.post(
        town.admin("settings"), data={"answer_threshold": "1", "answer_days": "3"}
    )
    assert response.status_code in (302, 303)
    assert _due(app, proposal) == start + timedelta(days=3)
    _act(app, services.support, people[1], proposal, start + HOUR)
    assert _due(app, proposal) == start + timedelta(days=3)
    client.post(town.admin("settings"), data={"answer_threshold": "", "answer_days": ""})
    assert _due(app, proposal) is None


def test_promise_figures_and_list_cost_the_same_queries_with_many_supports(
    app, client, make_member, count_queries, town: Town
):
    _promise(app, town, threshold=1, days=10)
    people = [make_member(town.municipality, xss=False) for _ in range(12)]
    first = create_proposal(app, town.process, town.users["citizen"], xss=False)
    _act(app, services.support, people[0], first, utcnow() - 10 * HOUR)
    client.get(town.base)
    with count_queries() as few:
        assert client.get(town.base).status_code == 200
    for person in people:
        other = create_proposal(app, town.process, town.users["citizen"], xss=False)
        _act(app, services.support, person, other, utcnow() - HOUR)
        _act(app, services.support, person, first, utcnow() - HOUR)
    with count_queries() as many:
        assert client.get(town.base).status_code == 200
    assert many.count == few.count
    with app.app_context():
        record = promise.answer_record(db.session.get(Process, town.process.id), utcnow())
    assert (record.overdue, record.pending, record.on_time) == (0, 13, 0)


def test_support_post_statements_stay_bounded(
    app, client, login, make_member, count_queries, town: Town
):
    _promise(app, town, threshold=50, days=10)
    proposal = create_proposal(app, town.process, town.users["citizen"], xss=False)
    person = make_member(town.municipality, xss=False)
    login(client, person)
    client.get(town.url(proposal))
    with count_queries() as counted:
        response = client.post(town.url(proposal, "support"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    # A regression guard at today's count (29 on SQLite, 30 on PostgreSQL: login, phase gate,
    # moderation guards, the widget); the goal of a handful is not reached yet (bench/results.md).
    assert counted.count <= 30
