"""Staff and admin writes sent at the same instant (two people, or a double click), with the
threads and barrier of ``test_races``, on SQLite and on PostgreSQL as in production
(``TEST_DATABASE_URL``): each rule holds whoever wins, and the loser gets the normal answer or a
clear message, never a 500.

- a proposal's status is changed once: the second of two staff is told someone answered
  meanwhile (its form again, with what it typed); one change, one audit entry, one announcement;
- a legal page's versions keep one number each, the platform's own pages included (a database
  rule since migration 0023): two saves at once become two versions, neither a 500;
- a person holds one active residency verification per town: a database rule beside the lock;
- two platform admins creating towns with one address: the second gets the form with its error;
- a comment is marked as the official answer once: one audit entry.
"""

from __future__ import annotations

import threading

import pytest
from moderation_support import audit_actions
from proposals_support import create_proposal
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from test_races import PARALLEL, only, race

from app.accounts.models import User
from app.core.roles import Role
from app.core.time import utcnow
from app.extensions import db
from app.municipalities import services as municipalities
from app.municipalities.models import FederalState, Municipality
from app.privacy import legal
from app.privacy.models import LegalDocument, LegalKind
from app.proposals import services as proposals
from app.proposals import signals as proposal_signals
from app.proposals.models import Proposal, ProposalStatus, ProposalStatusChange
from app.residency.models import ResidencyVerification, VerificationMethod


def _count(app, statement) -> int:
    with app.app_context():
        return db.session.scalar(statement)


# --- a proposal's status ------------------------------------------------------------------------


@pytest.fixture
def answered(app, make_municipality, make_member, make_process):
    """A town, PARALLEL staff members, and a new proposal in a process that takes them."""
    town = make_municipality(xss=False)
    staff = [make_member(town, Role.STAFF, xss=False) for _ in range(PARALLEL)]
    author = make_member(town, Role.CITIZEN, xss=False)
    process = make_process(town, xss=False, formats=("proposals",))
    return town, staff, create_proposal(app, process, author, xss=False)


def test_two_staff_changing_a_status_at_once_record_one_change_and_announce_it_once(app, answered):
    """Both read the new proposal before either wrote (the second barrier), as two staff with
    the answer form open do: the first change is stored and announced; the others are told that
    the status changed meanwhile, instead of each storing and announcing the same change."""
    _town, staff, proposal_id = answered
    heard: list[int] = []
    read = threading.Barrier(PARALLEL)

    def count(change, **_):
        heard.append(change.id)

    def answer(actor_id: int, n: int):
        def act():
            proposal = db.session.get(Proposal, proposal_id)
            assert proposal.status == ProposalStatus.SUBMITTED
            read.wait()
            return proposals.change_status(
                db.session.get(User, actor_id),
                proposal,
                ProposalStatus.ACCEPTED,
                f"Wird umgesetzt ({n}).",
                "Bauamt",
            ).id

        return act

    with proposal_signals.status_changed.connected_to(count):
        results, errors = race(app, [answer(s.id, n) for n, s in enumerate(staff)])
    assert len(results) == 1, (results, errors)
    only(errors, proposals.StatusChangedMeanwhile)
    assert {(e.field, e.status) for e in errors} == {("status", ProposalStatus.ACCEPTED)}
    assert _count(app, select(func.count()).select_from(ProposalStatusChange)) == 1
    assert heard == results
    assert audit_actions(app, action="proposal.status") == ["proposal.status"]


def test_the_loser_of_a_status_race_gets_the_answer_form_with_a_message_not_a_500(
    app, client, login, answered, monkeypatch
):
    """Another staff member's answer commits after this request read the proposal: the form comes
    back (422) saying so, with the text as typed, and nothing more is stored."""
    town, staff, proposal_id = answered
    original = proposals.change_status

    def winner():
        return original(
            db.session.get(User, staff[1].id),
            db.session.get(Proposal, proposal_id),
            ProposalStatus.REJECTED,
            "Nicht umsetzbar.",
            "Bauamt",
        ).id

    def after_the_winner(*args, **kwargs):
        won, errors = race(app, [winner])  # another request, committed meanwhile
        assert errors == [] and won
        return original(*args, **kwargs)

    monkeypatch.setattr(proposals, "change_status", after_the_winner)
    login(client, staff[0])
    with app.app_context():
        process_id = db.session.get(Proposal, proposal_id).process_id
    response = client.post(
        f"/{town.slug}/admin/processes/{process_id}/proposals/{proposal_id}/answer",
        data={"status": "accepted", "response": "Wird gemacht, ganz sicher.", "office": "Amt"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Wird gemacht, ganz sicher." in page  # nothing typed is lost
    with app.test_request_context():
        message = str(proposals.StatusChangedMeanwhile(ProposalStatus.REJECTED))
    assert message.split("“")[0] in page
    with app.app_context():
        changes = db.session.scalars(select(ProposalStatusChange.status)).all()
    assert changes == [ProposalStatus.REJECTED]


# --- legal texts --------------------------------------------------------------------------------


def _save(municipality_id: int | None, actor_id: int, n: int):
    return lambda: (
        legal.save_version(
            db.session.get(Municipality, municipality_id) if municipality_id else None,
            LegalKind.IMPRINT,
            f"# Impressum\n\nFassung {n}",
            actor=db.session.get(User, actor_id),
        ).version
    )


def _versions(app, municipality_id: int | None) -> list[int]:
    column = LegalDocument.municipality_id
    where = column.is_(None) if municipality_id is None else column == municipality_id
    with app.app_context():
        return sorted(db.session.scalars(select(LegalDocument.version).where(where)))


def test_town_admins_saving_a_legal_page_at_once_store_numbered_versions_without_a_500(
    app, make_municipality, make_member
):
    town = make_municipality(xss=False)
    admins = [make_member(town, Role.ADMIN, xss=False) for _ in range(2)]
    results, errors = race(app, [_save(town.id, a.id, n) for n, a in enumerate(admins)])
    assert errors == []
    assert sorted(results) == _versions(app, town.id) == [1, 2]
    assert audit_actions(app, action="legal.updated") == ["legal.updated"] * 2


def test_platform_admins_saving_a_platform_page_at_once_store_one_number_per_version(
    app, make_user
):
    """The platform's pages have no municipality: the unique constraint never matched them, and
    both saves stored version 1. The partial unique index refuses the second; it takes 2."""
    admins = [make_user(xss=False, is_platform_admin=True) for _ in range(PARALLEL)]
    results, errors = race(app, [_save(None, a.id, n) for n, a in enumerate(admins)])
    assert errors == []
    assert sorted(results) == _versions(app, None) == list(range(1, PARALLEL + 1))


def test_the_database_refuses_a_platform_version_number_twice(app, make_user):
    admin = make_user(xss=False, is_platform_admin=True)
    with app.app_context():
        for _ in range(2):
            db.session.add(
                LegalDocument(
                    municipality_id=None,
                    kind=LegalKind.TERMS,
                    version=1,
                    source="x",
                    body="<p>x</p>",
                    created_by_id=admin.id,
                )
            )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_a_save_that_keeps_losing_the_number_is_told_to_send_again(
    app, client, login, make_user, monkeypatch
):
    """Every try meets a version someone else stored at that moment (here: the highest number is
    read as one too low each time): nothing is stored and the form says so, with the text."""
    admin = make_user(xss=False, is_platform_admin=True)
    with app.test_request_context():
        legal.save_version(
            None, LegalKind.IMPRINT, "Erste Fassung", actor=db.session.get(User, admin.id)
        )
        db.session.commit()
    monkeypatch.setattr(legal, "_highest", lambda municipality, kind: 0)
    login(client, admin)
    response = client.post("/platform/legal/impressum", data={"body": "Meine neue Fassung"})
    assert response.status_code == 422, response.status_code
    page = response.get_data(as_text=True)
    assert "Meine neue Fassung" in page
    with app.test_request_context():
        message = str(legal.VersionConflict())
    assert message.split(";")[0] in page
    assert _versions(app, None) == [1]


# --- residency ----------------------------------------------------------------------------------


def test_the_database_holds_one_active_verification_per_person_and_town(
    app, make_municipality, make_member
):
    town = make_municipality(xss=False)
    person = make_member(town, Role.CITIZEN, xss=False)

    def verification(**values) -> ResidencyVerification:
        return ResidencyVerification(
            municipality_id=town.id, user_id=person.id, method=VerificationMethod.LETTER, **values
        )

    with app.app_context():
        db.session.add_all([verification(revoked_at=utcnow()), verification()])
        db.session.commit()  # a revoked one beside the active one is history, not a duplicate
        db.session.add(verification())
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


# --- towns --------------------------------------------------------------------------------------


def _town_data(name: str) -> municipalities.MunicipalityData:
    return municipalities.MunicipalityData(
        name=name, slug="neustadt", federal_state=FederalState.BW
    )


def test_platform_admins_creating_towns_with_one_address_at_once_create_one(app, make_user):
    admins = [make_user(xss=False, is_platform_admin=True) for _ in range(PARALLEL)]

    def create(actor_id: int, n: int):
        return lambda: (
            municipalities.save_municipality(
                db.session.get(User, actor_id), _town_data(f"Neustadt {n}")
            ).id
        )

    results, errors = race(app, [create(a.id, n) for n, a in enumerate(admins)])
    assert len(results) == 1, (results, errors)
    only(errors, municipalities.SlugTaken)
    assert _count(app, select(func.count()).select_from(Municipality)) == 1
    assert audit_actions(app, action="municipality.create") == ["municipality.create"]


def test_the_loser_of_a_town_address_race_gets_the_form_with_its_error_not_a_500(
    app, client, login, make_user, monkeypatch
):
    """The address was free when checked; another admin's town took it before the insert."""
    admins = [make_user(xss=False, is_platform_admin=True) for _ in range(2)]
    checked = municipalities.slug_is_free

    def winner():
        return municipalities.save_municipality(
            db.session.get(User, admins[1].id), _town_data("Neustadt am Wald")
        ).id

    def free_then_taken(slug: str, **kwargs) -> bool:
        free = checked(slug, **kwargs)
        monkeypatch.setattr(municipalities, "slug_is_free", checked)
        won, errors = race(app, [winner])  # another request, committed meanwhile
        assert errors == [] and won
        return free

    monkeypatch.setattr(municipalities, "slug_is_free", free_then_taken)
    login(client, admins[0])
    response = client.post(
        "/platform/municipalities/new",
        data={"name": "Neustadt an der See", "slug": "neustadt", "federal_state": "BW"},
    )
    assert response.status_code == 422, response.status_code
    page = response.get_data(as_text=True)
    assert "Neustadt an der See" in page
    with app.app_context():
        names = db.session.scalars(select(Municipality.name)).all()
    assert names == ["Neustadt am Wald"]


# --- the official answer ------------------------------------------------------------------------


def test_a_comment_marked_official_many_times_at_once_is_audited_once(
    app, make_municipality, make_member, make_process
):
    from comments_support import write_comment

    from app.comments import services as comments
    from app.comments.models import Comment

    town = make_municipality(xss=False)
    staff = [make_member(town, Role.STAFF, xss=False) for _ in range(PARALLEL)]
    process = make_process(town, xss=False, formats=("comments",))
    comment_id = write_comment(app, staff[0], process, "Die Verwaltung antwortet.")

    def mark(actor_id: int):
        return lambda: comments.set_official(
            db.session.get(User, actor_id), db.session.get(Comment, comment_id), True
        )

    _results, errors = race(app, [mark(s.id) for s in staff])
    assert errors == []
    assert audit_actions(app, action="comment.official_answer") == ["comment.official_answer"]
    with app.app_context():
        assert db.session.get(Comment, comment_id).is_official_answer

    def unmark(actor_id: int):
        return lambda: comments.set_official(
            db.session.get(User, actor_id), db.session.get(Comment, comment_id), False
        )

    _results, errors = race(app, [unmark(s.id) for s in staff])
    assert errors == []
    assert audit_actions(app, action="comment.official_answer_removed") == [
        "comment.official_answer_removed"
    ]
