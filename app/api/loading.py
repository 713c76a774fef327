"""Loading what an API request names, as the public pages would for an anonymous visitor.

Reads never look at cookies or tokens: every read is what an anonymous visitor sees on the web
pages, decided by the same permission rules (``allowed(name, ANONYMOUS, target)``). Writes load
through ``managed_*``: the token's municipality only, drafts included.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from app.api.errors import ApiError
from app.contributions.models import Visibility
from app.core.permissions import allowed
from app.extensions import db
from app.municipalities.models import Municipality
from app.processes import services as processes
from app.processes.models import Phase, Process
from app.proposals import services as proposals
from app.proposals.models import Proposal
from app.surveys import services as surveys
from app.surveys.models import Survey

ANONYMOUS = AnonymousUserMixin()


def not_found(what: str | None = None) -> ApiError:
    return ApiError(404, what or _("This object does not exist or is not public."))


def municipality(slug: str) -> Municipality:
    found = db.session.scalar(select(Municipality).where(Municipality.slug == slug))
    if found is None or not allowed("municipality.view", ANONYMOUS, found):
        raise not_found()
    return found


def process(m: Municipality, process_slug: str) -> Process:
    found = processes.get_process_by_slug(m, process_slug)
    if found is None or not allowed("process.view", ANONYMOUS, found):
        raise not_found()
    return found


def proposal_process(m: Municipality, process_slug: str) -> Process:
    found = process(m, process_slug)
    if not proposals.takes_proposals(found):
        raise not_found()
    return found


def proposal(p: Process, proposal_id: int) -> Proposal:
    found = proposals.get_proposal(p, proposal_id)
    if (
        found is None
        or found.contribution.visibility == Visibility.PENDING
        or not allowed("proposal.view", ANONYMOUS, found)
    ):
        raise not_found()
    return found


def survey(p: Process, survey_id: int) -> Survey:
    found = surveys.get_survey(p.municipality, survey_id)
    if found is None or found.process_id != p.id or not allowed("survey.view", ANONYMOUS, found):
        raise not_found()
    return found


# --- for writes ---------------------------------------------------------------------------------


def managed_process(m: Municipality, process_slug: str) -> Process:
    """A process of the token's municipality, drafts included (the caller checked the rights)."""
    found = processes.get_process_by_slug(m, process_slug)
    if found is None:
        raise not_found()
    return found


def managed_phase(p: Process, phase_id: int) -> Phase:
    found = processes.get_phase(p, phase_id)
    if found is None:
        raise not_found()
    return found


def managed_proposal(p: Process, proposal_id: int) -> Proposal:
    found = proposals.get_proposal(p, proposal_id)
    if found is None:
        raise not_found()
    return found
