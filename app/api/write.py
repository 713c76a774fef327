"""Writes of the API, with a personal token: processes, phases, official answers.

Each view does what the matching back-office page does: the same named permission rule, the same
service (which writes the same audit entry), one commit. Only the parsing differs: JSON instead of
a form.
"""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask_babel import gettext as _
from flask_smorest import Blueprint

from app.api import loading, present, schemas
from app.api.auth import Caller, authenticated_caller, require
from app.api.errors import ApiError
from app.contributions.services import AlreadyWritten
from app.core.time import utcnow
from app.documents import services as documents
from app.extensions import db
from app.outcomes import services as outcomes
from app.processes import formats
from app.processes import services as processes
from app.processes.models import DecisionMaker, Phase, PhaseKind, Process, Visibility
from app.proposals import services as proposals
from app.proposals.models import ProposalStatus

bp = Blueprint(
    "api_write",
    __name__,
    url_prefix="/api/v1",
    description="Changes by municipal staff with a personal API token (Authorization: Bearer …).",
)

ID = "int(max=2147483647)"
SECURED = {"security": [{"bearerAuth": []}]}
PROCESS_PATH = "/municipalities/<slug>/processes/<process_slug>"


@bp.before_request
def _authenticate() -> None:
    """The token first: without a valid one, nothing about the request is looked at (401)."""
    g.api_caller = authenticated_caller((request.view_args or {}).get("slug", ""))


def _caller() -> Caller:
    return g.api_caller


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(422, errors={field: [message]})


def _check_formats(keys: list[str]) -> None:
    unknown = [key for key in keys if formats.get_format(key) is None]
    if unknown:
        raise _invalid("formats", _("Unknown format: %(keys)s", keys=", ".join(unknown)))


def _process_data(body: dict[str, Any], process: Process | None) -> processes.ProcessData:
    """The data the process form would send: given fields, else what the form shows now."""

    def value(name: str, current: Any) -> Any:
        return body.get(name, current)

    def rich(name: str) -> str:
        if name in body:
            return body[name] or ""
        return processes.rich_text_for_editing(getattr(process, name)) if process else ""

    def plain(name: str) -> str:
        return value(name, getattr(process, name) if process else "") or ""

    decision_maker = value(
        "decision_maker",
        process.decision_maker.value if process and process.decision_maker else None,
    )
    visibility = value(
        "visibility", process.visibility.value if process else Visibility.PUBLIC.value
    )
    format_keys = list(value("formats", process.format_keys if process else []))
    _check_formats(format_keys)
    return processes.ProcessData(
        title=plain("title"),
        slug=plain("slug"),
        summary=plain("summary"),
        description=rich("description"),
        topic=plain("topic"),
        visibility=Visibility(visibility),
        contact_name=plain("contact_name"),
        contact_email=value("contact_email", process.contact_email if process else None),
        contact_details=plain("contact_details"),
        goal=rich("goal"),
        question=rich("question"),
        open_to_influence=rich("open_to_influence"),
        already_fixed=rich("already_fixed"),
        decision_maker=DecisionMaker(decision_maker) if decision_maker else None,
        decision_timing=plain("decision_timing"),
        input_use=rich("input_use"),
        feedback_by=value("feedback_by", process.feedback_by if process else None),
        reminder_hours=value("reminder_hours", process.reminder_hours if process else None),
        image_alt=process.image_alt if process else "",
        formats=tuple(format_keys),
    )


def _save_process(caller, body: dict[str, Any], process: Process | None) -> Process:
    try:
        saved = processes.save_process(
            caller.user, caller.municipality, _process_data(body, process), process
        )
    except processes.SlugTaken as exc:
        raise _invalid("slug", str(exc)) from exc
    db.session.commit()
    return saved


@bp.post("/municipalities/<slug>/processes")
@bp.arguments(schemas.ProcessWriteSchema)
@bp.response(201, schemas.ProcessSchema)
@bp.doc(**SECURED)
def create_process(body: dict[str, Any], slug: str):
    """Create a draft process (as the back office's "new process" form does)."""
    caller = _caller()
    require(caller, "process.manage", caller.municipality)
    return present.process(_save_process(caller, body, None), slug)


def _managed(slug: str, process_slug: str):
    caller = _caller()
    require(caller, "process.manage", caller.municipality)
    return caller, loading.managed_process(caller.municipality, process_slug)


@bp.patch(PROCESS_PATH)
@bp.arguments(schemas.ProcessUpdateSchema)
@bp.response(200, schemas.ProcessSchema)
@bp.doc(**SECURED)
def update_process(body: dict[str, Any], slug: str, process_slug: str):
    """Change a process; fields left out keep their values."""
    caller, process = _managed(slug, process_slug)
    saved = _save_process(caller, body, process)
    return present.process(saved, slug, documents.process_documents(saved))


@bp.post(f"{PROCESS_PATH}/publish")
@bp.response(200, schemas.ProcessSchema)
@bp.doc(**SECURED)
def publish_process(slug: str, process_slug: str):
    """Publish a draft once its participation concept and timeline are complete."""
    caller, process = _managed(slug, process_slug)
    try:
        processes.publish(caller.user, process)
    except processes.ConceptIncomplete as exc:
        raise ApiError(
            422, str(exc), code="concept_incomplete", errors={"concept": exc.missing}
        ) from exc
    db.session.commit()
    return present.process(process, slug, documents.process_documents(process))


@bp.post(f"{PROCESS_PATH}/archive")
@bp.response(200, schemas.ProcessSchema)
@bp.doc(**SECURED)
def archive_process(slug: str, process_slug: str):
    """Archive a process: it stays readable and takes no more contributions."""
    caller, process = _managed(slug, process_slug)
    processes.archive(caller.user, process)
    db.session.commit()
    return present.process(process, slug, documents.process_documents(process))


def _phase_data(body: dict[str, Any], phase: Phase | None) -> processes.PhaseData:
    def value(name: str) -> Any:
        return body[name] if name in body else getattr(phase, name)

    starts_at, ends_at = value("starts_at"), value("ends_at")
    if ends_at <= starts_at:
        raise _invalid("ends_at", _("The end must be after the start."))
    description = (
        body.get("description") or ""
        if "description" in body or phase is None
        else processes.rich_text_for_editing(phase.description)
    )
    return processes.PhaseData(
        kind=PhaseKind(value("kind")),
        title=value("title"),
        starts_at=starts_at,
        ends_at=ends_at,
        description=description,
    )


def _save_phase(caller, process: Process, body: dict[str, Any], phase: Phase | None) -> Phase:
    try:
        if phase is None:
            phase = processes.add_phase(caller.user, process, _phase_data(body, None))
        else:
            processes.update_phase(caller.user, phase, _phase_data(body, phase))
    except processes.PhaseInvalid as exc:
        raise _invalid(exc.field, str(exc)) from exc
    db.session.commit()
    return phase


@bp.post(f"{PROCESS_PATH}/phases")
@bp.arguments(schemas.PhaseWriteSchema)
@bp.response(201, schemas.PhaseSchema)
@bp.doc(**SECURED)
def create_phase(body: dict[str, Any], slug: str, process_slug: str):
    """Add a phase to the timeline; phases never overlap."""
    caller, process = _managed(slug, process_slug)
    return present.phase(_save_phase(caller, process, body, None))


@bp.patch(f"{PROCESS_PATH}/phases/<{ID}:phase_id>")
@bp.arguments(schemas.PhaseUpdateSchema)
@bp.response(200, schemas.PhaseSchema)
@bp.doc(**SECURED)
def update_phase(body: dict[str, Any], slug: str, process_slug: str, phase_id: int):
    """Change a phase; fields left out keep their values."""
    caller, process = _managed(slug, process_slug)
    phase = loading.managed_phase(process, phase_id)
    return present.phase(_save_phase(caller, process, body, phase))


@bp.post(f"{PROCESS_PATH}/proposals/<{ID}:proposal_id>/status")
@bp.arguments(schemas.StatusChangeSchema)
@bp.response(201, schemas.OfficialAnswerSchema)
@bp.doc(**SECURED)
def change_proposal_status(body: dict[str, Any], slug: str, process_slug: str, proposal_id: int):
    """Set a proposal's status with the administration's official, public answer."""
    caller, process = _managed(slug, process_slug)
    if not proposals.takes_proposals(process):
        raise loading.not_found()
    require(caller, "proposal.manage", process)
    proposal = loading.managed_proposal(process, proposal_id)
    require(caller, "proposal.answer", proposal)
    status = ProposalStatus(body["status"])
    if status == ProposalStatus.MERGED and not body.get("merged_into"):
        raise _invalid(
            "merged_into", _("Please give the number of the proposal it is merged into.")
        )
    try:
        change = proposals.change_status(
            caller.user,
            proposal,
            status,
            body["response"],
            body["office"],
            body.get("merged_into"),
        )
    except AlreadyWritten as repeat:  # the same answer sent twice: the one stored, as before
        return present.official_answer(repeat.existing)
    except proposals.InvalidInput as exc:
        raise _invalid(exc.field, str(exc)) from exc
    db.session.commit()
    return present.official_answer(change)


@bp.post(f"{PROCESS_PATH}/outcome/publish")
@bp.response(200, schemas.OutcomeSchema)
@bp.doc(**SECURED)
def publish_outcome(slug: str, process_slug: str):
    """Publish the written outcome: the process enters its outcome phase, participants hear of it."""
    caller, process = _managed(slug, process_slug)
    require(caller, "process.manage_outcome", process)
    try:
        published = outcomes.publish_outcome(caller.user, process, utcnow())
    except outcomes.NotAllowed as exc:
        raise ApiError(422, str(exc), code="publish_refused") from exc
    db.session.commit()
    return present.outcome(published, slug, process.slug, documents.outcome_documents(published))
