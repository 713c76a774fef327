"""When a survey is open and for whom, and who has answered it already (accounts or a browser's
anonymous token)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.contributions import services as contributions
from app.extensions import db
from app.processes import services as processes
from app.processes.services import Gate, GateReason
from app.surveys.models import (
    Audience,
    Response,
    ResultsVisibility,
    Schedule,
    Survey,
    SurveyParticipation,
)
from app.surveys.services.common import Respondent


def _format_local(moment: datetime) -> str:
    return format_datetime(moment, "short")


def survey_window(survey: Survey, now: datetime) -> Gate:
    """Is the survey open at ``now``, whoever asks? Its own dates or the process's phase."""
    process = survey.process
    if not survey.is_published or process.is_draft:
        return Gate(GateReason.NOT_PUBLISHED, _("This survey is not published."))
    if process.is_archived:
        return Gate(GateReason.ARCHIVED, _("This process is archived; the survey is closed."))
    if survey.schedule == Schedule.PHASE:
        gate = processes.phase_gate(process, now)
        if gate.allowed:
            return Gate(
                GateReason.OPEN,
                _("The survey is open until %(end)s.", end=_format_local(gate.closes_at)),
                closes_at=gate.closes_at,
            )
        return gate
    if now < survey.opens_at:
        return Gate(
            GateReason.NOT_YET,
            _("The survey opens on %(start)s.", start=_format_local(survey.opens_at)),
            opens_at=survey.opens_at,
        )
    if now >= survey.closes_at:
        return Gate(
            GateReason.ENDED,
            _("The survey closed on %(end)s.", end=_format_local(survey.closes_at)),
        )
    return Gate(
        GateReason.OPEN,
        _("The survey is open until %(end)s.", end=_format_local(survey.closes_at)),
        closes_at=survey.closes_at,
    )


def is_closed(survey: Survey, now: datetime) -> bool:
    """Has answering ended for good (as opposed to not having started yet)?"""
    gate = survey_window(survey, now)
    return gate.reason in {GateReason.ENDED, GateReason.ARCHIVED} or (
        gate.reason == GateReason.NO_PARTICIPATION
    )


def answer_gate(survey: Survey, user, now: datetime) -> Gate:
    """May this visitor answer now? Member surveys need a logged-in member; a block holds for
    every survey of the municipality (link surveys too, as long as the person is logged in)."""
    gate = survey_window(survey, now)
    if not gate.allowed:
        return gate
    refusal = contributions.participation_refusal(user, survey.process)
    if refusal:
        return Gate(GateReason.BLOCKED, refusal, closes_at=gate.closes_at)
    if survey.audience == Audience.LINK:
        return gate
    if not getattr(user, "is_authenticated", False):
        return Gate(GateReason.LOGIN, _("Log in to answer."), closes_at=gate.closes_at)
    if user.membership_in(survey.process.municipality) is None:
        return Gate(
            GateReason.JOIN,
            _("Join %(name)s to answer.", name=survey.process.municipality.name),
            closes_at=gate.closes_at,
        )
    return gate


def results_public(survey: Survey, now: datetime) -> bool:
    """Do the results show to everyone who may see the survey?"""
    if not survey.is_published:
        return False
    if survey.results_visibility == ResultsVisibility.LIVE:
        return True
    if survey.results_visibility == ResultsVisibility.AFTER_CLOSE:
        return is_closed(survey, now)
    return False


def token_hash(survey: Survey, browser_token: str) -> str:
    """A per-survey hash of the browser's random id, so the id itself is never stored."""
    return hashlib.sha256(f"{survey.id}:{browser_token}".encode()).hexdigest()


def own_response(survey: Survey, respondent: Respondent) -> Response | None:
    """The respondent's response where it is linked to them (named surveys, link tokens)."""
    if respondent.is_account:
        if survey.anonymous:
            return None
        return db.session.scalar(
            select(Response)
            .where(Response.survey_id == survey.id, Response.user_id == respondent.user.id)
            .options(selectinload(Response.answers))
        )
    if respondent.browser_token:
        return db.session.scalar(
            select(Response).where(
                Response.survey_id == survey.id,
                Response.token_hash == token_hash(survey, respondent.browser_token),
            )
        )
    return None


def has_answered(survey: Survey, respondent: Respondent) -> bool:
    if respondent.is_account and survey.anonymous:
        return db.session.get(SurveyParticipation, (survey.id, respondent.user.id)) is not None
    return own_response(survey, respondent) is not None


def may_change(survey: Survey, respondent: Respondent) -> bool:
    """Members of named surveys change their response until it closes; nobody else can."""
    return respondent.is_account and not survey.anonymous
