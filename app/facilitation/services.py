"""The rules of the facilitator directory and of first consultations.

Services flush, never commit, and know nothing of requests. Every change that matters later is
recorded twice over: in the request's own append-only history (``ConsultationStep``, what both
sides read) and, for platform and membership decisions, in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, select

from app.accounts.models import User
from app.contributions import services as contributions
from app.core import audit
from app.core.locks import lock_row
from app.core.roles import Role
from app.core.sanitize import clean_plain
from app.core.time import utcnow
from app.extensions import db
from app.facilitation import signals
from app.facilitation.models import (
    ConsultationRequest,
    ConsultationStep,
    FacilitatorProfile,
    ProfileStatus,
    RequestStatus,
    StepKind,
)
from app.municipalities import services as municipalities
from app.municipalities.models import Municipality
from app.processes import services as processes
from app.processes.forms import local_to_utc
from app.processes.models import DecisionMaker, PhaseKind, Process


class FacilitationError(Exception):
    """A rule of the directory or of a consultation refused the action; the message says why."""


# --- the directory ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileData:
    region: str
    methods: str
    languages: str
    references: str = ""
    about: str = ""


def profile_of(user: User) -> FacilitatorProfile | None:
    return db.session.scalar(
        select(FacilitatorProfile).where(FacilitatorProfile.user_id == user.id)
    )


def get_profile(profile_id: int) -> FacilitatorProfile | None:
    return db.session.get(FacilitatorProfile, profile_id)


def save_profile(user: User, data: ProfileData) -> FacilitatorProfile:
    """Create or update the person's own profile; every save goes (back) to review, so the public
    only ever reads a text a platform admin approved."""
    profile = profile_of(user)
    if profile is None:
        profile = FacilitatorProfile(user_id=user.id)
        db.session.add(profile)
    for name in ("region", "methods", "languages", "references", "about"):
        setattr(profile, name, clean_plain(getattr(data, name)))
    profile.status = ProfileStatus.PENDING
    profile.reviewed_at = None
    profile.reviewed_by_id = None
    profile.updated_at = utcnow()
    db.session.flush()
    return profile


def review_profile(actor: User, profile: FacilitatorProfile, approve: bool) -> None:
    before = profile.status.value
    profile.status = ProfileStatus.APPROVED if approve else ProfileStatus.REJECTED
    profile.reviewed_by_id = actor.id
    profile.reviewed_at = utcnow()
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="facilitator_profile.approve" if approve else "facilitator_profile.reject",
        object_type="facilitator_profile",
        object_id=profile.id,
        before={"user_id": profile.user_id, "status": before},
        after={"user_id": profile.user_id, "status": profile.status.value},
    )


def approved_profiles() -> Select:
    return (
        select(FacilitatorProfile)
        .join(User, User.id == FacilitatorProfile.user_id)
        .where(FacilitatorProfile.status == ProfileStatus.APPROVED, User.deleted_at.is_(None))
        .order_by(User.display_name, FacilitatorProfile.id)
    )


def profiles_to_review() -> list[FacilitatorProfile]:
    return list(
        db.session.scalars(
            select(FacilitatorProfile)
            .where(FacilitatorProfile.status == ProfileStatus.PENDING)
            .order_by(FacilitatorProfile.updated_at, FacilitatorProfile.id)
        )
    )


# --- process architects -------------------------------------------------------------------------


def architects() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.is_process_architect.is_(True), User.deleted_at.is_(None))
            .order_by(User.display_name, User.id)
        )
    )


def user_by_email(email: str) -> User | None:
    return db.session.scalar(
        select(User).where(User.email == clean_plain(email).lower(), User.deleted_at.is_(None))
    )


def set_architect(actor: User, user: User, flag: bool) -> None:
    if user.is_process_architect == flag:
        return
    user.is_process_architect = flag
    audit.record(
        actor_id=actor.id,
        action="process_architect.grant" if flag else "process_architect.revoke",
        object_type="user",
        object_id=user.id,
        before={"is_process_architect": not flag},
        after={"is_process_architect": flag},
    )


# --- consultation requests ----------------------------------------------------------------------


@dataclass(frozen=True)
class RequestData:
    topic: str
    goals: str
    timing: str
    local_context: str
    previous_experience: str = ""


def _step(
    request: ConsultationRequest,
    kind: StepKind,
    actor: User | None,
    *,
    by_architect: bool,
    body: str = "",
    facilitator_id: int | None = None,
) -> ConsultationStep:
    step = ConsultationStep(
        request=request,
        kind=kind,
        actor_id=actor.id if actor else None,
        by_architect=by_architect,
        body=clean_plain(body),
        facilitator_id=facilitator_id,
        created_at=utcnow(),
    )
    db.session.add(step)
    request.updated_at = step.created_at
    return step


def submit_request(
    actor: User, municipality: Municipality, data: RequestData
) -> ConsultationRequest:
    """A municipality asks the process architects for a consultation.

    The same request sent again by the same person a moment later
    (``contributions.REPEAT_WINDOW``: a double click, a retry) stores and announces nothing:
    ``AlreadyWritten`` carries the request the first one stored.
    """
    texts = {
        "topic": clean_plain(data.topic),
        "goals": clean_plain(data.goals),
        "timing": clean_plain(data.timing),
        "local_context": clean_plain(data.local_context),
        "previous_experience": clean_plain(data.previous_experience),
    }
    contributions.refuse_repeat(
        actor,
        ConsultationRequest,
        ConsultationRequest.municipality_id == municipality.id,
        ConsultationRequest.requested_by_id == actor.id,
        *(getattr(ConsultationRequest, name) == value for name, value in texts.items()),
    )
    request = ConsultationRequest(
        municipality=municipality,
        requested_by_id=actor.id,
        **texts,
        status=RequestStatus.SUBMITTED,
        concept={},
    )
    db.session.add(request)
    _step(request, StepKind.SUBMITTED, actor, by_architect=False)
    db.session.flush()
    signals.consultation_requested.send(request)
    return request


def requests_of(municipality: Municipality) -> list[ConsultationRequest]:
    return list(
        db.session.scalars(
            select(ConsultationRequest)
            .where(ConsultationRequest.municipality_id == municipality.id)
            .order_by(ConsultationRequest.created_at.desc(), ConsultationRequest.id.desc())
        )
    )


def all_requests() -> list[ConsultationRequest]:
    return list(
        db.session.scalars(
            select(ConsultationRequest).order_by(
                ConsultationRequest.created_at.desc(), ConsultationRequest.id.desc()
            )
        )
    )


def get_request(
    request_id: int, municipality: Municipality | None = None
) -> ConsultationRequest | None:
    """A request by id; with ``municipality``, only one of that municipality (others find none)."""
    statement = select(ConsultationRequest).where(ConsultationRequest.id == request_id)
    if municipality is not None:
        statement = statement.where(ConsultationRequest.municipality_id == municipality.id)
    return db.session.scalar(statement)


def add_message(
    actor: User, request: ConsultationRequest, body: str, *, by_architect: bool
) -> ConsultationStep:
    """A comment of either side; an architect's first one opens the consultation.

    The same message sent again by the same person a moment later
    (``contributions.REPEAT_WINDOW``: a double click, a retry) stores nothing: ``AlreadyWritten``
    carries the message the first request stored.
    """
    text = clean_plain(body)
    if not text:
        raise FacilitationError(_("Please write a message."))
    contributions.refuse_repeat(
        actor,
        ConsultationStep,
        ConsultationStep.request_id == request.id,
        ConsultationStep.kind == StepKind.MESSAGE,
        ConsultationStep.actor_id == actor.id,
        ConsultationStep.by_architect == by_architect,
        ConsultationStep.body == text,
    )
    step = _step(request, StepKind.MESSAGE, actor, by_architect=by_architect, body=body)
    if by_architect and request.status == RequestStatus.SUBMITTED:
        request.status = RequestStatus.IN_CONSULTATION
    db.session.flush()
    return step


def propose_facilitator(
    actor: User, request: ConsultationRequest, profile: FacilitatorProfile, note: str = ""
) -> ConsultationStep:
    """Propose a facilitator from the directory: only approved profiles can be proposed."""
    _lock(request)
    if request.status == RequestStatus.ACCEPTED:
        raise FacilitationError(_("A facilitator has already been accepted for this request."))
    if profile is None or not profile.is_approved or profile.user.deleted_at is not None:
        raise FacilitationError(_("Only facilitators listed in the directory can be proposed."))
    if profile.user_id in {u.id for u in proposed_facilitators(request)}:
        raise FacilitationError(_("This facilitator has already been proposed."))
    step = _step(
        request,
        StepKind.PROPOSAL,
        actor,
        by_architect=True,
        body=note,
        facilitator_id=profile.user_id,
    )
    request.status = RequestStatus.PROPOSED
    db.session.flush()
    signals.facilitator_proposed.send(request, facilitator_id=profile.user_id, actor_id=actor.id)
    return step


def proposed_facilitators(request: ConsultationRequest) -> list[User]:
    """The people proposed for this request, in the order proposed, once each."""
    seen: dict[int, User] = {}
    for step in request.steps:
        if step.kind == StepKind.PROPOSAL and step.facilitator is not None:
            seen.setdefault(step.facilitator.id, step.facilitator)
    return list(seen.values())


def _lock(request: ConsultationRequest) -> None:
    """Decisions on one request one after the other, each on what the other left: two officials
    accepting at once accept one facilitator, a double click creates one draft process."""
    lock_row(ConsultationRequest, request.id)
    db.session.refresh(request)


def accept_facilitator(actor: User, request: ConsultationRequest, facilitator_id: int) -> User:
    """The municipality accepts one proposed facilitator, who gets the facilitator role there.

    A citizen membership is raised to facilitator; a person who already works in the municipality's
    back office (staff, moderator, admin, facilitator) keeps their role, which already lets them run
    processes. Memberships change through ``app.municipalities.services``, which writes the audit log.
    """
    _lock(request)
    if request.status == RequestStatus.ACCEPTED:
        raise FacilitationError(_("A facilitator has already been accepted for this request."))
    facilitator = next((u for u in proposed_facilitators(request) if u.id == facilitator_id), None)
    if facilitator is None or facilitator.deleted_at is not None:
        raise FacilitationError(_("Only a proposed facilitator can be accepted."))
    municipality = request.municipality
    membership = facilitator.membership_in(municipality)
    if membership is None:
        membership = municipalities.join(facilitator, municipality)
    if membership.role == Role.CITIZEN:
        municipalities.change_role(actor, membership, Role.FACILITATOR)
    request.facilitator_id = facilitator.id
    request.status = RequestStatus.ACCEPTED
    _step(request, StepKind.ACCEPTED, actor, by_architect=False, facilitator_id=facilitator.id)
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="consultation.accept",
        object_type="consultation_request",
        object_id=request.id,
        municipality_id=municipality.id,
        after={"facilitator_id": facilitator.id, "role": membership.role.value},
    )
    signals.facilitator_accepted.send(request, actor_id=actor.id)
    return facilitator


# --- the participation-concept template ---------------------------------------------------------

CONCEPT_TEXT_FIELDS = (
    "summary",
    "goal",
    "question",
    "open_to_influence",
    "already_fixed",
    "decision_timing",
    "input_use",
)


@dataclass(frozen=True)
class PhasePlan:
    kind: PhaseKind
    title: str
    starts_on: date
    ends_on: date  # the last day of the phase


@dataclass(frozen=True)
class ConceptData:
    summary: str = ""
    goal: str = ""
    question: str = ""
    open_to_influence: str = ""
    already_fixed: str = ""
    decision_maker: DecisionMaker | None = None
    decision_timing: str = ""
    input_use: str = ""
    phases: tuple[PhasePlan, ...] = field(default_factory=tuple)


def concept_of(request: ConsultationRequest) -> ConceptData:
    """The stored template as data (tolerates a partly filled or older template)."""
    stored = request.concept or {}
    phases = []
    for row in stored.get("phases", []):
        try:
            phases.append(
                PhasePlan(
                    kind=PhaseKind(row["kind"]),
                    title=row["title"],
                    starts_on=date.fromisoformat(row["starts_on"]),
                    ends_on=date.fromisoformat(row["ends_on"]),
                )
            )
        except (KeyError, ValueError):
            continue
    maker = stored.get("decision_maker")
    return ConceptData(
        **{name: stored.get(name, "") for name in CONCEPT_TEXT_FIELDS},
        decision_maker=DecisionMaker(maker) if maker in set(DecisionMaker) else None,
        phases=tuple(phases),
    )


def check_phases(phases: tuple[PhasePlan, ...]) -> None:
    """Each phase ends on or after its start and phases follow one another without overlapping
    (the process timeline refuses overlaps; better said while the template is filled)."""
    previous: PhasePlan | None = None
    for plan in sorted(phases, key=lambda p: p.starts_on):
        if plan.ends_on < plan.starts_on:
            raise FacilitationError(
                _("The phase “%(title)s” ends before it starts.", title=plan.title)
            )
        if previous is not None and plan.starts_on <= previous.ends_on:
            raise FacilitationError(
                _(
                    "The phases “%(first)s” and “%(second)s” overlap.",
                    first=previous.title,
                    second=plan.title,
                )
            )
        previous = plan


def save_concept(actor: User, request: ConsultationRequest, data: ConceptData) -> None:
    check_phases(data.phases)
    stored = {name: clean_plain(getattr(data, name)) for name in CONCEPT_TEXT_FIELDS}
    stored["decision_maker"] = data.decision_maker.value if data.decision_maker else None
    stored["phases"] = [
        {
            "kind": plan.kind.value,
            "title": clean_plain(plan.title),
            "starts_on": plan.starts_on.isoformat(),
            "ends_on": plan.ends_on.isoformat(),
        }
        for plan in sorted(data.phases, key=lambda p: p.starts_on)
    ]
    request.concept = stored
    if request.status == RequestStatus.SUBMITTED:
        request.status = RequestStatus.IN_CONSULTATION
    _step(request, StepKind.CONCEPT, actor, by_architect=True)
    db.session.flush()


def _day_start(day: date) -> datetime:
    return local_to_utc(datetime.combine(day, time.min))


def create_draft(actor: User, request: ConsultationRequest) -> Process:
    """Turn the filled template into a draft process of the municipality, through the processes
    domain's own services (slug, audit log, phase validation), so the consultation flows straight
    into the work. Once per request."""
    _lock(request)
    if request.process_id is not None:
        raise FacilitationError(_("The draft process has already been created."))
    concept = concept_of(request)
    data = processes.ProcessData(
        title=request.topic,
        summary=concept.summary[:500],
        goal=concept.goal,
        question=concept.question,
        open_to_influence=concept.open_to_influence,
        already_fixed=concept.already_fixed,
        decision_maker=concept.decision_maker,
        decision_timing=concept.decision_timing[:200],
        input_use=concept.input_use,
    )
    municipality = request.municipality
    slug = processes.slug_from_title(request.topic)
    base, number = slug, 2
    while processes.get_process_by_slug(municipality, slug) is not None:
        slug = f"{base[:75]}-{number}"
        number += 1
    try:
        # A savepoint: a phase the timeline refuses undoes the whole draft, nothing else.
        with db.session.begin_nested():
            process = processes.save_process(actor, municipality, replace(data, slug=slug))
            for plan in concept.phases:
                processes.add_phase(
                    actor,
                    process,
                    processes.PhaseData(
                        kind=plan.kind,
                        title=plan.title,
                        starts_at=_day_start(plan.starts_on),
                        ends_at=_day_start(plan.ends_on + timedelta(days=1)),
                    ),
                )
    except processes.ProcessError as exc:
        raise FacilitationError(str(exc)) from exc
    request.process_id = process.id
    _step(request, StepKind.DRAFT, actor, by_architect=False)
    db.session.flush()
    return process
