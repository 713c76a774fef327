"""The facilitator network and first consultations (issue 17).

- Only approved facilitator profiles are public; an edit sends a profile back to review; only
  platform admins review.
- A municipality's staff request a first consultation; process architects answer and propose
  facilitators from the directory; the municipality accepts one, who then has the facilitator role
  there (audit log); the request's history keeps every step and cannot be rewritten.
- The participation concept filled during the consultation becomes a draft process with its
  concept fields and phases.
- Architects, the municipality's officials and the accepted facilitator hear of what concerns them.
- Another municipality's staff cannot see or act on a request.
"""

from __future__ import annotations

from datetime import date, timedelta

import facilitation_support
import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.core.audit import AuditEntry
from app.core.roles import Role
from app.core.time import utcnow
from app.extensions import db
from app.facilitation import services
from app.facilitation.models import (
    ConsultationRequest,
    ConsultationStep,
    FacilitatorProfile,
    HistoryIsAppendOnly,
    ProfileStatus,
    RequestStatus,
    StepKind,
)
from app.municipalities.models import Membership, Municipality
from app.notifications.models import Event
from app.processes.models import DecisionMaker, PhaseKind, Process, ProcessState

town = facilitation_support.town
staff = facilitation_support.staff
architect = facilitation_support.architect


@pytest.fixture(autouse=True)
def english(client):
    client.get("/lang/en")


@pytest.fixture
def other_town(make_municipality):
    return make_municipality(xss=False, slug="anderort")


@pytest.fixture
def admin(make_user):
    return make_user(xss=False, is_platform_admin=True)


@pytest.fixture
def facilitator(make_user):
    return make_user(xss=False)


PROFILE = {
    "region": "Südbaden",
    "methods": "World Café <script>alert(1)</script>",
    "languages": "Deutsch, Englisch",
    "references": "Marktplatz Musterstadt",
    "about": "",
}
REQUEST = {
    "topic": "Lärmaktionsplan",
    "goals": "Weniger Lärm",
    "timing": "Frühjahr",
    "local_context": "Ortsdurchfahrt",
    "previous_experience": "",
}


def _approved_profile(app, user, reviewer) -> int:
    with app.app_context():
        profile = services.save_profile(
            db.session.get(User, user.id), services.ProfileData(**PROFILE)
        )
        services.review_profile(db.session.get(User, reviewer.id), profile, approve=True)
        db.session.commit()
        return profile.id


def _request(app, town, staff) -> int:
    with app.app_context():
        request = services.submit_request(
            db.session.get(User, staff.id),
            db.session.get(Municipality, town.id),
            services.RequestData(**REQUEST),
        )
        db.session.commit()
        return request.id


# --- the directory ------------------------------------------------------------------------------


def test_profile_is_public_only_after_approval(app, client, login, facilitator, admin):
    login(client, facilitator)
    assert client.post("/facilitators/profile", data=PROFILE).status_code == 302
    with app.app_context():
        profile = db.session.scalar(select(FacilitatorProfile))
        profile_id = profile.id
        assert profile.status == ProfileStatus.PENDING
    page = client.get(f"/facilitators/{profile_id}")
    assert page.status_code == 200  # the owner sees their own
    assert b"<script>alert(1)" not in page.data
    client.get("/logout")
    anonymous = app.test_client()
    assert anonymous.get(f"/facilitators/{profile_id}").status_code == 404
    assert facilitator.display_name.encode() not in anonymous.get("/facilitators/").data

    login(client, admin)
    assert client.post(f"/platform/facilitators/{profile_id}/approve").status_code == 302
    assert anonymous.get(f"/facilitators/{profile_id}").status_code == 200
    assert facilitator.display_name.encode() in anonymous.get("/facilitators/").data
    with app.app_context():
        assert db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "facilitator_profile.approve")
        )


def test_editing_an_approved_profile_sends_it_back_to_review(app, facilitator, admin):
    profile_id = _approved_profile(app, facilitator, admin)
    with app.app_context():
        services.save_profile(
            db.session.get(User, facilitator.id), services.ProfileData(**{**PROFILE, "region": "X"})
        )
        db.session.commit()
        assert db.session.get(FacilitatorProfile, profile_id).status == ProfileStatus.PENDING
        assert db.session.scalars(services.approved_profiles()).all() == []


@pytest.mark.parametrize("who", ["facilitator", "architect", "staff"])
def test_only_platform_admins_review_profiles(app, client, login, facilitator, request, who, admin):
    with app.app_context():
        profile = services.save_profile(
            db.session.get(User, facilitator.id), services.ProfileData(**PROFILE)
        )
        db.session.commit()
        profile_id = profile.id
    login(client, request.getfixturevalue(who))
    assert client.post(f"/platform/facilitators/{profile_id}/approve").status_code == 403
    assert client.get("/platform/facilitators").status_code == 403


def test_platform_admin_makes_someone_a_process_architect(app, client, login, admin, staff):
    login(client, admin)
    response = client.post("/platform/architects", data={"email": staff.email})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, staff.id).is_process_architect
        assert db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "process_architect.grant")
        )
    assert (
        client.post("/platform/architects", data={"email": "nobody@x.example"}).status_code == 422
    )


# --- the consultation workflow ------------------------------------------------------------------


def test_consultation_through_to_the_facilitators_membership(
    app, client, login, town, staff, architect, facilitator, admin
):
    profile_id = _approved_profile(app, facilitator, admin)
    login(client, staff)
    response = client.post("/musterort/admin/consultations/new", data=REQUEST)
    assert response.status_code == 302
    with app.app_context():
        request_id = db.session.scalar(select(ConsultationRequest.id))
        kinds = db.session.scalars(select(Event.kind)).all()
        assert "consultation_requested" in kinds

    login(client, architect)
    assert client.get("/consultations/").status_code == 200
    assert client.get(f"/consultations/{request_id}").status_code == 200
    assert (
        client.post(
            f"/consultations/{request_id}/message", data={"message-body": "Gern beraten wir Sie."}
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"/consultations/{request_id}/propose",
            data={"propose-profile_id": profile_id, "propose-note": "passt gut"},
        ).status_code
        == 302
    )
    with app.app_context():
        request = db.session.get(ConsultationRequest, request_id)
        assert request.status == RequestStatus.PROPOSED
        assert "facilitator_proposed" in db.session.scalars(select(Event.kind)).all()

    login(client, staff)
    page = client.get(f"/musterort/admin/consultations/{request_id}")
    assert facilitator.display_name.encode() in page.data
    response = client.post(
        f"/musterort/admin/consultations/{request_id}/accept",
        data={"facilitator_id": facilitator.id},
    )
    assert response.status_code == 302
    with app.app_context():
        membership = db.session.scalar(
            select(Membership).where(
                Membership.user_id == facilitator.id, Membership.municipality_id == town.id
            )
        )
        assert membership.role == Role.FACILITATOR
        request = db.session.get(ConsultationRequest, request_id)
        assert request.status == RequestStatus.ACCEPTED
        assert request.facilitator_id == facilitator.id
        assert [s.kind for s in request.steps] == [
            StepKind.SUBMITTED,
            StepKind.MESSAGE,
            StepKind.PROPOSAL,
            StepKind.ACCEPTED,
        ]
        actions = set(db.session.scalars(select(AuditEntry.action)))
        assert {"membership.role", "consultation.accept"} <= actions
        accepted = db.session.scalar(select(Event).where(Event.kind == "facilitator_accepted"))
        assert accepted.payload["user_id"] == facilitator.id


def test_only_a_proposed_approved_facilitator_can_be_accepted(
    app, town, staff, architect, facilitator, admin, make_user
):
    _approved_profile(app, facilitator, admin)
    stranger = make_user(xss=False)
    request_id = _request(app, town, staff)
    with app.app_context():
        request = db.session.get(ConsultationRequest, request_id)
        actor = db.session.get(User, staff.id)
        with pytest.raises(services.FacilitationError):
            services.accept_facilitator(actor, request, stranger.id)
        with pytest.raises(services.FacilitationError):
            services.accept_facilitator(actor, request, facilitator.id)  # not proposed yet
        pending = services.save_profile(
            db.session.get(User, stranger.id), services.ProfileData(**PROFILE)
        )
        with pytest.raises(services.FacilitationError):
            services.propose_facilitator(db.session.get(User, architect.id), request, pending)


def test_history_steps_cannot_be_rewritten(app, town, staff):
    request_id = _request(app, town, staff)
    with app.app_context():
        step = db.session.scalar(
            select(ConsultationStep).where(ConsultationStep.request_id == request_id)
        )
        step.body = "rewritten"
        with pytest.raises(HistoryIsAppendOnly):
            db.session.flush()
        db.session.rollback()


def test_citizens_and_facilitators_of_the_town_cannot_request(client, login, town, make_member):
    for role in (Role.CITIZEN, Role.FACILITATOR, Role.COUNCIL):
        login(client, make_member(town, role, xss=False))
        assert client.get("/musterort/admin/consultations/new").status_code == 403
        assert client.post("/musterort/admin/consultations/new", data=REQUEST).status_code == 403


def test_non_architects_cannot_use_the_desk(app, client, login, town, staff):
    request_id = _request(app, town, staff)
    login(client, staff)
    assert client.get("/consultations/").status_code == 403
    assert client.get(f"/consultations/{request_id}").status_code == 403
    assert (
        client.post(f"/consultations/{request_id}/message", data={"message-body": "x"}).status_code
        == 403
    )


# --- isolation ----------------------------------------------------------------------------------


def test_other_municipalitys_staff_cannot_see_or_act_on_a_request(
    app, client, login, town, other_town, staff, make_member, facilitator, admin, architect
):
    profile_id = _approved_profile(app, facilitator, admin)
    request_id = _request(app, town, staff)
    with app.app_context():
        services.propose_facilitator(
            db.session.get(User, architect.id),
            db.session.get(ConsultationRequest, request_id),
            db.session.get(FacilitatorProfile, profile_id),
        )
        db.session.commit()
    for role in (Role.STAFF, Role.ADMIN):
        intruder = make_member(other_town, role, xss=False)
        login(client, intruder)
        # through their own town's address the id finds nothing
        base = f"/anderort/admin/consultations/{request_id}"
        assert client.get(base).status_code == 404
        assert (
            client.post(f"{base}/accept", data={"facilitator_id": facilitator.id}).status_code
            == 404
        )
        assert client.post(f"{base}/message", data={"message-body": "x"}).status_code == 404
        assert client.post(f"{base}/draft").status_code == 404
        # through the request's town they are not officials there
        home = f"/musterort/admin/consultations/{request_id}"
        assert client.get(home).status_code == 403
        assert (
            client.post(f"{home}/accept", data={"facilitator_id": facilitator.id}).status_code
            == 403
        )
        assert b"L\xc3\xa4rmaktionsplan" not in client.get("/anderort/admin/consultations/").data
    with app.app_context():
        request = db.session.get(ConsultationRequest, request_id)
        assert request.status == RequestStatus.PROPOSED
        assert [s.kind for s in request.steps] == [StepKind.SUBMITTED, StepKind.PROPOSAL]


# --- the concept becomes the draft --------------------------------------------------------------


def test_the_concept_becomes_the_draft_process(app, client, login, town, staff, architect):
    request_id = _request(app, town, staff)
    start = date.today() + timedelta(days=10)
    login(client, architect)
    response = client.post(
        f"/consultations/{request_id}/concept",
        data={
            "concept-summary": "Kurz gesagt",
            "concept-goal": "Ein Ziel",
            "concept-question": "Was stört Sie?",
            "concept-decision_maker": "council",
            "concept-input_use": "Alles geht in die Vorlage.",
            "concept-information_title": "Info",
            "concept-information_start": start.isoformat(),
            "concept-information_end": (start + timedelta(days=6)).isoformat(),
            "concept-participation_start": (start + timedelta(days=7)).isoformat(),
            "concept-participation_end": (start + timedelta(days=20)).isoformat(),
        },
    )
    assert response.status_code == 302
    login(client, staff)
    response = client.post(f"/musterort/admin/consultations/{request_id}/draft")
    assert response.status_code == 302
    with app.app_context():
        request = db.session.get(ConsultationRequest, request_id)
        process = db.session.get(Process, request.process_id)
        assert process.municipality_id == town.id
        assert process.state == ProcessState.DRAFT
        assert process.title == "Lärmaktionsplan"
        assert process.summary == "Kurz gesagt"
        assert "Ein Ziel" in process.goal
        assert process.decision_maker == DecisionMaker.COUNCIL
        assert [(p.kind, p.title) for p in process.phases] == [
            (PhaseKind.INFORMATION, "Info"),
            (PhaseKind.PARTICIPATION, "Participation"),
        ]
        assert process.phases[0].ends_at == process.phases[1].starts_at
        assert request.steps[-1].kind == StepKind.DRAFT
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "process.create"))
    # once only
    assert client.post(f"/musterort/admin/consultations/{request_id}/draft").status_code == 422


@pytest.mark.parametrize(
    ("first", "last"), [("0001-01-01", "0001-01-09"), ("9999-12-01", "9999-12-31")]
)
def test_phase_dates_beyond_the_calendar_are_refused_in_the_template(
    app, client, login, town, staff, architect, first, last
):
    """Saved, they made the draft's phases later: a day start before the year 1 in UTC, or the
    day after 9999-12-31, each a 500."""
    request_id = _request(app, town, staff)
    login(client, architect)
    response = client.post(
        f"/consultations/{request_id}/concept",
        data={"concept-information_start": first, "concept-information_end": last},
    )
    assert response.status_code == 422
    assert b"1900" in response.data
    with app.app_context():
        assert db.session.get(ConsultationRequest, request_id).concept == {}


def test_overlapping_phases_are_refused_in_the_template(app, client, login, town, staff, architect):
    request_id = _request(app, town, staff)
    start = date.today()
    login(client, architect)
    response = client.post(
        f"/consultations/{request_id}/concept",
        data={
            "concept-information_start": start.isoformat(),
            "concept-information_end": (start + timedelta(days=6)).isoformat(),
            "concept-participation_start": (start + timedelta(days=3)).isoformat(),
            "concept-participation_end": (start + timedelta(days=9)).isoformat(),
        },
    )
    assert response.status_code == 422
    assert b"overlap" in response.data
    with app.app_context():
        assert db.session.get(ConsultationRequest, request_id).concept == {}


def test_demo_seeds_two_profiles_and_a_request(app, ctx):
    from app.demo import seed_demo

    seed_demo()
    assert len(db.session.scalars(services.approved_profiles()).all()) == 2
    request = db.session.scalar(select(ConsultationRequest))
    assert request.status == RequestStatus.PROPOSED
    assert request.concept["phases"]
    _ = utcnow


def test_the_ways_in_are_offered_to_those_who_may_use_them(
    client, login, town, staff, architect, admin, make_member
):
    """The directory from every footer; the request from the back office; the desk for architects."""
    assert 'href="/facilitators/"' in client.get("/").text
    login(client, staff)
    assert f'href="/{town.slug}/admin/consultations/"' in client.get(f"/{town.slug}/admin/").text
    assert 'href="/consultations/"' not in client.get("/account").text
    login(client, make_member(town, Role.MODERATOR))
    assert "/admin/consultations/" not in client.get(f"/{town.slug}/admin/").text
    login(client, architect)
    assert 'href="/consultations/"' in client.get("/account").text
    login(client, admin)
    page = client.get("/platform/municipalities").text
    for path in ("/platform/facilitators", "/platform/architects", "/consultations/"):
        assert f'href="{path}"' in page
