"""The report's charts: the survey module's server-rendered SVG bars, fed with report figures.

Every chart stands beside a table with the same figures (the templates put it there), so the page
prints and screen readers read the table.
"""

from __future__ import annotations

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from markupsafe import Markup

from app.outcomes.reports import Figures
from app.surveys import charts
from app.surveys.models import QuestionType
from app.surveys.results import SurveyResults


def _percent(value: float) -> str:
    return format_decimal(value, format="#,##0.0") + "\u00a0%"


def report_charts(figures: Figures) -> dict[str, Markup]:
    drawn: dict[str, Markup] = {}
    if figures.by_kind:
        drawn["kinds"] = charts.bar_chart(
            "chart-kinds",
            _("Contributions by kind"),
            [(c.label, c.count, str(c.count)) for c in figures.by_kind],
        )
    shown_groups = [g for g in figures.by_group if not g.hidden]
    if any(g.contributions for g in shown_groups):
        drawn["groups"] = charts.bar_chart(
            "chart-groups",
            _("Contributions by trialog group"),
            [(g.group.label, g.contributions, str(g.contributions)) for g in shown_groups],
        )
    if figures.weeks:
        drawn["weeks"] = charts.bar_chart(
            "chart-weeks",
            _("Contributions per week"),
            [
                (_("Week of %(date)s", date=format_date(monday, "medium")), count, str(count))
                for monday, count in figures.weeks
            ],
        )
    return drawn


def survey_charts(results: SurveyResults) -> dict[int, Markup]:
    """One chart per question with bars, as on the survey's own results page."""
    drawn = {}
    for number, result in enumerate(results.questions, 1):
        if not result.rows:
            continue
        question = result.question
        if question.type == QuestionType.RANKING:
            title = _("Question %(number)d: how often each option was ranked first", number=number)
        else:
            title = _("Question %(number)d: answers in percent", number=number)
        drawn[question.id] = charts.bar_chart(
            f"chart-s{results.survey.id}-{question.id}",
            title,
            [
                (row.label, row.percent, f"{row.count} ({_percent(row.percent)})")
                for row in result.rows
            ],
            maximum=100.0,
        )
    return drawn
