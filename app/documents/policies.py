"""Who may read and who may manage documents; views ``require`` these names, templates ask ``can``.

Reading a document is reading the place it is attached to: the process (``process.view``: drafts
for those who manage them, members-only processes for members, nothing of an inactive
municipality), a published answer's proposal, an outcome once published (or for the report readers
before). Managing is managing the process.
"""

from __future__ import annotations

from app.core.permissions import allowed, rule
from app.documents import services
from app.documents.models import Document
from app.extensions import db
from app.outcomes.models import Outcome
from app.processes.models import Process


@rule("document.view")
def view_document(user, document: Document) -> bool:
    if not isinstance(document, Document):
        return False
    process = document.process
    if not allowed("process.view", user, process):
        return False
    if allowed("process.manage", user, process):
        return True
    if document.answer_id is not None:
        proposal = services.answer_proposal(document)
        return (
            proposal is not None
            and services.proposal_is_published(proposal)
            and allowed("proposal.view", user, proposal)
        )
    if document.outcome_id is not None:
        outcome = db.session.get(Outcome, document.outcome_id)
        return outcome is not None and allowed("outcome.view", user, outcome)
    return True


@rule("document.manage")
def manage_documents(user, process: Process) -> bool:
    """Attach, describe and delete the documents of a process: those who run it."""
    return isinstance(process, Process) and allowed("process.manage", user, process)
