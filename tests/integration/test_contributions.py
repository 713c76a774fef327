"""The shared contribution row and comment threads every contribution kind builds on."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.contributions import kinds, services
from app.contributions.models import Contribution, Thread, Visibility
from app.core.roles import Role, TrialogGroup
from app.extensions import db
from app.processes.models import Process


@pytest.mark.parametrize(
    ("role", "group"),
    [
        (Role.CITIZEN, TrialogGroup.CITIZENS),
        (Role.STAFF, TrialogGroup.ADMINISTRATION),
        (Role.COUNCIL, TrialogGroup.COUNCIL),
        (Role.FACILITATOR, TrialogGroup.FACILITATION),
    ],
)
def test_a_contribution_keeps_the_authors_group_at_the_time_of_writing(
    app, make_municipality, make_member, make_process, role, group
):
    from app.municipalities.models import Membership

    town = make_municipality()
    author = make_member(town, role)
    process = make_process(town)
    with app.app_context():
        contribution = services.start_contribution(
            db.session.get(User, author.id), db.session.get(Process, process.id), "test"
        )
        db.session.commit()
        assert contribution.author_group == group
        # A later role change does not rewrite who said what.
        membership = db.session.scalar(select(Membership).where(Membership.user_id == author.id))
        membership.role = Role.ADMIN
        db.session.commit()
        assert db.session.get(Contribution, contribution.id).author_group == group


def test_a_guard_refuses_writing(app, make_municipality, make_member, make_process, monkeypatch):
    town = make_municipality()
    author = make_member(town)
    process = make_process(town)

    def blocked(user, process):
        raise services.ContributionRefused("blocked")

    monkeypatch.setattr(services, "_guards", [blocked])
    with app.app_context(), pytest.raises(services.ContributionRefused):
        services.start_contribution(
            db.session.get(User, author.id), db.session.get(Process, process.id), "test"
        )


def test_premoderated_processes_start_contributions_pending(
    app, make_municipality, make_member, make_process
):
    town = make_municipality()
    author = make_member(town)
    process = make_process(town)
    with app.app_context():
        loaded = db.session.get(Process, process.id)
        loaded.premoderated = True  # the moderation issue adds the column; the rule reads it
        contribution = services.start_contribution(db.session.get(User, author.id), loaded, "test")
        assert contribution.visibility == Visibility.PENDING


def test_comment_counter_stays_exact_under_concurrent_writers(app, make_municipality, make_process):
    town = make_municipality()
    process = make_process(town)
    with app.app_context():
        thread = services.new_thread(db.session.get(Process, process.id))
        db.session.commit()
        thread_id = thread.id

    writers, per_writer = 8, 10
    barrier = threading.Barrier(writers)

    def write() -> None:
        with app.app_context():
            barrier.wait()
            for _ in range(per_writer):
                services.change_comment_count(thread_id, +1)
                db.session.commit()

    threads = [threading.Thread(target=write) for _ in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context():
        assert db.session.get(Thread, thread_id).comment_count == writers * per_writer


def test_describe_asks_each_kind_once_for_all_its_contributions(monkeypatch):
    calls: list[list[int]] = []

    def describe_test(ids):
        ids = list(ids)
        calls.append(ids)
        return {i: kinds.Shown(f"T{i}", "", f"/x/{i}") for i in ids}

    monkeypatch.setattr(kinds, "_KINDS", {})
    kinds.register_kind(kinds.Kind("test", "Test", describe_test))
    items = [Contribution(id=i, kind="test") for i in (1, 2, 3)] + [Contribution(id=9, kind="gone")]
    shown = kinds.describe(items)
    assert calls == [[1, 2, 3]]
    assert set(shown) == {1, 2, 3}
    with pytest.raises(ValueError, match="twice"):
        kinds.register_kind(kinds.Kind("test", "Test", describe_test))
