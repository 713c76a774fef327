"""The rules of documents: attaching, describing, listing and deleting, independent of HTTP.

Services flush, never commit. Files go into the store before the row is flushed (a failed request
leaves at most an unreferenced random key behind); files of deleted documents are removed only after
the request committed (``discard_files``), so a rolled-back deletion never loses a file.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.contributions.models import Contribution, Visibility
from app.core import audit
from app.core.sanitize import clean_plain
from app.documents import files
from app.documents.models import Document
from app.documents.storage import StoreError, get_store
from app.extensions import db
from app.outcomes.models import Outcome
from app.processes.models import Phase, Process
from app.proposals.models import Proposal, ProposalStatusChange

LANGUAGES = {
    "de": _l("German"),
    "en": _l("English"),
    "de-x-simple": _l("German, easy language (Leichte Sprache)"),
    "fr": _l("French"),
    "tr": _l("Turkish"),
    "ar": _l("Arabic"),
    "uk": _l("Ukrainian"),
}

audit.label_actions(
    {
        "document.upload": _l("Document attached"),
        "document.edit": _l("Document description changed"),
        "document.delete": _l("Document deleted"),
    }
)


class DocumentError(Exception):
    """A document rule refused the action; ``field`` names the form field to show it at."""

    def __init__(self, message: str, field: str = "file") -> None:
        super().__init__(message)
        self.field = field


class ConfirmationNeeded(DocumentError):
    """The document is cited by an answer or outcome: deleting needs an explicit yes."""


class Target(StrEnum):
    PROCESS = "process"
    PHASE = "phase"
    ANSWER = "answer"
    OUTCOME = "outcome"


@dataclass(frozen=True)
class DocumentData:
    title: str
    description: str = ""
    language: str = "de"
    alt_text: str = ""
    target: str = "process"  # "process", "phase-<id>", "answer-<id>", "outcome-<id>"


@dataclass(frozen=True)
class TargetChoice:
    value: str
    label: str


def max_bytes() -> int:
    return int(current_app.config.get("DOCUMENT_MAX_BYTES", 20_000_000))


# --- where a document can go --------------------------------------------------------------------


def answers_of(process: Process) -> list[ProposalStatusChange]:
    """The official answers given in the process, newest first, with their proposals."""
    return list(
        db.session.scalars(
            select(ProposalStatusChange)
            .join(ProposalStatusChange.proposal)
            .where(Proposal.process_id == process.id)
            .options(joinedload(ProposalStatusChange.proposal))
            .order_by(ProposalStatusChange.created_at.desc(), ProposalStatusChange.id.desc())
        )
    )


def outcome_row(process: Process) -> Outcome | None:
    return db.session.scalar(select(Outcome).where(Outcome.process_id == process.id))


def target_choices(process: Process) -> list[TargetChoice]:
    from flask_babel import gettext as _

    choices = [TargetChoice("process", _("The process as a whole"))]
    for phase in process.phases:
        choices.append(TargetChoice(f"phase-{phase.id}", _("Phase: %(title)s", title=phase.title)))
    for answer in answers_of(process):
        choices.append(
            TargetChoice(
                f"answer-{answer.id}",
                _(
                    "Answer to “%(title)s” (%(status)s)",
                    title=answer.proposal.title,
                    status=answer.status.label,
                ),
            )
        )
    outcome = outcome_row(process)
    if outcome is not None:
        choices.append(TargetChoice(f"outcome-{outcome.id}", _("The outcome")))
    return choices


def _resolve_target(process: Process, value: str) -> dict[str, int | None]:
    """The attachment columns for a form value; only targets of ``process`` are accepted."""
    kind, _sep, raw_id = value.partition("-")
    if kind == Target.PROCESS and not raw_id:
        return {"phase_id": None, "answer_id": None, "outcome_id": None}
    if not raw_id.isdigit() or kind not in {Target.PHASE, Target.ANSWER, Target.OUTCOME}:
        raise DocumentError(str(_l("Please choose where the document belongs.")), "target")
    target_id = int(raw_id)
    found = None
    if kind == Target.PHASE:
        found = db.session.scalar(
            select(Phase.id).where(Phase.id == target_id, Phase.process_id == process.id)
        )
    elif kind == Target.ANSWER:
        found = db.session.scalar(
            select(ProposalStatusChange.id)
            .join(ProposalStatusChange.proposal)
            .where(ProposalStatusChange.id == target_id, Proposal.process_id == process.id)
        )
    else:
        found = db.session.scalar(
            select(Outcome.id).where(Outcome.id == target_id, Outcome.process_id == process.id)
        )
    if found is None:
        raise DocumentError(str(_l("Please choose where the document belongs.")), "target")
    return {
        "phase_id": target_id if kind == Target.PHASE else None,
        "answer_id": target_id if kind == Target.ANSWER else None,
        "outcome_id": target_id if kind == Target.OUTCOME else None,
    }


def target_value(document: Document) -> str:
    if document.phase_id:
        return f"phase-{document.phase_id}"
    if document.answer_id:
        return f"answer-{document.answer_id}"
    if document.outcome_id:
        return f"outcome-{document.outcome_id}"
    return "process"


# --- changing documents -------------------------------------------------------------------------


def _texts(data: DocumentData) -> dict[str, str]:
    language = data.language if data.language in LANGUAGES else "de"
    return {
        "title": clean_plain(data.title)[:200],
        "description": clean_plain(data.description),
        "language": language,
        "alt_text": clean_plain(data.alt_text),
    }


def _state(document: Document) -> dict:
    return {
        "title": document.title,
        "filename": document.filename,
        "content_type": document.content_type,
        "size": document.size,
        "target": target_value(document),
    }


def attach(
    actor: User, process: Process, data: DocumentData, upload: bytes, filename: str | None
) -> Document:
    """Check the file, keep it in the store under a random key and attach it where ``data`` says."""
    texts = _texts(data)
    if not texts["title"]:
        raise DocumentError(str(_l("This field is required.")), "title")
    columns = _resolve_target(process, data.target)
    try:
        checked = files.check_upload(upload, filename, max_bytes())
    except files.InvalidFile as exc:
        raise DocumentError(str(exc), "file") from exc
    if checked.content_type.startswith("image/") and not texts["alt_text"]:
        raise DocumentError(
            str(_l("Images need a text alternative: describe what the image shows.")), "alt_text"
        )
    store = get_store()
    key = f"{secrets.token_urlsafe(24)}{checked.extension}"
    store.put(key, checked.data, checked.content_type)
    thumbnail_key = None
    if checked.thumbnail is not None:
        thumbnail_key = f"thumbs/{secrets.token_urlsafe(24)}.png"
        store.put(thumbnail_key, checked.thumbnail, "image/png")
    document = Document(
        municipality_id=process.municipality_id,
        process_id=process.id,
        filename=checked.filename,
        content_type=checked.content_type,
        size=len(checked.data),
        page_count=checked.page_count,
        storage_key=key,
        thumbnail_key=thumbnail_key,
        uploaded_by_id=actor.id,
        **columns,
        **texts,
    )
    db.session.add(document)
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="document.upload",
        object_type="document",
        object_id=document.id,
        municipality_id=process.municipality_id,
        after=_state(document),
    )
    return document


def update(actor: User, document: Document, data: DocumentData) -> None:
    """Change the words of a document and where it is shown; the file stays."""
    texts = _texts(data)
    if not texts["title"]:
        raise DocumentError(str(_l("This field is required.")), "title")
    if document.is_image and not texts["alt_text"]:
        raise DocumentError(
            str(_l("Images need a text alternative: describe what the image shows.")), "alt_text"
        )
    before = _state(document)
    columns = _resolve_target(document.process, data.target)
    for name, value in {**columns, **texts}.items():
        setattr(document, name, value)
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="document.edit",
        object_type="document",
        object_id=document.id,
        municipality_id=document.municipality_id,
        before=before,
        after=_state(document),
    )


def delete(actor: User, document: Document, *, confirmed: bool, reason: str = "") -> list[str]:
    """Delete the row and say which stored files to remove once the request has committed.

    A document an answer or outcome cites is deleted only with ``confirmed``: those texts may
    refer to it, and readers will no longer find it there.
    """
    if document.is_cited and not confirmed:
        raise ConfirmationNeeded(
            str(_l("Please confirm that the document may go although it is cited.")), "confirm"
        )
    keys = [k for k in (document.storage_key, document.thumbnail_key) if k]
    audit.record(
        actor_id=actor.id,
        action="document.delete",
        object_type="document",
        object_id=document.id,
        municipality_id=document.municipality_id,
        before=_state(document),
        reason=clean_plain(reason),
    )
    db.session.delete(document)
    db.session.flush()
    return keys


def discard_files(keys: list[str]) -> None:
    """Remove stored files after their rows are gone for good."""
    store = get_store()
    for key in keys:
        with contextlib.suppress(StoreError):  # a file already gone is no error
            store.delete(key)


# --- reading ------------------------------------------------------------------------------------


def get_document(process: Process, document_id: int) -> Document | None:
    return db.session.scalar(
        select(Document).where(
            Document.id == document_id,
            Document.process_id == process.id,
            Document.municipality_id == process.municipality_id,
        )
    )


def documents_of(process: Process) -> list[Document]:
    """Every document of the process, for its back office."""
    return list(
        db.session.scalars(
            select(Document)
            .where(Document.process_id == process.id)
            .options(joinedload(Document.phase))
            .order_by(Document.created_at, Document.id)
        )
    )


def process_documents(process: Process) -> list[Document]:
    """The documents shown on the process page: the process's own and its phases'."""
    return list(
        db.session.scalars(
            select(Document)
            .where(
                Document.process_id == process.id,
                Document.answer_id.is_(None),
                Document.outcome_id.is_(None),
            )
            .options(joinedload(Document.phase))
            .order_by(Document.phase_id.is_not(None), Document.created_at, Document.id)
        )
    )


def answer_documents(answer_ids: list[int]) -> dict[int, list[Document]]:
    if not answer_ids:
        return {}
    found: dict[int, list[Document]] = {}
    for document in db.session.scalars(
        select(Document)
        .where(Document.answer_id.in_(answer_ids))
        .order_by(Document.created_at, Document.id)
    ):
        found.setdefault(document.answer_id, []).append(document)
    return found


def outcome_documents(outcome: Outcome) -> list[Document]:
    return list(
        db.session.scalars(
            select(Document)
            .where(Document.outcome_id == outcome.id)
            .order_by(Document.created_at, Document.id)
        )
    )


def answer_proposal(document: Document) -> Proposal | None:
    if document.answer_id is None:
        return None
    return db.session.scalar(
        select(Proposal)
        .join(ProposalStatusChange, ProposalStatusChange.proposal_id == Proposal.id)
        .where(ProposalStatusChange.id == document.answer_id)
    )


def proposal_is_published(proposal: Proposal) -> bool:
    visibility = db.session.scalar(
        select(Contribution.visibility).where(Contribution.id == proposal.contribution_id)
    )
    return visibility == Visibility.VISIBLE


def open_file(key: str):
    return get_store().open(key)
