"""Survey results, aggregated in SQL.

A handful of ``GROUP BY`` queries per survey, whatever the number of responses: the distribution of
(question, option, value) triples, how many responses answered each question, the visible free
texts per question and the responses per trialog group. Means, medians and average ranks come from
those distributions (at most a few dozen rows per question), never from a loop over responses.

Small groups stay anonymous: a trialog group with fewer responses than ``MIN_GROUP_SIZE`` (config)
is never broken out. Its count is not shown, its results cannot be chosen, and its free texts are
never listed under its name; the overall results still include its answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Integer, Select, cast, false, func, literal, null, select, union_all
from sqlalchemy.orm import contains_eager

from app.contributions.models import Contribution
from app.contributions.models import Visibility as ContributionVisibility
from app.core.roles import TrialogGroup
from app.extensions import db
from app.surveys.models import Answer, Question, QuestionType, Response, Survey


@dataclass(frozen=True)
class Row:
    """One bar: a label, how many chose it, and the share of those who answered the question."""

    label: str
    count: int
    percent: float
    is_other: bool = False


@dataclass
class QuestionResult:
    question: Question
    answered: int = 0  # responses that answered this question
    rows: list[Row] = field(default_factory=list)
    mean: float | None = None
    median: float | None = None
    average_ranks: list[tuple[str, float, int]] = field(default_factory=list)  # label, avg, count
    texts: int = 0  # free texts (incl. "other, namely") that may be shown to this reader


@dataclass
class SurveyResults:
    survey: Survey
    total: int
    by_group: dict[TrialogGroup, int]
    questions: list[QuestionResult]
    group: TrialogGroup | None = None
    small_groups: frozenset[TrialogGroup] = frozenset()  # fewer people than the minimum: hidden
    minimum: int = 5


DISTRIBUTION, ANSWERED, TEXTS = 0, 1, 2  # the kinds of rows of ``compute``'s one statement


def _percent(count: int, of: int) -> float:
    return 100.0 * count / of if of else 0.0


def median_of(distribution: list[tuple[int, int]]) -> float | None:
    """The median of values given as sorted ``(value, count)`` pairs (the mean of the two middle
    values for an even number)."""
    total = sum(count for _, count in distribution)
    if not total:
        return None
    lower, upper = (total - 1) // 2, total // 2
    found: dict[int, int] = {}
    seen = 0
    for value, count in distribution:
        for position in (lower, upper):
            if position not in found and seen <= position < seen + count:
                found[position] = value
        seen += count
    return (found[lower] + found[upper]) / 2


def _scoped(
    query: Select, survey: Survey, group: TrialogGroup | None, question_ids: list[int] | None = None
) -> Select:
    """Limit an answers query to the survey's questions (or some of them), and to one group."""
    if question_ids is None:
        question_ids = [q.id for q in survey.questions]
    query = query.where(Answer.question_id.in_(question_ids))
    if group is not None:
        query = query.join(Response, Response.id == Answer.response_id).where(
            Response.author_group == group
        )
    return query


def min_group_size() -> int:
    """The fewest people a trialog group must have for any breakdown to show it (config)."""
    return int(current_app.config.get("MIN_GROUP_SIZE", 5))


def small_groups(by_group: dict[TrialogGroup, int]) -> frozenset[TrialogGroup]:
    """Groups that answered, but fewer than the minimum: their figures must not be shown alone."""
    minimum = min_group_size()
    return frozenset(group for group, count in by_group.items() if 0 < count < minimum)


def small_groups_of(survey: Survey) -> frozenset[TrialogGroup]:
    return small_groups(responses_by_group(survey))


class GroupTooSmall(Exception):
    """A breakdown by a group with fewer people than the minimum was asked for."""


def responses_by_group(survey: Survey) -> dict[TrialogGroup, int]:
    rows = db.session.execute(
        select(Response.author_group, func.count(Response.id))
        .where(Response.survey_id == survey.id)
        .group_by(Response.author_group)
    )
    counts = {group: 0 for group in TrialogGroup}
    counts.update({group: count for group, count in rows})
    return counts


def compute(
    survey: Survey, *, group: TrialogGroup | None = None, include_hidden: bool = False
) -> SurveyResults:
    """All figures of ``survey`` (of one trialog group's responses, if given).

    ``include_hidden`` counts free texts that moderation hid or that await moderation (internal
    readers see them, marked).
    """
    by_group = responses_by_group(survey)
    hidden = small_groups(by_group)
    if group is not None and group in hidden:
        raise GroupTooSmall(group)
    total = by_group[group] if group is not None else sum(by_group.values())
    extra = {"small_groups": hidden, "minimum": min_group_size()}
    if not survey.questions:
        return SurveyResults(survey, total, by_group, [], group, **extra)

    # One statement for the three aggregates (a kind in the first column tells them apart): the
    # distribution of (question, option, value) triples; for multiple choice, where a response has
    # several rows, the distinct responses; the free texts this reader may see. Every other type
    # has exactly one row (single, yes/no, scale, text) or one rank 1 (ranking) per response that
    # answered, which the distribution already tells.
    no_value = cast(null(), Integer)
    parts = [
        _scoped(
            select(
                literal(DISTRIBUTION),
                Answer.question_id,
                Answer.option_id,
                Answer.value_int,
                func.count(),
            ),
            survey,
            group,
        ).group_by(Answer.question_id, Answer.option_id, Answer.value_int)
    ]
    multiple_ids = [q.id for q in survey.questions if q.type == QuestionType.MULTIPLE]
    if multiple_ids:
        parts.append(
            _scoped(
                select(
                    literal(ANSWERED),
                    Answer.question_id,
                    no_value,
                    no_value,
                    func.count(func.distinct(Answer.response_id)),
                ),
                survey,
                group,
                multiple_ids,
            ).group_by(Answer.question_id)
        )
    shown = (
        Contribution.visibility != ContributionVisibility.DELETED
        if include_hidden
        else Contribution.visibility == ContributionVisibility.VISIBLE
    )
    text_ids = [q.id for q in survey.questions if q.type.is_text or q.allow_other]
    if text_ids:
        parts.append(
            _scoped(
                select(literal(TEXTS), Answer.question_id, no_value, no_value, func.count())
                .join(Contribution, Contribution.id == Answer.contribution_id)
                .where(Answer.option_id.is_(None), Answer.value_int.is_(None), shown),
                survey,
                group,
                text_ids,
            ).group_by(Answer.question_id)
        )
    rows = db.session.execute(union_all(*parts) if len(parts) > 1 else parts[0]).all()
    distribution = [row[1:] for row in rows if row[0] == DISTRIBUTION]
    answered = {row[1]: row[4] for row in rows if row[0] == ANSWERED}
    texts = {row[1]: row[4] for row in rows if row[0] == TEXTS}

    cells: dict[int, list[tuple[int | None, int | None, int]]] = {}
    for question_id, option_id, value, count in distribution:
        cells.setdefault(question_id, []).append((option_id, value, count))
    results = [
        _question_result(q, answered.get(q.id), cells.get(q.id, []), texts.get(q.id, 0))
        for q in survey.questions
    ]
    return SurveyResults(survey, total, by_group, results, group, **extra)


def _answered(question: Question, cells: list[tuple[int | None, int | None, int]]) -> int:
    """Responses that answered a question with one row (or one rank 1) per response."""
    if question.type == QuestionType.RANKING:
        return sum(count for option_id, value, count in cells if value == 1)
    return sum(count for _option_id, _value, count in cells)


def _question_result(
    question: Question,
    answered: int | None,
    cells: list[tuple[int | None, int | None, int]],
    texts: int,
) -> QuestionResult:
    if answered is None:
        answered = _answered(question, cells)
    result = QuestionResult(question, answered=answered, texts=texts)
    qtype = question.type
    if qtype.is_choice:
        counts = {option_id: count for option_id, value, count in cells if option_id is not None}
        other = sum(count for option_id, _v, count in cells if option_id is None)
        result.rows = [
            Row(
                option.label, counts.get(option.id, 0), _percent(counts.get(option.id, 0), answered)
            )
            for option in question.options
        ]
        if question.allow_other or other:
            result.rows.append(Row(_("Other"), other, _percent(other, answered), is_other=True))
    elif qtype in (QuestionType.YES_NO, QuestionType.SCALE):
        counts = {value: count for option_id, value, count in cells if value is not None}
        if qtype == QuestionType.YES_NO:
            labels = [(1, _("Yes")), (0, _("No"))]
        else:
            labels = [(value, _scale_label(question, value)) for value in question.scale_values]
        result.rows = [
            Row(label, counts.get(value, 0), _percent(counts.get(value, 0), answered))
            for value, label in labels
        ]
        if qtype == QuestionType.SCALE and answered:
            distribution = sorted(counts.items())
            n = sum(counts.values())
            result.mean = sum(value * count for value, count in distribution) / n
            result.median = median_of(distribution)
    elif qtype == QuestionType.RANKING:
        sums: dict[int, list[int]] = {}
        for option_id, value, count in cells:
            if option_id is not None and value is not None:
                entry = sums.setdefault(option_id, [0, 0])
                entry[0] += value * count
                entry[1] += count
        ranked = []
        for option in question.options:
            total, n = sums.get(option.id, [0, 0])
            if n:
                ranked.append((option.label, total / n, n))
        result.average_ranks = sorted(ranked, key=lambda item: item[1])
        # the bars: how often each option was put first
        firsts = {
            option_id: count
            for option_id, value, count in cells
            if option_id is not None and value == 1
        }
        result.rows = [
            Row(
                option.label, firsts.get(option.id, 0), _percent(firsts.get(option.id, 0), answered)
            )
            for option in question.options
        ]
    return result


def _scale_label(question: Question, value: int) -> str:
    if value == question.scale_min and question.scale_min_label:
        return f"{value} ({question.scale_min_label})"
    if value == question.scale_max and question.scale_max_label:
        return f"{value} ({question.scale_max_label})"
    return str(value)


def texts_query(
    question: Question, *, include_hidden: bool = False, group: TrialogGroup | None = None
) -> Select:
    """The free-text answers of ``question`` (its "other, namely" texts for choice questions),
    oldest first, with their response (the group) and contribution (the moderation state) loaded
    in the same query, for a paginated list."""
    shown = (
        Contribution.visibility != ContributionVisibility.DELETED
        if include_hidden
        else Contribution.visibility == ContributionVisibility.VISIBLE
    )
    query = (
        select(Answer)
        .join(Answer.response)
        .join(Answer.contribution)
        .where(Answer.question_id == question.id, Answer.text.is_not(None), shown)
        .options(contains_eager(Answer.response), contains_eager(Answer.contribution))
        .order_by(Answer.id)
    )
    if group is not None:
        query = query.where(Response.author_group == group)
        if group in small_groups_of(question.survey):
            query = query.where(false())  # never list a small group's texts under its name
    return query
