"""The consolidated report of a process: figures aggregated in SQL, never loops over rows.

Every figure is a ``GROUP BY`` or ``COUNT`` over the one ``contributions`` table (plus supports,
reactions and survey participations for the number of people), so the page costs the same handful
of queries at ten proposals and at ten thousand. Lists (proposals, comments) are paginated or cut,
each one range of an index (ranked proposals, most discussed) or a few rows by id.

The figures read the whole process, which takes seconds for a city's: ``count_figures`` counts them
as plain data, which ``app.outcomes.kept`` keeps per process, and ``figures_from`` turns them into
what the page shows, in the reader's language.

Small groups stay anonymous: a trialog group with fewer people than ``MIN_GROUP_SIZE`` is not shown
in any breakdown by group; the page says so instead of giving its figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, distinct, func, select, union
from sqlalchemy.orm import selectinload

from app.comments.models import Comment, CommentReaction
from app.contributions import kinds
from app.contributions.models import Channel, Contribution, Thread, Visibility
from app.core.roles import TrialogGroup
from app.events.models import PaperResponse
from app.extensions import db
from app.moderation.models import Action, Decision, Report, ReportReason
from app.processes.models import Process
from app.proposals import promise
from app.proposals.models import (
    Proposal,
    ProposalCategory,
    ProposalStatement,
    ProposalStatus,
    ProposalSupport,
)
from app.surveys import results as survey_results
from app.surveys.models import Answer, Response, Survey, SurveyParticipation, SurveyState

TOP_LIST = 5
PDF_PROPOSALS = 100


def min_group_size() -> int:
    return survey_results.min_group_size()


@dataclass(frozen=True)
class GroupFigure:
    group: TrialogGroup
    contributions: int
    people: int
    hidden: bool  # fewer people than the minimum: not shown


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    count: int


@dataclass
class Figures:
    """The participation figures of one process."""

    participants: int
    without_account: int
    contributions: int
    by_kind: list[Count]
    by_group: list[GroupFigure]
    by_channel: list[Count]
    weeks: list[tuple[date, int]]
    proposals: int
    answered: int
    record: promise.Record | None
    moderation: Moderation
    agreed: list[int] = field(default_factory=list)  # comments most agreed with (ids)
    minimum: int = 5

    @property
    def hidden_groups(self) -> list[GroupFigure]:
        return [g for g in self.by_group if g.hidden]

    @property
    def on_time_percent(self) -> float | None:
        if self.record is None or not self.record.settled:
            return None
        return 100.0 * self.record.on_time / self.record.settled


@dataclass
class Moderation:
    """Moderation figures without any personal data: counts by reason and by action."""

    reports: int = 0
    by_reason: list[Count] = field(default_factory=list)
    by_action: list[Count] = field(default_factory=list)
    hidden_now: int = 0
    pending_now: int = 0


def _written(process: Process):
    """Contributions that count: everything written except what its authors deleted."""
    return (Contribution.process_id == process.id) & (Contribution.visibility != Visibility.DELETED)


def participants(process: Process) -> int:
    """Distinct accounts that wrote, supported, reacted or answered a survey in the process.

    Acts of deleted accounts stay counted where they were cast but are unlinked (no user id): they
    cannot be told apart, so they are left out here rather than counted as one person.
    """
    people = union(
        select(Contribution.author_id.label("user_id")).where(
            _written(process), Contribution.author_id.is_not(None)
        ),
        select(ProposalSupport.user_id)
        .join(Proposal, Proposal.id == ProposalSupport.proposal_id)
        .where(Proposal.process_id == process.id, ProposalSupport.user_id.is_not(None)),
        select(CommentReaction.user_id)
        .join(Comment, Comment.id == CommentReaction.comment_id)
        .join(Thread, Thread.id == Comment.thread_id)
        .where(Thread.process_id == process.id, CommentReaction.user_id.is_not(None)),
        select(SurveyParticipation.user_id)
        .join(Survey, Survey.id == SurveyParticipation.survey_id)
        .where(Survey.process_id == process.id, SurveyParticipation.user_id.is_not(None)),
        select(Response.user_id)
        .join(Survey, Survey.id == Response.survey_id)
        .where(Survey.process_id == process.id, Response.user_id.is_not(None)),
    ).subquery()
    return db.session.scalar(select(func.count()).select_from(people)) or 0


def _without_account(process: Process) -> int:
    """Survey responses from visitors without an account (link surveys)."""
    return (
        db.session.scalar(
            select(func.count(Response.id))
            .join(Survey, Survey.id == Response.survey_id)
            .where(Survey.process_id == process.id, Response.token_hash.is_not(None))
        )
        or 0
    )


def people_by_group(process: Process) -> dict[TrialogGroup, int]:
    """How many people of each trialog group wrote something: distinct authors, plus distinct
    anonymous survey responses (whose texts carry a group but no account)."""
    counts = {group: 0 for group in TrialogGroup}
    for group, people in db.session.execute(
        select(Contribution.author_group, func.count(distinct(Contribution.author_id)))
        .where(_written(process), Contribution.author_id.is_not(None))
        .group_by(Contribution.author_group)
    ):
        counts[group] += people
    for group, people in db.session.execute(
        select(Contribution.author_group, func.count(distinct(Answer.response_id)))
        .join(Answer, Answer.contribution_id == Contribution.id)
        .where(_written(process), Contribution.author_id.is_(None))
        .group_by(Contribution.author_group)
    ):
        counts[group] += people
    return counts


def _weeks(days: list[tuple[str, int]]) -> list[tuple[date, int]]:
    """Contributions per calendar week (Monday) from the per-day counts; empty weeks kept."""
    weeks: dict[date, int] = {}
    for value, count in days:
        when = date.fromisoformat(value)
        monday = when - timedelta(days=when.weekday())
        weeks[monday] = weeks.get(monday, 0) + count
    if not weeks:
        return []
    first, last = min(weeks), max(weeks)
    filled = []
    monday = first
    while monday <= last:
        filled.append((monday, weeks.get(monday, 0)))
        monday += timedelta(days=7)
    return filled


def _days(process: Process) -> list[list]:
    """Contributions per day (UTC), from one ``GROUP BY``."""
    if db.engine.dialect.name == "postgresql":
        day = func.date(func.timezone("UTC", Contribution.created_at))
    else:
        day = func.date(Contribution.created_at)
    rows = db.session.execute(
        select(day.label("day"), func.count()).where(_written(process)).group_by(day).order_by(day)
    ).all()
    return [
        [(value if isinstance(value, date) else date.fromisoformat(str(value)[:10])).isoformat(), n]
        for value, n in rows
    ]


def _anonymous_link(process: Process) -> int:
    """Responses through a survey link without an account that wrote something counted online."""
    return (
        db.session.scalar(
            select(func.count(distinct(Answer.response_id)))
            .join(Contribution, Contribution.id == Answer.contribution_id)
            .join(Response, Response.id == Answer.response_id)
            .where(_written(process), Response.token_hash.is_not(None))
        )
        or 0
    )


def _on_paper(process: Process) -> int:
    return (
        db.session.scalar(
            select(func.count(PaperResponse.id))
            .join(Response, Response.id == PaperResponse.response_id)
            .join(Survey, Survey.id == Response.survey_id)
            .where(Survey.process_id == process.id)
        )
        or 0
    )


def _value(key) -> str:
    return getattr(key, "value", key)


def _counted(statement) -> dict[str, int]:
    return {_value(key): count for key, count in db.session.execute(statement)}


def top_agreed_ids(process: Process, limit: int = TOP_LIST) -> list[int]:
    """The visible comments of the process most agreed with (ids), over all its comments."""
    return list(
        db.session.scalars(
            select(Comment.id)
            .join(Contribution, Contribution.id == Comment.contribution_id)
            .where(
                Contribution.process_id == process.id,
                Contribution.visibility == Visibility.VISIBLE,
                Comment.agree_count > 0,
            )
            .order_by(Comment.agree_count.desc(), Comment.id)
            .limit(limit)
        )
    )


def count_figures(process: Process) -> dict:
    """Every aggregate the figures are made of, as plain data (kept as JSON by ``kept``): keys
    and counts only, no labels (each reader gets them in their language) and no group hidden yet
    (the minimum group size applies when they are shown). About fifteen queries, whatever the size,
    each reading the whole process."""
    written = _written(process)
    in_process = Contribution.process_id == process.id
    by_kind_and_group = db.session.execute(
        select(Contribution.kind, Contribution.author_group, func.count())
        .where(written)
        .group_by(Contribution.kind, Contribution.author_group)
    ).all()
    proposals = db.session.execute(
        select(func.count(Proposal.id), func.count(Proposal.answered_at))
        .join(Contribution, Contribution.id == Proposal.contribution_id)
        .where(Proposal.process_id == process.id, Contribution.visibility == Visibility.VISIBLE)
    ).one()
    return {
        "by_kind_and_group": [[kind, _value(group), n] for kind, group, n in by_kind_and_group],
        "people": {group.value: n for group, n in people_by_group(process).items()},
        "participants": participants(process),
        "without_account": _without_account(process),
        "channels": _counted(
            select(Contribution.channel, func.count()).where(written).group_by(Contribution.channel)
        ),
        "anonymous_link": _anonymous_link(process),
        "on_paper": _on_paper(process),
        "days": _days(process),
        "proposals": proposals[0],
        "answered": proposals[1],
        "reports_by_reason": _counted(
            select(Report.reason, func.count())
            .join(Contribution, Contribution.id == Report.contribution_id)
            .where(in_process)
            .group_by(Report.reason)
        ),
        "decisions_by_action": _counted(
            select(Decision.action, func.count())
            .join(Contribution, Contribution.id == Decision.contribution_id)
            .where(in_process)
            .group_by(Decision.action)
        ),
        "visibility": _counted(
            select(Contribution.visibility, func.count())
            .where(in_process)
            .group_by(Contribution.visibility)
        ),
        "agreed": top_agreed_ids(process),
    }


def _by_kind(per_kind: dict[str, int]) -> list[Count]:
    by_kind = []
    for kind_key, count in sorted(per_kind.items(), key=lambda item: (-item[1], item[0])):
        registered = kinds.kind(kind_key)
        by_kind.append(Count(kind_key, str(registered.label) if registered else kind_key, count))
    return by_kind


def _channels(counted: dict) -> list[Count]:
    """Contributions by channel, online and on site side by side: online with an account, through a
    survey link without one, and each channel staff entered input from on behalf of participants
    (events, letters, phone calls, paper forms; ``Contribution.channel``)."""
    per_channel = dict(counted["channels"])
    online = per_channel.pop(Channel.ONLINE.value, 0)
    counts = [
        Count("online", str(_l("Online, with an account")), online - counted["anonymous_link"]),
        Count(
            "link",
            str(_l("Survey link, without an account (responses)")),
            counted["without_account"],
        ),
    ]
    for channel in Channel:
        if channel != Channel.ONLINE and per_channel.get(channel.value):
            counts.append(Count(channel.value, channel.label, per_channel[channel.value]))
    if counted["on_paper"]:
        counts.append(
            Count("paper_responses", str(_l("Paper forms (responses)")), counted["on_paper"])
        )
    return counts


def _moderation(counted: dict) -> Moderation:
    by_reason, by_action = counted["reports_by_reason"], counted["decisions_by_action"]
    states = counted["visibility"]
    return Moderation(
        reports=sum(by_reason.values()),
        by_reason=[
            Count(reason.value, reason.label, by_reason[reason.value])
            for reason in ReportReason
            if by_reason.get(reason.value)
        ],
        by_action=[
            Count(action.value, action.label, by_action[action.value])
            for action in Action
            if by_action.get(action.value)
        ],
        hidden_now=states.get(Visibility.HIDDEN.value, 0),
        pending_now=states.get(Visibility.PENDING.value, 0),
    )


def figures_from(counted: dict, record: promise.Record | None) -> Figures:
    """The figures the page shows, from counted data: labels in the reader's language, groups with
    fewer people than the minimum hidden (as configured now)."""
    minimum = min_group_size()
    per_kind: dict[str, int] = {}
    per_group = {group: 0 for group in TrialogGroup}
    for kind_key, group, count in counted["by_kind_and_group"]:
        per_kind[kind_key] = per_kind.get(kind_key, 0) + count
        per_group[TrialogGroup(group)] += count
    people = {group: counted["people"].get(group.value, 0) for group in TrialogGroup}
    return Figures(
        participants=counted["participants"],
        without_account=counted["without_account"],
        contributions=sum(per_kind.values()),
        by_kind=_by_kind(per_kind),
        by_group=[
            GroupFigure(group, per_group[group], people[group], 0 < people[group] < minimum)
            for group in TrialogGroup
        ],
        by_channel=_channels(counted),
        weeks=_weeks(counted["days"]),
        proposals=counted["proposals"],
        answered=counted["answered"],
        record=record,
        moderation=_moderation(counted),
        agreed=list(counted["agreed"]),
        minimum=minimum,
    )


def figures(process: Process, now: datetime) -> Figures:
    """Every participation figure of the report, counted now (``kept.figures`` keeps them)."""
    return figures_from(count_figures(process), promise.answer_record(process, now))


# --- proposals ----------------------------------------------------------------------------------


def categories(process: Process) -> list[ProposalCategory]:
    return list(
        db.session.scalars(
            select(ProposalCategory)
            .where(ProposalCategory.process_id == process.id)
            .order_by(ProposalCategory.position, ProposalCategory.name)
        )
    )


def _ranked(query: Select, process: Process) -> Select:
    """``query`` over the process's visible proposals, most supported first."""
    return (
        query.join(Contribution, Contribution.id == Proposal.contribution_id)
        .where(Proposal.process_id == process.id, Contribution.visibility == Visibility.VISIBLE)
        .order_by(Proposal.support_count.desc(), Proposal.id)
    )


def ranked_proposals(
    process: Process, *, category_id: int | None = None, status: ProposalStatus | None = None
) -> Select:
    """Visible proposals ranked by supports, with what the report shows of each loaded in batches:
    category, comment count, status history (the official answer) and council statements."""
    query = _ranked(select(Proposal), process).options(
        selectinload(Proposal.category),
        selectinload(Proposal.thread),
        selectinload(Proposal.status_changes),
        selectinload(Proposal.statements)
        .selectinload(ProposalStatement.contribution)
        .selectinload(Contribution.author),
    )
    if category_id is not None:
        query = query.where(Proposal.category_id == category_id)
    if status is not None:
        query = query.where(Proposal.status == status)
    return query


def ranked_rows(process: Process) -> Select:
    """The same proposals as plain values (id, title, supports, comments, status, category), for
    exports that list every one of them: read in slices, never as 100,000 objects at once."""
    columns = select(
        Proposal.id,
        Proposal.title,
        Proposal.support_count,
        Thread.comment_count,
        Proposal.status,
        ProposalCategory.name.label("category"),
    )
    return (
        _ranked(columns, process)
        .join(Thread, Thread.id == Proposal.thread_id)
        .outerjoin(ProposalCategory, ProposalCategory.id == Proposal.category_id)
    )


def most_discussed(process: Process, limit: int = TOP_LIST) -> list[Proposal]:
    """The visible proposals with the most comments. The process is named on the threads too, so
    the database walks ``ix_threads_process_comments`` from the top and stops after a few rows
    instead of sorting every proposal of the process."""
    return list(
        db.session.scalars(
            select(Proposal)
            .join(Thread, Thread.id == Proposal.thread_id)
            .join(Contribution, Contribution.id == Proposal.contribution_id)
            .where(
                Proposal.process_id == process.id,
                Thread.process_id == process.id,
                Contribution.visibility == Visibility.VISIBLE,
                Thread.comment_count > 0,
            )
            .options(selectinload(Proposal.thread))
            .order_by(Thread.comment_count.desc(), Proposal.id)
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class AgreedComment:
    comment: Comment
    excerpt: str
    url: str
    title: str


def most_agreed(
    process: Process, among: list[int] | None = None, limit: int = TOP_LIST
) -> list[AgreedComment]:
    """The visible comments most agreed with, each with the address of its place.

    ``among``: the ids the kept figures found (``Figures.agreed``), read again as they are now;
    finding them means reading every comment of the process (no index orders comments by
    agreement: one would make every agreement rewrite all of the comment's index entries).
    """
    ids = top_agreed_ids(process, limit) if among is None else among[:limit]
    if not ids:
        return []
    comments = list(
        db.session.scalars(
            select(Comment)
            .join(Contribution, Contribution.id == Comment.contribution_id)
            .where(
                Comment.id.in_(ids),
                Contribution.process_id == process.id,
                Contribution.visibility == Visibility.VISIBLE,
                Comment.agree_count > 0,
            )
            .options(selectinload(Comment.contribution))
            .order_by(Comment.agree_count.desc(), Comment.id)
        )
    )
    shown = kinds.describe([c.contribution for c in comments])
    found = []
    for comment in comments:
        described = shown.get(comment.contribution_id)
        if described is not None:
            found.append(AgreedComment(comment, described.excerpt, described.url, described.title))
    return found


# --- surveys ------------------------------------------------------------------------------------


def surveys(process: Process) -> list[Survey]:
    return list(
        db.session.scalars(
            select(Survey)
            .where(Survey.process_id == process.id, Survey.state == SurveyState.PUBLISHED)
            .options(selectinload(Survey.questions))
            .order_by(Survey.created_at, Survey.id)
        )
    )


def survey_figures(process: Process) -> list[survey_results.SurveyResults]:
    """Each published survey's results over all responses (groups only as counts, small ones
    hidden by the results module)."""
    return [survey_results.compute(survey) for survey in surveys(process)]
