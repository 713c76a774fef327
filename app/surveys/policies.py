"""Who may do what with surveys; views ``require`` these names and templates ask ``can``.

Building and exporting belongs to those who manage processes. Internal results (all of them when a
survey's results are internal, the breakdown by trialog group, moderated free texts) are for the
municipality's side of the trialog: administration, moderation, council and facilitation.
"""

from __future__ import annotations

from app.contributions.models import Visibility as ContributionVisibility
from app.core.permissions import allowed, rule
from app.core.roles import INTERNAL_ROLES
from app.core.time import utcnow
from app.municipalities.models import Municipality
from app.municipalities.policies import is_platform_admin
from app.processes.models import Process
from app.surveys import services
from app.surveys.models import Survey


def _process_of(target) -> Process | Municipality | None:
    if isinstance(target, Survey):
        return target.process
    if isinstance(target, Process | Municipality):
        return target
    return None


@rule("survey.manage")
def manage_surveys(user, target: Survey | Process | Municipality) -> bool:
    """Build, preview, publish and export surveys: whoever manages the process."""
    return allowed("process.manage", user, _process_of(target))


@rule("survey.view")
def view_survey(user, survey: Survey) -> bool:
    """Published surveys of a process one may read; drafts only for those who build them."""
    if not allowed("process.view", user, survey.process):
        return False
    return survey.is_published or manage_surveys(user, survey)


@rule("survey.answer")
def answer_survey(user, survey: Survey) -> bool:
    return view_survey(user, survey) and services.answer_gate(survey, user, utcnow()).allowed


@rule("survey.results_internal")
def internal_results(user, survey: Survey) -> bool:
    """Results whatever their visibility, the breakdown by group, moderated texts."""
    if not view_survey(user, survey):
        return False
    if is_platform_admin(user):
        return True
    municipality = survey.process.municipality
    return getattr(user, "is_authenticated", False) and user.role_in(municipality) in INTERNAL_ROLES


@rule("survey.results")
def view_results(user, survey: Survey) -> bool:
    if not view_survey(user, survey):
        return False
    return services.results_public(survey, utcnow()) or internal_results(user, survey)


def can_read_answer(user, contribution) -> bool:
    """``contribution.read`` for free-text answers: readable where the survey's results are, and
    only published texts unless the person reads internal results (they see hidden ones, marked).

    Unpublished surveys, internal results, members-only processes and other municipalities all
    follow from ``survey.results``.
    """
    survey = services.survey_of_text(contribution.id)
    if survey is None or contribution.visibility == ContributionVisibility.DELETED:
        return False
    if not view_results(user, survey):
        return False
    return contribution.visibility == ContributionVisibility.VISIBLE or internal_results(
        user, survey
    )


@rule("survey.export")
def export_results(user, survey: Survey) -> bool:
    """Exports hold every answer: for those who manage the process only."""
    return manage_surveys(user, survey)
