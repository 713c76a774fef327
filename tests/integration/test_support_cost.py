"""What a support costs: the statements of one support POST, and the rules answered inside them.

The participation guards (blocks, residency) are answered inside the statement that loads the
proposal, and the consent check inside the one that loads the logged-in person (with their
memberships). These tests prove both that nothing is asked on its own any more and that every rule
still decides as before.
"""

from __future__ import annotations

import re
from datetime import timedelta

import proposals_support
import pytest
from proposals_support import Town, create_proposal, promise_answers
from sqlalchemy import event, func, select

from app.accounts.models import User
from app.core.time import utcnow
from app.extensions import db
from app.municipalities.models import Municipality
from app.proposals.models import ProposalSupport

town = proposals_support.town  # the fixture
REASON = "Wiederholt beleidigend"


def _statements(app):
    """``with _statements(app) as seen:`` the SQL statements run inside the block."""
    from contextlib import contextmanager

    @contextmanager
    def recording():
        seen: list[str] = []

        def record(_conn, _cursor, statement, *_args) -> None:
            seen.append(" ".join(statement.split()))

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield seen
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return recording()


def _main_table(statement: str) -> str:
    """The table a statement is about: the one after its FROM, INTO or UPDATE outside of any
    parentheses (not a subquery's)."""
    depth, top = 0, []
    for char in statement:
        depth += {"(": 1, ")": -1}.get(char, 0)
        top.append(char if depth == 0 or char == ")" else " ")
    found = re.search(r"\b(?:FROM|INTO|UPDATE)\s+(\w+)", "".join(top))
    return found.group(1) if found else statement[:20]


def test_a_support_post_runs_four_statements_and_no_guard_asks_on_its_own(
    app, client, login, make_member, town: Town
):
    proposal = create_proposal(app, town.process, town.users["citizen"], xss=False)
    person = make_member(town.municipality, xss=False)
    login(client, person)
    client.get(town.url(proposal))
    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
    for action, count in (("support", "1"), ("unsupport", "0")):
        with _statements(app) as seen:
            response = client.post(town.url(proposal, action), headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert f"{count}</strong>" in response.get_data(as_text=True)
        # The tenant with the person, their memberships and consents; the process with its
        # phases and formats; the proposal with its contribution and the guards; the insert (or
        # delete) and the counter update that returns the answer promise: one statement on
        # PostgreSQL (WITH changed AS (INSERT …) UPDATE proposals …), two on SQLite.
        tables = [_main_table(s) for s in seen]
        assert len(seen) <= (4 if postgresql else 5), tables
        assert "users" not in tables, tables
        if postgresql:
            assert tables[-1] == "proposals" and seen[-1].startswith("WITH changed AS ("), seen
        for guarded in ("blocks", "residency_rules", "residency_verifications", "memberships"):
            assert guarded not in tables, tables
        for asked_with_login in ("legal_documents", "consents"):
            assert asked_with_login not in tables, tables


def test_a_support_moves_the_page_cache_generation(app, make_member, monkeypatch, town: Town):
    """Anonymous pages kept by the page cache show the new count: the support (on PostgreSQL a
    statement that starts with WITH; on SQLite a change with RETURNING) counts as a write, and so
    does its taking back. On PostgreSQL a support that changes nothing does not (SQLite cannot tell
    before the returned rows are read, and counts it)."""
    from app import create_app
    from app.proposals import services
    from app.proposals.models import Proposal

    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    person = make_member(town.municipality, xss=False)
    monkeypatch.setenv("TEST_PAGE_CACHE_URL", "memory://")
    cached = create_app("testing")
    store = cached.extensions["page_cache"]
    with cached.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
    try:
        for action, moves in (
            (services.support, True),
            (services.support, False),  # already there: nothing written
            (services.unsupport, True),
            (services.unsupport, False),
        ):
            with cached.app_context():
                before = store.generation()
                action(db.session.get(User, person.id), db.session.get(Proposal, proposal_id))
                db.session.commit()
                db.session.remove()
                moved = store.generation() - before
                assert moved == (1 if moves or not postgresql else 0), action
    finally:
        with cached.app_context():
            db.session.remove()
            db.engine.dispose()


def _block(app, town: Town, blocked, until, municipality=None) -> None:
    from app.moderation import services

    with app.app_context():
        services.block(
            db.session.get(User, town.users["moderator"].id),
            db.session.get(Municipality, (municipality or town.municipality).id),
            db.session.get(User, blocked.id),
            until,
            REASON,
        )
        db.session.commit()


def _supports(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ProposalSupport))


@pytest.mark.parametrize(
    ("until", "elsewhere", "refused"),
    [
        (None, False, True),  # for good
        (timedelta(days=3), False, True),  # for a while, still running
        (-timedelta(minutes=1), False, False),  # ended a minute ago
        (None, True, False),  # in another municipality only
    ],
)
def test_the_block_answered_with_the_proposal_decides_as_before(
    app, client, login, make_member, town: Town, until, elsewhere, refused
):
    proposal = create_proposal(app, town.process, town.users["citizen"], xss=False)
    person = make_member(town.municipality, xss=False)
    _block(
        app,
        town,
        person,
        None if until is None else utcnow() + until,
        town.other if elsewhere else None,
    )
    login(client, person)
    widget = client.post(town.url(proposal, "support"), headers={"HX-Request": "true"})
    assert widget.status_code == 200
    assert (REASON in widget.text) is refused
    # A refused support leaves no button behind; an accepted one offers taking it back.
    assert ("/unsupport" in widget.text) is not refused
    assert _supports(app) == (0 if refused else 1)


def test_supporting_still_needs_a_membership(app, client, login, make_user, town: Town):
    proposal = create_proposal(app, town.process, town.users["citizen"], xss=False)
    outsider = make_user(xss=False)
    login(client, outsider)
    assert client.post(town.url(proposal, "support")).status_code == 403
    assert _supports(app) == 0


def _asks_consent(app) -> None:
    from app.privacy.models import LegalDocument, LegalKind

    with app.app_context():
        db.session.add(
            LegalDocument(
                municipality_id=None,
                kind=LegalKind.TERMS,
                version=1,
                source="Neu",
                body="<p>Neu</p>",
                asks_consent=True,
            )
        )
        db.session.commit()


def _answer(app, user, version: int, granted: bool) -> None:
    from app.privacy.models import Consent, ConsentKind

    with app.app_context():
        db.session.add(
            Consent(user_id=user.id, kind=ConsentKind.TERMS, version=version, granted=granted)
        )
        db.session.commit()


@pytest.mark.parametrize(
    ("answers", "asked"),
    [
        ([], True),  # the built-in version only: the new one is outstanding
        ([(1, True)], False),
        ([(1, True), (1, False)], True),  # accepted, then withdrawn: the last answer counts
        ([(1, False), (1, True)], False),
    ],
)
def test_the_consent_check_answered_with_the_login_decides_as_before(
    app, client, login, make_member, town: Town, answers, asked
):
    person = make_member(town.municipality, xss=False)
    login(client, person)
    _asks_consent(app)
    for version, granted in answers:
        _answer(app, person, version, granted)
    with _statements(app) as seen:
        response = client.get(f"/{town.municipality.slug}/")
    assert (response.status_code == 302 and "/account/consent" in response.location) is asked
    tables = [_main_table(s) for s in seen]
    assert "legal_documents" not in tables and "consents" not in tables, tables


def test_a_support_formats_no_date_and_the_open_gate_still_says_until_when(
    app, client, login, make_member, monkeypatch, town: Town
):
    """The open gate's message is made when shown: a support asks the gate twice and shows it
    never (formatting the phase's end was most of the gate's cost)."""
    from app.core.time import utcnow
    from app.processes import services as processes
    from app.processes.models import Process

    formatted: list = []
    real = processes._format_local
    monkeypatch.setattr(
        processes, "_format_local", lambda moment: formatted.append(1) or real(moment)
    )
    proposal = create_proposal(app, town.process, town.users["citizen"], xss=False)
    login(client, make_member(town.municipality, xss=False))
    response = client.post(town.url(proposal, "support"), headers={"HX-Request": "true"})
    assert response.status_code == 200 and "1</strong>" in response.text
    assert formatted == []
    with app.test_request_context("/"):
        process = db.session.get(Process, town.process.id)
        gate = processes.phase_gate(process, utcnow())
        assert gate.allowed
        ends = process.open_participation_phase(utcnow()).ends_at
        assert str(gate.message) == f"Die Beteiligung ist bis {real(ends)} möglich."


def _supported(app, town: Town, proposal_id: int, people, start) -> None:
    """Each person supports, an hour after the one before."""
    from app.proposals import services
    from app.proposals.models import Proposal

    for n, person in enumerate(people):
        with app.app_context():
            services.support(
                db.session.get(User, person.id),
                db.session.get(Proposal, proposal_id),
                now=start + timedelta(hours=n),
            )
            db.session.commit()


def _due_and_truth(app, proposal_id: int, threshold: int, days: int):
    """The kept deadline, and the one the supports say (the N-th's time plus the days)."""
    from app.proposals.models import Proposal

    with app.app_context():
        nth = db.session.scalars(
            select(ProposalSupport.created_at)
            .where(ProposalSupport.proposal_id == proposal_id)
            .order_by(ProposalSupport.created_at, ProposalSupport.id)
            .offset(threshold - 1)
            .limit(1)
        ).first()
        kept = db.session.get(Proposal, proposal_id).answer_due_at
        return kept, (None if nth is None else nth + timedelta(days=days))


def test_taking_back_a_support_after_the_nth_asks_nothing_more(
    app, client, login, make_member, town: Town
):
    """The taken-back support's time comes back with the change: one after the N-th cannot move
    the deadline, so no statement looks for the N-th (a support POST stays at five statements on
    PostgreSQL however many supports a proposal has); one among the first N still moves it."""
    promise_answers(app, town.process, threshold=2, days=10)
    proposal = create_proposal(app, town.process, town.users["citizen"], xss=False)
    people = [make_member(town.municipality, xss=False) for _ in range(4)]
    _supported(app, town, proposal, people[:3], utcnow() - timedelta(hours=20))
    assert _due_and_truth(app, proposal, 2, 10)[0] is not None
    login(client, people[2])  # the third: after the N-th
    with app.app_context():
        most = 5 if db.engine.dialect.name == "postgresql" else 6
    with _statements(app) as seen:
        response = client.post(town.url(proposal, "unsupport"), headers={"HX-Request": "true"})
    assert response.status_code == 200 and "2</strong>" in response.text
    assert len(seen) <= most, seen
    assert not [s for s in seen if "ORDER BY proposal_supports.created_at" in s]
    kept, truth = _due_and_truth(app, proposal, 2, 10)
    assert kept == truth is not None
    login(client, people[0])  # the first: the deadline moves to the (new) second's time
    assert client.post(town.url(proposal, "unsupport")).status_code == 302
    kept, truth = _due_and_truth(app, proposal, 2, 10)
    assert truth is None and kept is None  # one support left, threshold two
    login(client, people[3])
    assert client.post(town.url(proposal, "support")).status_code == 302
    kept, truth = _due_and_truth(app, proposal, 2, 10)
    assert kept == truth is not None


def test_concurrent_take_backs_keep_the_deadline_exact(app, make_member, town: Town):
    """Five supports, threshold three: the first and the fourth are taken back at the same
    moment. When the first goes first, the fourth becomes the N-th in the deadline it leaves, and
    taking the fourth back must move it again (to the fifth): each change compares the deadline
    the counter update found, after the changes before it, never the one loaded before. Four
    rounds, so that both orders come up."""
    import threading

    from app.proposals import services
    from app.proposals.models import Proposal

    promise_answers(app, town.process, threshold=3, days=10)
    people = [make_member(town.municipality, xss=False) for _ in range(5)]
    for _round in range(4):
        proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
        _supported(app, town, proposal_id, people, utcnow() - timedelta(hours=20))
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def take_back(person, proposal_id=proposal_id, barrier=barrier, errors=errors) -> None:
            try:
                with app.app_context():
                    user = db.session.get(User, person.id)
                    proposal = db.session.get(Proposal, proposal_id)
                    barrier.wait()
                    assert services.unsupport(user, proposal)
                    db.session.commit()
            except BaseException as exc:  # reported by the test
                errors.append(exc)

        threads = [threading.Thread(target=take_back, args=(p,)) for p in (people[0], people[3])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        kept, truth = _due_and_truth(app, proposal_id, 3, 10)
        assert kept == truth is not None
