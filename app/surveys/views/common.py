"""What every survey page shares: the blueprint, loading scoped to the municipality and the
visitor's rights, and the browser token that lets link surveys be answered once without an account."""

from __future__ import annotations

import secrets
from functools import lru_cache

from babel import numbers
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    request,
)
from flask_babel import get_locale
from flask_login import current_user

from app.core import tokens
from app.core.permissions import can, require
from app.municipalities.tenancy import current_municipality, tenant_blueprint
from app.processes.loading import managed_process, visible_process
from app.processes.models import Process
from app.surveys import forms, services
from app.surveys.models import (
    Audience,
    Option,
    Question,
    Survey,
)

bp = tenant_blueprint(Blueprint("surveys", __name__, url_prefix="/<slug>"))


BROWSER_COOKIE = "trialog_survey_browser"


BROWSER_MAX_AGE = 60 * 60 * 24 * 365


TEXTS_PER_PAGE = 20


def _visible_survey(process_slug: str, survey_id: int) -> Survey:
    """A survey of this process that the visitor may see; drafts do not exist for others."""
    process = visible_process(process_slug)
    survey = services.get_survey(current_municipality(), survey_id)
    if survey is None or survey.process_id != process.id or not can("survey.view", survey):
        abort(404)
    return survey


def _managed_process(process_id: int) -> Process:
    return managed_process(process_id, may="survey.manage")


def _managed_survey(survey_id: int) -> Survey:
    municipality = current_municipality()
    require("survey.manage", municipality)
    survey = services.get_survey(municipality, survey_id)
    if survey is None:
        abort(404)
    return survey


def _managed_question(survey: Survey, question_id: int) -> Question:
    question = services.get_question(survey, question_id)
    if question is None:
        abort(404)
    return question


def _managed_option(question: Question, option_id: int) -> Option:
    option = services.get_option(question, option_id)
    if option is None:
        abort(404)
    return option


def _browser_token() -> str | None:
    """The random id this browser got with a signed cookie, if it sent one that is genuine."""
    raw = request.cookies.get(BROWSER_COOKIE)
    if not raw:
        return None
    try:
        return tokens.read_token("survey-browser", raw, max_age=BROWSER_MAX_AGE)
    except tokens.InvalidToken:
        return None


def _give_browser_token() -> None:
    """Hand out a browser id with this response (read back on the next request)."""
    g.survey_browser_token = secrets.token_urlsafe(24)


@bp.after_request
def _set_browser_cookie(response: Response) -> Response:
    token = g.pop("survey_browser_token", None)
    if token is not None:
        response.set_cookie(
            BROWSER_COOKIE,
            tokens.make_token("survey-browser", token),
            max_age=BROWSER_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def _respondent(survey: Survey) -> services.Respondent:
    if current_user.is_authenticated:
        return services.Respondent(user=current_user._get_current_object())
    if survey.audience == Audience.LINK:
        return services.Respondent(browser_token=_browser_token())
    return services.Respondent()


@bp.context_processor
def _survey_helpers() -> dict:
    return {
        "anchor_name": forms.anchor_name,
        "anchor_id": forms.anchor_id,
        "rank_name": forms.rank_name,
        "short_max": services.SHORT_TEXT_MAX,
        "long_max": services.LONG_TEXT_MAX,
    }


@lru_cache(maxsize=4096)
def _decimal(value: float, pattern: str, locale: str) -> str:
    """Babel's number formatting, remembered: a results page formats every share twice (chart
    and table), and the same figures on every view until the next response."""
    return numbers.format_decimal(value, format=pattern, locale=locale)


@bp.app_template_filter("survey_percent")
def percent_filter(value: float) -> str:
    """A share in German notation with one decimal: ``35,0 %``."""
    return _decimal(value, "#,##0.0", str(get_locale())) + "\u00a0%"


@bp.app_template_filter("survey_number")
def number_filter(value: float) -> str:
    """A mean, median or average rank in German notation, at most two decimals: ``3,25``."""
    return _decimal(value, "#,##0.##", str(get_locale()))
