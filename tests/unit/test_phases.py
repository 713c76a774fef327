"""Phase rules without the database: ordering and overlap validation, and what each role may do in
each phase (the gate every format asks before a contribution)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask_login import AnonymousUserMixin

from app.accounts.models import User
from app.core.permissions import allowed
from app.core.roles import MANAGER_ROLES, Role
from app.municipalities.models import FederalState, Membership, Municipality
from app.processes import services
from app.processes.models import Phase, PhaseKind, Process, ProcessState, Visibility

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)


@pytest.fixture(autouse=True)
def _request(app):
    """Messages are formatted in the request's locale and time zone (German, Europe/Berlin)."""
    with app.test_request_context():
        yield


def _municipality(mid: int = 1) -> Municipality:
    return Municipality(
        id=mid,
        name=f"Stadt {mid}",
        slug=f"stadt-{mid}",
        federal_state=FederalState.BW,
        is_active=True,
    )


def _process(phases, state=ProcessState.PUBLISHED, visibility=Visibility.PUBLIC, municipality=None):
    municipality = municipality or _municipality()
    process = Process(
        id=1,
        title="Marktplatz",
        slug="marktplatz",
        state=state,
        visibility=visibility,
        municipality=municipality,
        municipality_id=municipality.id,
    )
    process.phases = [
        Phase(id=i, kind=kind, title=f"Phase {i}", starts_at=start, ends_at=end)
        for i, (kind, start, end) in enumerate(phases, 1)
    ]
    return process


def _user(
    role: Role | None, municipality: Municipality, uid: int = 7, platform_admin=False
) -> User:
    user = User(
        id=uid, email=f"u{uid}@example.org", display_name="U", is_platform_admin=platform_admin
    )
    if role is not None:
        user.memberships = [Membership(municipality_id=municipality.id, role=role)]
    return user


def _data(start, end, kind=PhaseKind.PARTICIPATION):
    return services.PhaseData(kind=kind, title="Neu", starts_at=start, ends_at=end)


TIMELINE = [
    (PhaseKind.INFORMATION, NOW - 10 * D, NOW - 5 * D),
    (PhaseKind.PARTICIPATION, NOW - 5 * D, NOW + 5 * D),
    (PhaseKind.EVALUATION, NOW + 5 * D, NOW + 10 * D),
]


# --- ordering and overlaps ----------------------------------------------------------------------


def test_phase_end_before_start_is_refused_at_the_end_field():
    with pytest.raises(services.PhaseInvalid) as refused:
        services.validate_phase(_process([]), _data(NOW, NOW - H))
    assert refused.value.field == "ends_at"
    assert "Ende" in str(refused.value) or "end" in str(refused.value)


def test_phase_of_zero_length_is_refused():
    with pytest.raises(services.PhaseInvalid):
        services.validate_phase(_process([]), _data(NOW, NOW))


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (NOW - 6 * D, NOW - 4 * D),  # overlaps the end of information and the participation start
        (NOW, NOW + H),  # inside participation
        (NOW - 20 * D, NOW + 20 * D),  # around everything
        (NOW + 9 * D, NOW + 11 * D),  # overlaps the end of evaluation
    ],
)
def test_overlapping_phases_are_refused_naming_the_other_phase(start, end):
    with pytest.raises(services.PhaseInvalid) as refused:
        services.validate_phase(_process(TIMELINE), _data(start, end))
    assert refused.value.field == "starts_at"
    assert "Phase" in str(refused.value)


def test_phases_may_touch_end_to_start():
    services.validate_phase(_process(TIMELINE), _data(NOW + 10 * D, NOW + 20 * D))
    services.validate_phase(_process(TIMELINE), _data(NOW - 20 * D, NOW - 10 * D))


def test_editing_a_phase_does_not_collide_with_itself():
    process = _process(TIMELINE)
    participation = process.phases[1]
    services.validate_phase(process, _data(NOW - 5 * D, NOW + 4 * D), participation)


def test_the_timeline_is_kept_in_start_order():
    process = _process(TIMELINE)
    assert [p.kind for p in process.phases] == [
        PhaseKind.INFORMATION,
        PhaseKind.PARTICIPATION,
        PhaseKind.EVALUATION,
    ]
    assert process.starts_at == NOW - 10 * D
    assert process.ends_at == NOW + 10 * D


def test_current_phase_is_found_from_the_stored_times_with_end_exclusive():
    process = _process(TIMELINE)
    assert process.current_phase(NOW).kind == PhaseKind.PARTICIPATION
    assert process.current_phase(NOW + 5 * D).kind == PhaseKind.EVALUATION
    assert process.current_phase(NOW + 10 * D) is None


# --- the participation gate ---------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_member_role_may_contribute_while_participation_runs(role):
    process = _process(TIMELINE)
    gate = services.contribution_gate(process, _user(role, process.municipality), NOW)
    assert gate.allowed
    assert gate.closes_at == NOW + 5 * D


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(
    ("moment", "reason"),
    [
        (NOW - 7 * D, services.GateReason.NOT_YET),  # information phase
        (NOW + 7 * D, services.GateReason.ENDED),  # evaluation phase
        (NOW + 30 * D, services.GateReason.ENDED),  # after the timeline
    ],
)
def test_no_role_may_contribute_outside_a_participation_phase(role, moment, reason):
    process = _process(TIMELINE)
    gate = services.contribution_gate(process, _user(role, process.municipality), moment)
    assert not gate.allowed
    assert gate.reason == reason


def test_closed_gate_says_when_participation_opens():
    process = _process(TIMELINE)
    gate = services.contribution_gate(
        process, _user(Role.CITIZEN, process.municipality), NOW - 7 * D
    )
    assert gate.opens_at == NOW - 5 * D
    # shown in Europe/Berlin: 10:00 UTC on 10 June is 12:00 summer time
    assert "12:00" in gate.message


def test_participation_starts_exactly_at_its_start_and_closes_exactly_at_its_end():
    process = _process(TIMELINE)
    citizen = _user(Role.CITIZEN, process.municipality)
    assert not services.contribution_gate(
        process, citizen, NOW - 5 * D - timedelta(seconds=1)
    ).allowed
    assert services.contribution_gate(process, citizen, NOW - 5 * D).allowed
    assert not services.contribution_gate(process, citizen, NOW + 5 * D).allowed


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        (ProcessState.DRAFT, services.GateReason.NOT_PUBLISHED),
        (ProcessState.ARCHIVED, services.GateReason.ARCHIVED),
    ],
)
def test_nobody_contributes_to_drafts_or_archived_processes_even_in_participation(state, reason):
    process = _process(TIMELINE, state=state)
    gate = services.contribution_gate(process, _user(Role.ADMIN, process.municipality), NOW)
    assert gate.reason == reason


def test_anonymous_visitors_are_asked_to_log_in_while_participation_runs():
    process = _process(TIMELINE)
    gate = services.contribution_gate(process, AnonymousUserMixin(), NOW)
    assert gate.reason == services.GateReason.LOGIN
    assert gate.participation_open and not gate.allowed


def test_non_members_and_other_municipalities_members_are_asked_to_join():
    process = _process(TIMELINE)
    outsider = _user(Role.ADMIN, _municipality(2))
    platform_admin = _user(None, process.municipality, platform_admin=True)
    assert services.contribution_gate(process, outsider, NOW).reason == services.GateReason.JOIN
    assert (
        services.contribution_gate(process, platform_admin, NOW).reason == services.GateReason.JOIN
    )


def test_a_process_without_participation_phase_never_opens():
    process = _process([(PhaseKind.INFORMATION, NOW - D, NOW + D)])
    gate = services.contribution_gate(process, _user(Role.CITIZEN, process.municipality), NOW)
    assert gate.reason == services.GateReason.NO_PARTICIPATION


# --- the named rules ----------------------------------------------------------------------------


def _live_timeline(open_now: bool):
    now = datetime.now(UTC)
    if open_now:
        return [(PhaseKind.PARTICIPATION, now - D, now + D)]
    return [
        (PhaseKind.INFORMATION, now - D, now + D),
        (PhaseKind.PARTICIPATION, now + D, now + 2 * D),
    ]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("open_now", [True, False])
def test_process_contribute_rule_follows_the_phase_for_every_role(role, open_now):
    process = _process(_live_timeline(open_now))
    assert allowed("process.contribute", _user(role, process.municipality), process) is open_now


@pytest.mark.parametrize(
    ("role", "may_manage"),
    [
        (Role.CITIZEN, False),
        (Role.MODERATOR, False),
        (Role.COUNCIL, False),
        (Role.STAFF, True),
        (Role.FACILITATOR, True),
        (Role.ADMIN, True),
    ],
)
def test_process_management_is_for_staff_facilitators_and_admins_not_moderators(role, may_manage):
    municipality = _municipality()
    assert allowed("process.manage", _user(role, municipality), municipality) is may_manage
    assert not allowed("process.manage", _user(role, _municipality(2)), municipality)


def test_platform_admins_manage_every_municipalitys_processes():
    municipality = _municipality()
    assert allowed("process.manage", _user(None, municipality, platform_admin=True), municipality)


@pytest.mark.parametrize("role", [None, *Role])
def test_draft_is_visible_only_to_those_who_manage(role):
    process = _process(TIMELINE, state=ProcessState.DRAFT)
    user = _user(role, process.municipality)
    assert allowed("process.view", user, process) is (role in MANAGER_ROLES)
    assert not allowed("process.view", AnonymousUserMixin(), process)


@pytest.mark.parametrize("role", [None, *Role])
def test_members_only_process_is_visible_to_members_only(role):
    process = _process(TIMELINE, visibility=Visibility.MEMBERS)
    assert allowed("process.view", _user(role, process.municipality), process) is (role is not None)
    assert not allowed("process.view", AnonymousUserMixin(), process)
    assert not allowed("process.view", _user(Role.ADMIN, _municipality(2)), process)


def test_archived_public_process_stays_readable_for_everyone():
    process = _process(TIMELINE, state=ProcessState.ARCHIVED)
    assert allowed("process.view", AnonymousUserMixin(), process)
    assert not allowed("process.follow", _user(Role.CITIZEN, process.municipality), process)


# --- rich text in the forms ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "Ein Absatz.",
        "Erster Absatz.\n\nZweiter mit <strong>Betonung</strong>\nund Zeilenumbruch.",
        'Mit <a href="https://example.org">Link</a>.',
    ],
)
def test_rich_text_survives_a_round_trip_through_the_edit_form(typed):
    stored = services.rich_text(typed)
    assert services.rich_text(services.rich_text_for_editing(stored)) == stored


def test_rich_text_strips_scripts_and_keeps_lists():
    assert "<script" not in services.rich_text("<script>alert(1)</script>Text")
    listed = services.rich_text("<ul><li>eins</li><li>zwei</li></ul>")
    assert listed == "<ul><li>eins</li><li>zwei</li></ul>"
    assert services.rich_text_for_editing(listed) == listed
