"""Writes that many requests may send at the same instant (gunicorn workers on PostgreSQL): each
rule below holds whoever wins, and the losers get a domain error their view turns into a clear
page (never a 500).

The requests start in threads at one barrier (``race``), each with its own application context
and so its own session and connection, the way workers do; where the window is too small to hit
by chance, the test lets the other request commit at the worst moment instead. The races proved
next to their domains (``grep -rl Barrier tests/``: supports, reactions, comment counts, survey
answers, reports, event seats, memberships, registrations, mail queue, digests, phase changes)
are not repeated here; these had no test:

- tokens: a reset link sets one password; an invitation is accepted once; a residency code
  verifies one person, and a person holds one verification per town; a new address confirmed
  by two people has one owner;
- one council statement per member, one outcome per process, an outcome published once;
- a moderation decision is taken once (two moderators, a double click); an author is blocked,
  and the block lifted, once;
- publishing (a process, a survey, a draft version), starting a draft version, accepting a
  facilitator, creating the consultation's draft process, revoking a verification, voiding a
  code batch, asking for a data export: once each;
- events: one confirmation mail for many clicks; fewer seats set while people register never
  overbook; a seat freed as the event is called off moves nobody up;
- a survey's questions cannot change under its first response;
- two admins demoting each other leave one admin; a notification choice is one row;
- the kept proposal counts stay exact while proposals are written and changed at once;
- the losers of a reset and an invitation race get a page, through the routes.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import date, timedelta

import outcomes_support
import pytest
from moderation_support import KIND, audit_actions, contribute, ensure_test_kind
from proposals_support import create_proposal
from sqlalchemy import func, select

from app.accounts import services as accounts
from app.accounts.models import User
from app.accounts.passwords import verify_password
from app.contributions import kinds
from app.contributions.models import Contribution
from app.core.roles import Role
from app.core.time import utcnow
from app.core.tokens import InvalidToken
from app.events import services as events
from app.events.models import (
    EventRegistration,
    OnsiteEvent,
    RegistrationMode,
    RegistrationStatus,
)
from app.extensions import db
from app.moderation import services as moderation
from app.moderation.models import Block, Decision
from app.municipalities import services as municipalities
from app.municipalities.models import Invitation, Membership, Municipality
from app.outcomes import services as outcomes
from app.outcomes import signals as outcome_signals
from app.outcomes.models import CouncilStatement, Outcome
from app.processes.models import PhaseKind, Process
from app.residency import services as residency
from app.residency.models import ResidencyCode, ResidencyVerification

PARALLEL = 4

english = outcomes_support.english
town = outcomes_support.town
evaluating = outcomes_support.evaluating


def race(app, actions: list[Callable[[], object]]) -> tuple[list[object], list[BaseException]]:
    """Run ``actions`` at once, each in its own thread and request context, each committing what
    it did (or rolling back what it refused). Returns what they returned and what they raised."""
    barrier = threading.Barrier(len(actions))
    lock = threading.Lock()
    results: list[object] = []
    errors: list[BaseException] = []

    def run(action: Callable[[], object]) -> None:
        with app.test_request_context():
            try:
                barrier.wait()
                result = action()
                db.session.commit()
                with lock:
                    results.append(result)
            except BaseException as exc:  # collected; the test says which ones are expected
                db.session.rollback()
                with lock:
                    errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def _count(app, statement) -> int:
    with app.app_context():
        return db.session.scalar(statement)


def only(errors: list[BaseException], *kinds: type[BaseException]) -> None:
    """Every loser got one of the domain errors its view answers with a page of its own."""
    unexpected = [e for e in errors if not isinstance(e, kinds)]
    assert unexpected == [], unexpected


# --- tokens -------------------------------------------------------------------------------------


def test_a_reset_link_sent_many_times_at_once_sets_one_password(app, make_user):
    user = make_user(xss=False)
    with app.test_request_context():
        token = accounts.make_token(
            accounts.RESET,
            {"id": user.id, "fp": accounts._password_fingerprint(db.session.get(User, user.id))},
        )
    passwords = [f"neues passwort nummer {n}" for n in range(PARALLEL)]

    def reset(password: str):
        return lambda: accounts.reset_password(token, password) and password

    results, errors = race(app, [reset(p) for p in passwords])
    assert len(results) == 1, (results, errors)
    only(errors, InvalidToken)
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert verify_password(stored.password_hash, results[0])
        assert stored.session_version == user.session_version + 1  # sessions ended once


def test_an_invitation_accepted_many_times_at_once_is_accepted_once(
    app, make_municipality, make_member, make_user
):
    town = make_municipality(xss=False)
    admin = make_member(town, Role.ADMIN, xss=False)
    invitee = make_user(xss=False)
    with app.test_request_context():
        invitation, _token = municipalities.invite(
            db.session.get(User, admin.id),
            db.session.get(Municipality, town.id),
            invitee.email,
            Role.STAFF,
        )
        db.session.commit()
        invitation_id = invitation.id

    def accept():
        invitation = db.session.get(Invitation, invitation_id)
        if invitation.accepted_at is not None:  # what invitation_for_token checks first
            raise InvalidToken("used")
        return municipalities.accept_invitation(db.session.get(User, invitee.id), invitation).id

    results, errors = race(app, [accept] * PARALLEL)
    assert len(results) == 1, (results, errors)
    only(errors, InvalidToken)
    with app.app_context():
        memberships = db.session.scalars(
            select(Membership).where(Membership.user_id == invitee.id)
        ).all()
        assert [(m.municipality_id, m.role) for m in memberships] == [(town.id, Role.STAFF)]
    assert audit_actions(app, action="invitation.accept") == ["invitation.accept"]


def test_a_residency_code_raced_by_several_people_verifies_one(app, make_municipality, make_member):
    town = make_municipality(xss=False)
    staff = make_member(town, Role.STAFF, xss=False)
    people = [make_member(town, Role.CITIZEN, xss=False) for _ in range(PARALLEL)]
    with app.test_request_context():
        _batch, (code,) = residency.generate_batch(
            db.session.get(Municipality, town.id), 1, db.session.get(User, staff.id)
        )
        db.session.commit()

    def redeem(person_id: int):
        return lambda: residency.redeem(db.session.get(User, person_id), code).user_id

    results, errors = race(app, [redeem(p.id) for p in people])
    assert len(results) == 1, (results, errors)
    only(errors, residency.InvalidCode)
    with app.app_context():
        verified = db.session.scalars(select(ResidencyVerification.user_id)).all()
        assert verified == results
        assert db.session.scalar(select(ResidencyCode.used_by_id)) == results[0]


def test_one_person_redeeming_two_codes_at_once_is_verified_once(
    app, make_municipality, make_member
):
    town = make_municipality(xss=False)
    staff = make_member(town, Role.STAFF, xss=False)
    person = make_member(town, Role.CITIZEN, xss=False)
    with app.test_request_context():
        _batch, codes = residency.generate_batch(
            db.session.get(Municipality, town.id), PARALLEL, db.session.get(User, staff.id)
        )
        db.session.commit()

    def redeem(code: str):
        return lambda: residency.redeem(db.session.get(User, person.id), code).id

    results, errors = race(app, [redeem(c) for c in codes])
    assert len(results) == 1, (results, errors)
    only(errors, residency.AlreadyVerified)
    assert _count(app, select(func.count()).select_from(ResidencyVerification)) == 1
    # The losers' codes stay unused, for nobody lost anything by a double click.
    assert (
        _count(
            app,
            select(func.count()).select_from(ResidencyCode).where(ResidencyCode.used_at.is_(None)),
        )
        == PARALLEL - 1
    )


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="the share lock is PostgreSQL's; SQLite lets one writer at a time",
)
def test_a_change_of_the_questions_waits_for_a_first_response_being_stored(
    app, make_municipality, make_member, make_process, make_survey, login, monkeypatch
):
    """Staff delete an option just after the first person's answers were checked against it:
    the deletion waits for the response and is then refused (the survey has a response). Before,
    it went through and the response failed on the deleted option (a 500), or, a moment later,
    lost the answer to the deletion's cascade."""
    from app.surveys import services as surveys
    from app.surveys.models import Answer, Option
    from app.surveys.services import responses

    town = make_municipality(xss=False)
    staff = make_member(town, Role.STAFF, xss=False)
    person = make_member(town, Role.CITIZEN, xss=False)
    survey = make_survey(
        make_process(town, xss=False),
        xss=False,
        questions=[dict(type="single", text="Wie oft", required=True, options=["Oft", "Nie"])],
    )
    question = survey.questions[0]
    chosen = question.options[0]
    staff_side: dict = {}

    def delete_option():
        surveys.delete_option(db.session.get(User, staff.id), db.session.get(Option, chosen))

    def staff_deletes():
        staff_side["outcome"] = race(app, [delete_option])

    checked = responses.validate_answers

    def checked_then_staff_deletes(survey, submitted):
        values = checked(survey, submitted)
        staff_side["thread"] = threading.Thread(target=staff_deletes)
        staff_side["thread"].start()
        # Unfixed, the deletion commits well within this; fixed, it waits for this response.
        staff_side["thread"].join(timeout=2)
        return values

    monkeypatch.setattr(responses, "validate_answers", checked_then_staff_deletes)
    client = login(app.test_client(), person)
    url = f"/{town.slug}/processes/{survey.process_slug}/surveys/{survey.id}/"
    response = client.post(url, data={f"q{question.id}": str(chosen)})
    staff_side["thread"].join()
    assert response.status_code == 302
    _results, errors = staff_side["outcome"]
    assert [type(e) for e in errors] == [surveys.SurveyLocked]
    with app.app_context():
        assert db.session.get(Option, chosen) is not None
        assert db.session.scalars(select(Answer.option_id)).all() == [chosen]


# --- events -------------------------------------------------------------------------------------


def _event_data(capacity: int) -> events.EventData:
    start = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    return events.EventData(
        title="Werkstatt",
        description="<p>Ideen</p>",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        address="Rathaus",
        registration=RegistrationMode.LIMITED,
        capacity=capacity,
    )


def _limited_event(app, make_municipality, make_member, make_process, capacity: int):
    town = make_municipality(xss=False)
    staff = make_member(town, Role.STAFF, xss=False)
    process = make_process(town, xss=False)
    with app.test_request_context():
        event = events.create_event(
            db.session.get(Process, process.id),
            db.session.get(User, staff.id),
            _event_data(capacity),
        )
        db.session.commit()
        return town, staff, event.id


def test_one_person_registering_many_times_at_once_is_confirmed_by_one_mail(
    app, make_municipality, make_member, make_process
):
    """The seat was right before (``test_events``); the confirmation mail went out once per
    click that found no registration yet, which several clicks at once all did."""
    town, _staff, event_id = _limited_event(app, make_municipality, make_member, make_process, 5)
    person = make_member(town, Role.CITIZEN, xss=False)

    def click():
        _registration, made = events.enrol(
            db.session.get(OnsiteEvent, event_id), db.session.get(User, person.id)
        )
        return made

    results, errors = race(app, [click] * PARALLEL)
    assert errors == []
    assert sorted(results) == [False] * (PARALLEL - 1) + [True]
    with app.app_context():
        assert db.session.get(OnsiteEvent, event_id).confirmed_count == 1


def test_two_people_confirming_one_new_address_at_once_leave_one_owner(app, make_user):
    """Both were mailed a link to change to the same free address (its owner followed both): one
    change wins, the other is refused like a stale link instead of failing on the unique key."""
    people = [make_user(xss=False) for _ in range(PARALLEL)]
    with app.test_request_context():
        tokens = [
            accounts.make_token(
                accounts.CHANGE_EMAIL, {"id": p.id, "old": p.email, "new": "gemeinsam@example.org"}
            )
            for p in people
        ]

    def confirm(token: str):
        return lambda: accounts.confirm_email_change(token).id

    results, errors = race(app, [confirm(t) for t in tokens])
    assert len(results) == 1, (results, errors)
    only(errors, InvalidToken)
    with app.app_context():
        owners = db.session.scalars(
            select(User.id).where(User.email == "gemeinsam@example.org")
        ).all()
    assert owners == results


def test_two_admins_demoting_each_other_at_once_leave_one_admin(
    app, make_municipality, make_member
):
    town = make_municipality(xss=False)
    first, second = (make_member(town, Role.ADMIN, xss=False) for _ in range(2))

    def demote(actor_id: int, target_id: int):
        def act():
            membership = db.session.scalar(
                select(Membership).where(
                    Membership.user_id == target_id, Membership.municipality_id == town.id
                )
            )
            municipalities.change_role(db.session.get(User, actor_id), membership, Role.CITIZEN)

        return act

    results, errors = race(app, [demote(first.id, second.id), demote(second.id, first.id)])
    assert len(results) == 1, (results, errors)
    only(errors, municipalities.LastAdmin)
    with app.app_context():
        admins = db.session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.municipality_id == town.id, Membership.role == Role.ADMIN)
        )
    assert admins == 1


def test_a_notification_choice_saved_many_times_at_once_is_one_row(app, make_user):
    from app.notifications import services as notifications
    from app.notifications.models import Delivery, Preference

    person = make_user(xss=False)

    def choose():
        notifications.set_choice(person.id, "proposal_answer", Delivery.NEVER)

    _results, errors = race(app, [choose] * PARALLEL)
    assert errors == []
    with app.app_context():
        rows = db.session.scalars(select(Preference).where(Preference.user_id == person.id)).all()
        assert [(r.kind, r.delivery) for r in rows] == [("proposal_answer", Delivery.NEVER)]


def test_fewer_seats_set_while_people_register_never_overbook(
    app, make_municipality, make_member, make_process
):
    """Staff lower the seats to the number taken while others register: either the change is
    refused (more were taken meanwhile) or the newcomers wait; never more seats taken than
    there are."""
    town, _staff, event_id = _limited_event(app, make_municipality, make_member, make_process, 6)
    seated = [make_member(town, Role.CITIZEN, xss=False) for _ in range(3)]
    newcomers = [make_member(town, Role.CITIZEN, xss=False) for _ in range(PARALLEL)]
    with app.test_request_context():
        for person in seated:
            events.register(db.session.get(OnsiteEvent, event_id), db.session.get(User, person.id))
        db.session.commit()

    def lower():
        event = db.session.get(OnsiteEvent, event_id)
        data = _event_data(3)
        data.starts_at, data.ends_at = event.starts_at, event.ends_at
        return events.update_event(event, data)

    def register(person_id: int):
        return lambda: (
            events.register(
                db.session.get(OnsiteEvent, event_id), db.session.get(User, person_id)
            ).status.value
        )

    _results, errors = race(app, [lower] + [register(p.id) for p in newcomers])
    only(errors, events.EventError)
    with app.app_context():
        event = db.session.get(OnsiteEvent, event_id)
        taken = db.session.scalar(
            select(func.count())
            .select_from(EventRegistration)
            .where(
                EventRegistration.event_id == event_id,
                EventRegistration.status == RegistrationStatus.CONFIRMED,
            )
        )
        assert taken == event.confirmed_count <= event.capacity


def test_residency_revoked_and_codes_voided_by_two_people_at_once_are_audited_once(
    app, make_municipality, make_member
):
    town = make_municipality(xss=False)
    staff = [make_member(town, Role.STAFF, xss=False) for _ in range(2)]
    person = make_member(town, Role.CITIZEN, xss=False)
    with app.test_request_context():
        municipality = db.session.get(Municipality, town.id)
        verification = residency.verify_in_person(
            municipality, db.session.get(User, person.id), db.session.get(User, staff[0].id)
        )
        batch, _codes = residency.generate_batch(municipality, 2, db.session.get(User, staff[0].id))
        db.session.commit()
        verification_id, batch_id = verification.id, batch.id

    def revoke(actor_id: int):
        return lambda: residency.revoke(
            db.session.get(ResidencyVerification, verification_id),
            db.session.get(User, actor_id),
            "Weggezogen",
        )

    def void(actor_id: int):
        return lambda: residency.void_batch(
            db.session.get(Municipality, town.id), batch_id, db.session.get(User, actor_id)
        )

    _results, errors = race(app, [revoke(s.id) for s in staff] + [void(s.id) for s in staff])
    assert errors == []
    assert audit_actions(app, action="residency.revoked") == ["residency.revoked"]
    assert audit_actions(app, action="residency.codes_voided") == ["residency.codes_voided"]


def test_a_data_export_asked_for_many_times_at_once_is_made_once(app, make_user, monkeypatch):
    """For an account too large to export at once (the scheduler prepares it), one export waits;
    the other clicks are told it is being prepared."""
    from app.privacy import exports
    from app.privacy.models import DataExport

    monkeypatch.setitem(app.config, "DATA_EXPORT_INLINE_LIMIT", -1)
    person = make_user(xss=False)

    def ask():
        return exports.request_export(db.session.get(User, person.id)).id

    results, errors = race(app, [ask] * PARALLEL)
    assert len(results) == 1, (results, errors)
    only(errors, exports.ExportPending)
    assert _count(app, select(func.count()).select_from(DataExport)) == 1


# --- outcomes -----------------------------------------------------------------------------------


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="SQLite refuses one of two transactions that both read before writing (database is "
    "locked) instead of waiting; production runs on PostgreSQL (TEST_DATABASE_URL)",
)
def test_one_council_statement_per_member_when_saved_many_times_at_once(
    app, town, evaluating, make_member
):
    council = make_member(town, Role.COUNCIL, xss=False)

    def save(n: int):
        return lambda: (
            outcomes.save_statement(
                db.session.get(User, council.id),
                db.session.get(Process, evaluating.id),
                f"Meine Stellungnahme {n}",
            ).id
        )

    results, errors = race(app, [save(n) for n in range(PARALLEL)])
    assert results, errors
    only(errors, outcomes.NotAllowed)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CouncilStatement)) == 1
        kinds = db.session.scalars(select(Contribution.kind)).all()
        assert kinds == [outcomes.STATEMENT_KIND]  # the losers' contributions went with them


def test_an_outcome_written_by_several_people_at_once_is_one_outcome(
    app, town, evaluating, make_member
):
    people = [make_member(town, Role.STAFF, xss=False) for _ in range(PARALLEL)]
    proposal = create_proposal(app, evaluating, people[0], xss=False)

    def write(person_id: int, n: int):
        return lambda: (
            outcomes.save_outcome(
                db.session.get(User, person_id),
                db.session.get(Process, evaluating.id),
                outcomes.OutcomeData(summary=f"Beschluss {n}", adopted_ids=(proposal,)),
            ).id
        )

    results, errors = race(app, [write(p.id, n) for n, p in enumerate(people)])
    assert errors == []
    assert len(set(results)) == 1
    with app.app_context():
        outcome = db.session.scalar(select(Outcome))
        assert outcome.adopted_ids == [proposal]
        assert db.session.scalar(select(func.count()).select_from(Outcome)) == 1
    assert sorted(audit_actions(app, object_type="process")) == ["outcome.create"] + [
        "outcome.update"
    ] * (PARALLEL - 1)


def test_an_outcome_published_many_times_at_once_is_published_once(
    app, town, evaluating, make_member
):
    people = [make_member(town, Role.STAFF, xss=False) for _ in range(PARALLEL)]
    with app.test_request_context():
        outcomes.save_outcome(
            db.session.get(User, people[0].id),
            db.session.get(Process, evaluating.id),
            outcomes.OutcomeData(summary="Der Gemeinderat hat beschlossen."),
        )
        db.session.commit()
    announced: list[int] = []

    def heard(outcome, **_):
        announced.append(outcome.id)

    def publish(person_id: int):
        return lambda: (
            outcomes.publish_outcome(
                db.session.get(User, person_id), db.session.get(Process, evaluating.id), utcnow()
            ).id
        )

    outcome_signals.outcome_published.connect(heard)
    try:
        results, errors = race(app, [publish(p.id) for p in people])
    finally:
        outcome_signals.outcome_published.disconnect(heard)
    assert len(results) == 1, (results, errors)
    only(errors, outcomes.NotAllowed)
    assert len(announced) == 1
    assert audit_actions(app, action="outcome.publish") == ["outcome.publish"]
    with app.app_context():
        process = db.session.get(Process, evaluating.id)
        assert [p.kind for p in process.phases].count(PhaseKind.OUTCOME) == 1
        assert process.current_phase(utcnow()).kind == PhaseKind.OUTCOME
        assert db.session.scalar(select(Outcome.published_by_id)) in {p.id for p in people}


def test_a_double_click_on_publish_publishes_a_process_and_a_survey_once(
    app, make_municipality, make_member, make_process, make_survey
):
    from app.processes import services as processes
    from app.surveys.models import Survey
    from app.surveys.services import building

    town = make_municipality(xss=False)
    staff = make_member(town, Role.STAFF, xss=False)
    process = make_process(town, xss=False, state="draft", feedback_by=date(2027, 1, 31))
    survey = make_survey(make_process(town, xss=False), xss=False, state="draft")

    def publish_process():
        processes.publish(db.session.get(User, staff.id), db.session.get(Process, process.id))

    def publish_survey():
        building.publish(db.session.get(User, staff.id), db.session.get(Survey, survey.id))

    _results, errors = race(app, [publish_process] * PARALLEL + [publish_survey] * PARALLEL)
    assert errors == []
    assert audit_actions(app, action="process.publish") == ["process.publish"]
    assert audit_actions(app, action="survey.publish") == ["survey.publish"]


def test_a_seat_freed_as_the_event_is_called_off_moves_nobody_up(
    app, make_municipality, make_member, make_process
):
    """The cancellation of a registration loaded the event before staff called it off: the freed
    seat stays empty (nobody moves up for a cancelled event, and nobody is told of a seat)."""
    town, staff, event_id = _limited_event(app, make_municipality, make_member, make_process, 1)
    seated, waiting = (make_member(town, Role.CITIZEN, xss=False) for _ in range(2))
    with app.test_request_context():
        for person in (seated, waiting):
            events.register(db.session.get(OnsiteEvent, event_id), db.session.get(User, person.id))
        db.session.commit()

    def call_off():
        events.cancel_event(
            db.session.get(OnsiteEvent, event_id), db.session.get(User, staff.id), "Sturmwarnung"
        )

    with app.test_request_context():
        registration = db.session.scalar(
            select(EventRegistration).where(EventRegistration.user_id == seated.id)
        )
        assert not registration.event.is_cancelled  # loaded before the call-off
        _results, errors = race(app, [call_off])  # another request, committed meanwhile
        assert errors == []
        promoted = events.cancel(registration)
        db.session.commit()
    assert promoted == []
    with app.app_context():
        status = db.session.scalar(
            select(EventRegistration.status).where(EventRegistration.user_id == waiting.id)
        )
    assert status == RegistrationStatus.WAITING


# --- drafts and consultations ----------------------------------------------------------------------


def test_a_double_click_on_publish_publishes_a_draft_version_once(
    app, make_municipality, make_member, make_process
):
    from app.drafts import services as drafts
    from app.drafts.models import Draft

    town = make_municipality(xss=False)
    staff = make_member(town, Role.STAFF, xss=False)
    process = make_process(town, xss=False, formats=("drafts",))
    with app.test_request_context():
        actor = db.session.get(User, staff.id)
        draft = drafts.create_draft(actor, db.session.get(Process, process.id), "Leitbild")
        drafts.save_working(
            actor, draft, title="Leitbild", introduction_source="", body_source="## A\n\nText."
        )
        db.session.commit()
        draft_id = draft.id

    def publish():
        return drafts.publish(db.session.get(User, staff.id), db.session.get(Draft, draft_id)).id

    results, errors = race(app, [publish] * PARALLEL)
    assert len(results) == 1, (results, errors)
    only(errors, drafts.DraftError)
    assert audit_actions(app, action="draft.publish") == ["draft.publish"]

    def start():
        return drafts.start_version(
            db.session.get(User, staff.id), db.session.get(Draft, draft_id)
        ).number

    results, errors = race(app, [start] * PARALLEL)
    assert results == [2], (results, errors)
    only(errors, drafts.DraftError)


def test_officials_accepting_two_facilitators_at_once_accept_one(
    app, make_municipality, make_member, make_user
):
    from app.facilitation import services as facilitation
    from app.facilitation.models import ConsultationRequest, RequestStatus

    town = make_municipality(xss=False)
    officials = [make_member(town, Role.STAFF, xss=False) for _ in range(2)]
    admin = make_user(xss=False, is_platform_admin=True)
    people = [make_user(xss=False) for _ in range(2)]
    with app.test_request_context():
        reviewer = db.session.get(User, admin.id)
        request = facilitation.submit_request(
            db.session.get(User, officials[0].id),
            db.session.get(Municipality, town.id),
            facilitation.RequestData(topic="Lärm", goals="Ruhe", timing="bald", local_context="x"),
        )
        for person in people:
            profile = facilitation.save_profile(
                db.session.get(User, person.id),
                facilitation.ProfileData(region="Südbaden", methods="World Café", languages="de"),
            )
            facilitation.review_profile(reviewer, profile, approve=True)
            facilitation.propose_facilitator(reviewer, request, profile)
        db.session.commit()
        request_id = request.id

    def accept(official_id: int, person_id: int):
        return lambda: (
            facilitation.accept_facilitator(
                db.session.get(User, official_id),
                db.session.get(ConsultationRequest, request_id),
                person_id,
            ).id
        )

    results, errors = race(app, [accept(o.id, p.id) for o, p in zip(officials, people)])
    assert len(results) == 1, (results, errors)
    only(errors, facilitation.FacilitationError)
    with app.app_context():
        request = db.session.get(ConsultationRequest, request_id)
        assert request.status == RequestStatus.ACCEPTED
        assert request.facilitator_id == results[0]
        facilitators = db.session.scalars(
            select(Membership.user_id).where(
                Membership.municipality_id == town.id, Membership.role == Role.FACILITATOR
            )
        ).all()
        assert facilitators == results
    assert audit_actions(app, action="consultation.accept") == ["consultation.accept"]

    def draft(official_id: int):
        return lambda: (
            facilitation.create_draft(
                db.session.get(User, official_id), db.session.get(ConsultationRequest, request_id)
            ).id
        )

    results, errors = race(app, [draft(o.id) for o in officials])
    assert len(results) == 1, (results, errors)
    only(errors, facilitation.FacilitationError)
    assert _count(app, select(func.count()).select_from(Process)) == 1


# --- kept proposal counts ------------------------------------------------------------------------


def _kept_and_true(app, process_id: int) -> tuple[dict, dict]:
    """``proposal_counts`` for the process, and the same figures counted from the rows."""
    from app.proposals.models import Proposal, ProposalCount

    with app.app_context():
        kept = {
            (c.listed_as, c.author_group): c.n
            for c in db.session.scalars(
                select(ProposalCount).where(ProposalCount.process_id == process_id)
            )
            if c.n
        }
        true: dict = {}
        for proposal, contribution in db.session.execute(
            select(Proposal, Contribution)
            .join(Contribution, Contribution.id == Proposal.contribution_id)
            .where(Proposal.process_id == process_id)
        ):
            if contribution.visibility.value == "visible":
                key = "withdrawn" if proposal.withdrawn_at else proposal.status.value
                group = (key, contribution.author_group.value)
                true[group] = true.get(group, 0) + 1
    return kept, true


def test_kept_proposal_counts_stay_exact_under_concurrent_submits_and_changes(
    app, make_municipality, make_member, make_process
):
    """Proposals written at once, then each answered, hidden and withdrawn at once by staff, a
    moderator and its author: the kept counts equal the rows'. (The support counter has its own
    tests in ``test_proposals_support``.)"""
    from app.proposals import services as proposals
    from app.proposals.models import Proposal, ProposalStatus

    town = make_municipality(xss=False)
    authors = [make_member(town, Role.CITIZEN, xss=False) for _ in range(PARALLEL * 2)]
    staff = make_member(town, Role.STAFF, xss=False)
    moderator = make_member(town, Role.MODERATOR, xss=False)
    process = make_process(town, xss=False, formats=("proposals",))

    def submit(author_id: int):
        return lambda: (
            proposals.submit_proposal(
                db.session.get(User, author_id),
                db.session.get(Process, process.id),
                proposals.ProposalData(title="Mehr Bänke", description="Zum Ausruhen."),
            ).id
        )

    ids, errors = race(app, [submit(a.id) for a in authors])
    assert errors == [] and len(ids) == len(authors)
    kept, true = _kept_and_true(app, process.id)
    assert kept == true == {("submitted", "citizens"): len(authors)}

    def answer(proposal_id: int):
        return lambda: proposals.change_status(
            db.session.get(User, staff.id),
            db.session.get(Proposal, proposal_id),
            ProposalStatus.ACCEPTED,
            "Wird umgesetzt.",
            "Bauamt",
        )

    def hide(proposal_id: int):
        return lambda: moderation.hide(
            db.session.get(User, moderator.id),
            db.session.get(Proposal, proposal_id).contribution,
            "Beleidigend",
        )

    def withdraw(proposal_id: int):
        def act():
            proposal = db.session.get(Proposal, proposal_id)
            proposals.withdraw(db.session.get(User, proposal.contribution.author_id), proposal)

        return act

    changes = [make(i) for i in ids[:PARALLEL] for make in (answer, hide, withdraw)]
    changes += [answer(i) for i in ids[PARALLEL:]]
    _results, errors = race(app, changes)
    only(errors, proposals.NotAllowed, moderation.DecisionRefused)
    kept, true = _kept_and_true(app, process.id)
    assert kept == true
    assert sum(true.values()) == len(authors) - PARALLEL  # the hidden ones are not listed


# --- moderation ---------------------------------------------------------------------------------


@pytest.fixture
def moderated(app, make_municipality, make_member, make_process):
    ensure_test_kind()
    town = make_municipality(xss=False)
    return (
        town,
        [make_member(town, Role.MODERATOR, xss=False) for _ in range(PARALLEL)],
        make_member(town, Role.CITIZEN, xss=False),
        make_process(town, xss=False, premoderated=True),
    )


def _decide(action: str, actor_id: int, contribution_id: int, *args):
    return lambda: (
        getattr(moderation, action)(
            db.session.get(User, actor_id), db.session.get(Contribution, contribution_id), *args
        ).id
    )


def _decisions(app, contribution_id: int) -> list[str]:
    with app.app_context():
        return [
            d.value
            for d in db.session.scalars(
                select(Decision.action).where(Decision.contribution_id == contribution_id)
            )
        ]


def test_moderators_approving_at_once_publish_once(app, moderated):
    _town, moderators, author, process = moderated
    contribution = contribute(app, author, process, KIND)
    announced: list[int] = []
    original = kinds.announce

    def counting(contribution):
        announced.append(contribution.id)
        original(contribution)

    kinds.announce = counting
    try:
        results, errors = race(app, [_decide("approve", m.id, contribution) for m in moderators])
    finally:
        kinds.announce = original
    assert len(results) == 1, (results, errors)
    only(errors, moderation.DecisionRefused)
    assert _decisions(app, contribution) == ["approve"]
    assert announced == [contribution]
    assert audit_actions(app, action="moderation.approve") == ["moderation.approve"]


def test_a_double_click_on_hide_hides_once(app, moderated, make_process):
    town, moderators, author, _premoderated = moderated
    contribution = contribute(app, author, make_process(town, xss=False), KIND)
    results, errors = race(
        app, [_decide("hide", moderators[0].id, contribution, "Beleidigung")] * PARALLEL
    )
    assert len(results) == 1, (results, errors)
    only(errors, moderation.DecisionRefused)
    assert _decisions(app, contribution) == ["hide"]


def test_moderators_rejecting_and_approving_at_once_take_one_decision(app, moderated):
    _town, moderators, author, process = moderated
    contribution = contribute(app, author, process, KIND)
    actions = [
        _decide("approve", moderators[0].id, contribution),
        _decide("reject", moderators[1].id, contribution, "Nicht zum Thema"),
        _decide("approve", moderators[2].id, contribution),
        _decide("reject", moderators[3].id, contribution, "Nicht zum Thema"),
    ]
    results, errors = race(app, actions)
    assert len(results) == 1, (results, errors)
    only(errors, moderation.DecisionRefused)
    decided = _decisions(app, contribution)
    assert len(decided) == 1
    with app.app_context():
        visibility = db.session.get(Contribution, contribution).visibility.value
    assert visibility == {"approve": "visible", "reject": "hidden"}[decided[0]]


def test_two_moderators_blocking_one_author_at_once_block_once(app, moderated):
    town, moderators, author, _process = moderated

    def block(moderator_id: int):
        return lambda: (
            moderation.block(
                db.session.get(User, moderator_id),
                db.session.get(Municipality, town.id),
                db.session.get(User, author.id),
                None,
                "Wiederholte Beleidigungen",
            ).id
        )

    results, errors = race(app, [block(m.id) for m in moderators])
    assert len(results) == 1, (results, errors)
    only(errors, moderation.BlockRefused)
    assert audit_actions(app, action="moderation.block") == ["moderation.block"]

    def lift(moderator_id: int):
        return lambda: moderation.lift_block(
            db.session.get(User, moderator_id), db.session.get(Block, results[0])
        )

    lifted, errors = race(app, [lift(m.id) for m in moderators])
    assert len(lifted) == 1, (lifted, errors)
    only(errors, moderation.BlockRefused)
    assert audit_actions(app, action="moderation.unblock") == ["moderation.unblock"]


# --- a loser's page -----------------------------------------------------------------------------


def test_the_loser_of_a_reset_race_gets_the_forgot_page_not_a_500(
    app, client, make_user, monkeypatch
):
    """The view checked the link, then another request set a password with it before this one
    could: the post answers like a used link."""
    user = make_user(xss=False)
    with app.test_request_context():
        token = accounts.make_token(
            accounts.RESET,
            {"id": user.id, "fp": accounts._password_fingerprint(db.session.get(User, user.id))},
        )
    original = accounts.reset_password

    def after_the_winner(token: str, password: str):
        race(app, [lambda: original(token, "gewinner")])  # another request, committed meanwhile
        return original(token, password)

    monkeypatch.setattr(accounts, "reset_password", after_the_winner)
    password = "ein ganz neues passwort"
    response = client.post(
        f"/password/reset/{token}", data={"password": password, "password_confirm": password}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/password/forgot"
    with app.app_context():
        assert verify_password(db.session.get(User, user.id).password_hash, "gewinner")


def test_the_loser_of_an_invitation_race_gets_the_town_page_not_a_500(
    app, client, login, make_municipality, make_member, make_user, monkeypatch
):
    town = make_municipality(xss=False)
    admin = make_member(town, Role.ADMIN, xss=False)
    invitee = make_user(xss=False)
    with app.test_request_context():
        invitation, token = municipalities.invite(
            db.session.get(User, admin.id),
            db.session.get(Municipality, town.id),
            invitee.email,
            Role.STAFF,
        )
        db.session.commit()
        user_id, invitation_id = invitee.id, invitation.id
    original = municipalities.accept_invitation

    def winner():
        return original(db.session.get(User, user_id), db.session.get(Invitation, invitation_id))

    def after_the_winner(user, invitation):
        won, errors = race(app, [winner])  # another request, committed meanwhile
        assert errors == [] and won
        return original(user, invitation)

    monkeypatch.setattr(municipalities, "accept_invitation", after_the_winner)
    login(client, invitee)
    response = client.post(f"/{town.slug}/invitations/{token}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/{town.slug}/"
    assert audit_actions(app, action="invitation.accept") == ["invitation.accept"]


def test_lock_row_changes_nothing_and_says_whether_the_row_exists(
    app, make_municipality, make_process
):
    from app.core.locks import lock_row

    process = make_process(make_municipality(xss=False), xss=False)
    with app.app_context():
        before = db.session.get(Process, process.id).updated_at
        db.session.expunge_all()
        assert lock_row(Process, process.id) is True
        assert lock_row(Process, 10**9) is False
        db.session.commit()
        assert db.session.get(Process, process.id).updated_at == before  # onupdate kept out
