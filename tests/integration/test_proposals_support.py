"""Supporting proposals: one click, taken back, one per person (a database constraint), exact counts
under concurrent clicks, without JavaScript (a form POST) and with htmx (the widget in place)."""

from __future__ import annotations

import threading

import proposals_support
import pytest
from proposals_support import DAY, Town, create_proposal, load
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.core.time import utcnow
from app.extensions import db
from app.processes.models import Phase
from app.proposals import services
from app.proposals.models import Proposal, ProposalStatus, ProposalSupport

town = proposals_support.town  # the fixture


def _count(app, proposal_id: int) -> tuple[int, int]:
    """The kept counter and the real number of support rows."""
    with app.app_context():
        kept = db.session.get(Proposal, proposal_id).support_count
        rows = db.session.scalar(
            select(func.count()).where(ProposalSupport.proposal_id == proposal_id)
        )
        return kept, rows


def test_member_supports_with_a_form_post_and_takes_it_back(app, client, login, town: Town):
    proposal_id = create_proposal(app, town.process, town.users["staff"], xss=False)
    login(client, town.users["citizen"])
    page = client.get(town.url(proposal_id)).get_data(as_text=True)
    assert f'action="{town.url(proposal_id, "support")}"' in page
    response = client.post(town.url(proposal_id, "support"), data={"next": town.base})
    assert response.status_code == 302
    assert response.headers["Location"] == town.base
    assert _count(app, proposal_id) == (1, 1)
    page = client.get(town.url(proposal_id)).get_data(as_text=True)
    assert f'action="{town.url(proposal_id, "unsupport")}"' in page
    assert client.post(town.url(proposal_id, "unsupport")).status_code == 302
    assert _count(app, proposal_id) == (0, 0)


def test_supporting_twice_counts_once(app, client, login, town: Town):
    proposal_id = create_proposal(app, town.process, town.users["staff"], xss=False)
    login(client, town.users["citizen"])
    client.post(town.url(proposal_id, "support"))
    client.post(town.url(proposal_id, "support"))
    assert _count(app, proposal_id) == (1, 1)
    client.post(town.url(proposal_id, "unsupport"))
    client.post(town.url(proposal_id, "unsupport"))
    assert _count(app, proposal_id) == (0, 0)


def test_one_support_per_person_is_a_database_constraint(app, town: Town):
    proposal_id = create_proposal(app, town.process, town.users["staff"], xss=False)
    with app.app_context():
        db.session.add(ProposalSupport(proposal_id=proposal_id, user_id=town.users["citizen"].id))
        db.session.commit()
        db.session.add(ProposalSupport(proposal_id=proposal_id, user_id=town.users["citizen"].id))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_the_next_address_must_stay_on_this_site(app, client, login, town: Town):
    proposal_id = create_proposal(app, town.process, town.users["staff"], xss=False)
    login(client, town.users["citizen"])
    response = client.post(town.url(proposal_id, "support"), data={"next": "https://evil.example/"})
    assert response.headers["Location"].startswith(town.url(proposal_id))


def test_with_htmx_the_widget_is_swapped_and_the_count_announced(app, client, login, town: Town):
    proposal_id = create_proposal(app, town.process, town.users["staff"], xss=False)
    login(client, town.users["citizen"])
    response = client.post(
        town.url(proposal_id, "support"), data={"next": town.base}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith(f'<div class="support-widget" id="support-{proposal_id}">')
    assert "<html" not in body
    assert '<div id="proposal-live" hx-swap-oob="innerHTML">' in body
    assert "1 Unterstützung" in body
    assert f'hx-post="{town.url(proposal_id, "unsupport")}"' in body
    assert f'id="support-button-{proposal_id}"' in body  # htmx gives focus back to it


def test_pages_carry_a_polite_live_region_and_htmx(app, client, login, town: Town):
    proposal_id = create_proposal(app, town.process, town.users["staff"], xss=False)
    login(client, town.users["citizen"])
    for url in (town.base, town.url(proposal_id)):
        page = client.get(url).get_data(as_text=True)
        assert (
            '<div id="proposal-live" class="visually-hidden" role="status" aria-live="polite">'
            in page
        )
        assert "vendor/htmx/htmx.min.js" in page
        assert f'hx-target="#support-{proposal_id}"' in page


def test_citizen_cannot_support_after_phase_end(app, client, login, town: Town):
    proposal_id = create_proposal(app, town.process, town.users["staff"], xss=False)
    with app.app_context():
        phase = db.session.scalar(select(Phase).where(Phase.process_id == town.process.id))
        phase.starts_at, phase.ends_at = utcnow() - 5 * DAY, utcnow() - DAY
        db.session.commit()
    login(client, town.users["citizen"])
    page = client.get(town.url(proposal_id)).get_data(as_text=True)
    assert "/support" not in page
    assert client.post(town.url(proposal_id, "support")).status_code == 403
    assert client.post(town.url(proposal_id, "unsupport")).status_code == 403
    assert _count(app, proposal_id) == (0, 0)
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        with pytest.raises(services.NotAllowed):
            services.support(db.session.get(User, town.users["citizen"].id), proposal)


def test_anonymous_visitors_and_other_towns_cannot_support(app, client, login, town: Town):
    proposal_id = create_proposal(app, town.process, town.users["staff"], xss=False)
    response = client.post(town.url(proposal_id, "support"))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client, town.users["other_staff"])
    assert client.post(town.url(proposal_id, "support")).status_code == 403
    assert _count(app, proposal_id) == (0, 0)


@pytest.mark.parametrize("state", ["withdrawn", "merged"])
def test_withdrawn_and_merged_proposals_take_no_support(app, client, login, town: Town, state):
    values = (
        {"withdrawn_at": utcnow()} if state == "withdrawn" else {"status": ProposalStatus.MERGED}
    )
    proposal_id = create_proposal(app, town.process, town.users["staff"], xss=False, **values)
    login(client, town.users["citizen"])
    assert client.post(town.url(proposal_id, "support")).status_code == 403
    assert _count(app, proposal_id) == (0, 0)


def test_the_list_shows_which_proposals_i_support(app, client, login, town: Town):
    first = create_proposal(app, town.process, town.users["staff"], xss=False)
    second = create_proposal(app, town.process, town.users["staff"], xss=False)
    login(client, town.users["citizen"])
    client.post(town.url(first, "support"))
    page = client.get(town.base).get_data(as_text=True)
    assert f'action="{town.url(first, "unsupport")}"' in page
    assert f'action="{town.url(second, "support")}"' in page


def _run_concurrently(app, jobs) -> list[BaseException]:
    """Run each job in its own thread (and database connection) at the same moment."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job) -> None:
        try:
            with app.app_context():
                barrier.wait()
                job()
                db.session.commit()
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_concurrent_supports_of_distinct_people_count_exactly(app, make_member, town: Town):
    """N people click at the same moment: N support rows, and the kept counter says N."""
    proposal_id = create_proposal(app, town.process, town.users["staff"], xss=False)
    supporters = [make_member(town.municipality, xss=False) for _ in range(12)]

    def supporter(user_id: int):
        def job() -> None:
            proposal = db.session.get(Proposal, proposal_id)
            assert services.support(db.session.get(User, user_id), proposal)

        return job

    errors = _run_concurrently(app, [supporter(user.id) for user in supporters])
    assert not errors, errors
    assert _count(app, proposal_id) == (12, 12)


def test_concurrent_double_clicks_of_one_person_count_once(app, town: Town):
    proposal_id = create_proposal(app, town.process, town.users["staff"], xss=False)
    user_id = town.users["citizen"].id
    results: list[bool] = []

    def job() -> None:
        proposal = db.session.get(Proposal, proposal_id)
        results.append(services.support(db.session.get(User, user_id), proposal))

    errors = _run_concurrently(app, [job] * 6)
    assert not errors, errors
    assert sorted(results) == [False] * 5 + [True]
    assert _count(app, proposal_id) == (1, 1)


def test_concurrent_take_backs_of_one_person_count_once(app, make_member, town: Town):
    """A person who supported, and sends the taking back several times at once: one row goes,
    and the counter drops by one, not by the number of clicks."""
    proposal_id = create_proposal(app, town.process, town.users["staff"], xss=False)
    people = [make_member(town.municipality, xss=False) for _ in range(3)]
    with app.app_context():
        for user in people:
            services.support(db.session.get(User, user.id), db.session.get(Proposal, proposal_id))
        db.session.commit()
    results: list[bool] = []

    def job() -> None:
        proposal = db.session.get(Proposal, proposal_id)
        results.append(services.unsupport(db.session.get(User, people[0].id), proposal))

    errors = _run_concurrently(app, [job] * 6)
    assert not errors, errors
    assert sorted(results) == [False] * 5 + [True]
    assert _count(app, proposal_id) == (2, 2)


def test_concurrent_supports_and_withdrawals_keep_the_counter_exact(app, make_member, town: Town):
    proposal_id = create_proposal(app, town.process, town.users["staff"], xss=False)
    people = [make_member(town.municipality, xss=False) for _ in range(10)]
    with app.app_context():
        for user in people[:5]:
            services.support(db.session.get(User, user.id), db.session.get(Proposal, proposal_id))
        db.session.commit()

    def toggle(user_id: int, add: bool):
        def job() -> None:
            proposal = db.session.get(Proposal, proposal_id)
            action = services.support if add else services.unsupport
            assert action(db.session.get(User, user_id), proposal)

        return job

    jobs = [toggle(u.id, False) for u in people[:5]] + [toggle(u.id, True) for u in people[5:]]
    errors = _run_concurrently(app, jobs)
    assert not errors, errors
    assert _count(app, proposal_id) == (5, 5)
    loaded = load(app, Proposal, proposal_id)
    assert loaded.support_count == 5
