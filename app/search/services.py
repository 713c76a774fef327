"""Searching one municipality (or every one) for processes, proposals, comments, outcomes and
documents, with the searcher's reading rights inside the query.

Every kind's query joins its process and municipality and keeps only rows the person may read:
published or archived processes of active municipalities, members-only processes only for members,
visible contributions only (no pending, hidden or deleted ones), comments only in threads whose
owner lets them read its page (asked of the thread-owner registry as SQL: a process's discussion,
a visible proposal, a published draft text, and whatever registers later), published outcomes,
documents of readable places. Nothing is filtered afterwards, so counts and pages are right and a
result never hints at what the searcher may not read.

Matching: PostgreSQL's German full-text search (``websearch_to_tsquery`` on the indexed expressions,
so "Bäume" finds "Baum"); on SQLite, LIKE on folded text with crude stems (``text.stems``). Each kind
costs two queries (count and page) whatever the number of results, plus, for comments, one per
thread-owner kind for the titles of the hits shown.

At a city's scale (100,000 proposals, 1,000,000 comments) a common word matches tens of thousands
of rows, so no query here touches them all: counts stop at ``COUNT_CAP`` ("more than 1,000"), the
overview shows the newest ``GROUP_SIZE`` of each kind, a kind's next and previous pages continue
from the id of the last or first hit shown (one index range, however deep), and a page opened by
its number reaches no further than the cap (``OFFSET`` below ``COUNT_CAP``). Ranking every match
is what would not hold up; the newest first is an index order.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from enum import StrEnum

from flask import url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import Select, and_, event, exists, func, or_, select
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Engine

from app.comments.models import Comment
from app.comments.owners import ThreadOwner, readable_thread, resolve_owners
from app.contributions.models import Contribution, Visibility
from app.core.sanitize import plain_text
from app.documents.models import DOCUMENT_SEARCH, Document
from app.extensions import db
from app.municipalities.models import Membership, Municipality
from app.outcomes.models import Outcome
from app.processes.models import Process, ProcessState
from app.processes.models import Visibility as ProcessVisibility
from app.proposals.models import SEARCH_DOCUMENT, Proposal, ProposalStatusChange
from app.search import text
from app.search.models import COMMENT_SEARCH, OUTCOME_SEARCH, PROCESS_SEARCH

MAX_QUERY = 200
GROUP_SIZE = 5  # results per kind on the overview
PAGE_SIZE = 20  # results per page within one kind
COUNT_CAP = 1_000  # counts stop here ("more than 1,000"); pages reach no further


class Kind(StrEnum):
    PROCESS = "process"
    PROPOSAL = "proposal"
    COMMENT = "comment"
    OUTCOME = "outcome"
    DOCUMENT = "document"

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])


KIND_LABELS = {
    Kind.PROCESS: _l("Processes"),
    Kind.PROPOSAL: _l("Proposals"),
    Kind.COMMENT: _l("Comments"),
    Kind.OUTCOME: _l("Outcomes"),
    Kind.DOCUMENT: _l("Documents"),
}


@dataclass(frozen=True)
class Hit:
    kind: Kind
    title: str
    excerpt: Markup
    url: str
    process_title: str
    municipality_name: str
    title_marked: Markup


@dataclass
class Group:
    kind: Kind
    total: int  # at most COUNT_CAP
    hits: list[Hit] = field(default_factory=list)
    page: int = 1
    per_page: int = GROUP_SIZE
    more: bool = False  # there are more than ``total`` (= COUNT_CAP) matches
    first_id: int | None = None  # the ids of the first and last hit: the keys of the next and
    last_id: int | None = None  # previous pages' links

    @property
    def label(self) -> str:
        return self.kind.label

    @property
    def pages(self) -> int:
        """The pages one can open: those of the first ``COUNT_CAP`` results."""
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class Query:
    text: str
    municipality: Municipality | None = None  # None: the whole platform
    kind: Kind | None = None
    process_id: int | None = None
    page: int = 1
    # A kind's pages link by key: the page after the hit with id ``after`` (newest first), or the
    # page before the hit with id ``before``. ``page`` then only names the page.
    after: int | None = None
    before: int | None = None


# --- SQLite: the folding function the fallback matches with ---------------------------------------


@event.listens_for(Engine, "connect")
def _sqlite_fold(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function("trialog_fold", 1, text.fold, deterministic=True)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _matches(query: str, document, *columns):
    """``document`` (the indexed tsvector) matches on PostgreSQL; every stem on SQLite."""
    if _dialect() == "postgresql":
        tsquery = func.websearch_to_tsquery(sql_text("'german'::regconfig"), query)
        return document.op("@@")(tsquery)
    haystack = columns[0]
    for column in columns[1:]:
        haystack = haystack.op("||")(" ").op("||")(column)
    folded = func.trialog_fold(haystack)
    return and_(*(folded.contains(s, autoescape=True) for s in text.stems(query)))


# --- who may read what, as SQL ------------------------------------------------------------------


def _readable_process(user, municipality: Municipality | None):
    """The condition on ``Process`` (joined with ``Municipality``) for processes ``user`` reads."""
    conditions = [Process.state.in_([ProcessState.PUBLISHED, ProcessState.ARCHIVED])]
    if municipality is not None:
        conditions.append(Process.municipality_id == municipality.id)
    admin = bool(getattr(user, "is_authenticated", False) and user.is_platform_admin)
    if not admin:
        conditions.append(Municipality.is_active.is_(True))
        public = Process.visibility == ProcessVisibility.PUBLIC
        if getattr(user, "is_authenticated", False):
            member_of = select(Membership.municipality_id).where(Membership.user_id == user.id)
            conditions.append(or_(public, Process.municipality_id.in_(member_of)))
        else:
            conditions.append(public)
    return and_(*conditions)


def _scoped(statement, q: Query, user):
    statement = statement.join(Municipality, Municipality.id == Process.municipality_id).where(
        _readable_process(user, q.municipality)
    )
    if q.process_id is not None:
        statement = statement.where(Process.id == q.process_id)
    return statement


def _visible_proposal(proposal_id_column):
    """A proposal (by id column) that is published: its contribution visible."""
    return exists(
        select(Proposal.id)
        .join(Contribution, Contribution.id == Proposal.contribution_id)
        .where(Proposal.id == proposal_id_column, Contribution.visibility == Visibility.VISIBLE)
    )


_COLUMNS = (Process.slug, Process.title, Municipality.slug, Municipality.name)


def _base(kind: Kind, q: Query, user):
    """``select(entity, process slug, process title, municipality slug, name)`` for ``kind``."""
    if kind == Kind.PROCESS:
        stmt = select(Process, *_COLUMNS).where(
            _matches(q.text, PROCESS_SEARCH, Process.title, Process.summary, Process.description)
        )
        return _scoped(stmt, q, user), Process.id
    if kind == Kind.PROPOSAL:
        stmt = (
            select(Proposal, *_COLUMNS)
            .join(Process, Process.id == Proposal.process_id)
            .join(Contribution, Contribution.id == Proposal.contribution_id)
            .where(
                Contribution.visibility == Visibility.VISIBLE,
                Proposal.municipality_id == Process.municipality_id,
                _matches(q.text, SEARCH_DOCUMENT, Proposal.title, Proposal.description_text),
            )
        )
        return _scoped(stmt, q, user), Proposal.id
    if kind == Kind.COMMENT:
        stmt = (
            select(Comment, *_COLUMNS)
            .join(Contribution, Contribution.id == Comment.contribution_id)
            .join(Process, Process.id == Contribution.process_id)
            .where(
                Contribution.visibility == Visibility.VISIBLE,
                readable_thread(user, Comment.thread_id),
                _matches(q.text, COMMENT_SEARCH, Comment.source),
            )
        )
        return _scoped(stmt, q, user), Comment.id
    if kind == Kind.OUTCOME:
        stmt = (
            select(Outcome, *_COLUMNS)
            .join(Process, Process.id == Outcome.process_id)
            .where(
                Outcome.published_at.is_not(None),
                _matches(q.text, OUTCOME_SEARCH, Outcome.summary, Outcome.next_steps),
            )
        )
        return _scoped(stmt, q, user), Outcome.id
    # Documents: of a readable process; an answer's only while its proposal is published, an
    # outcome's only once the outcome is.
    answer_visible = exists(
        select(ProposalStatusChange.id).where(
            ProposalStatusChange.id == Document.answer_id,
            _visible_proposal(ProposalStatusChange.proposal_id),
        )
    )
    outcome_published = exists(
        select(Outcome.id).where(
            Outcome.id == Document.outcome_id, Outcome.published_at.is_not(None)
        )
    )
    stmt = (
        select(Document, *_COLUMNS)
        .join(Process, Process.id == Document.process_id)
        .where(
            Document.municipality_id == Process.municipality_id,
            or_(Document.answer_id.is_(None), answer_visible),
            or_(Document.outcome_id.is_(None), outcome_published),
            _matches(q.text, DOCUMENT_SEARCH, Document.title, Document.description),
        )
    )
    return _scoped(stmt, q, user), Document.id


# --- results ------------------------------------------------------------------------------------


def _hit(kind: Kind, row, stems: list[str], owners: dict[int, ThreadOwner]) -> Hit:
    entity, process_slug, process_title, slug, name = row
    if kind == Kind.PROCESS:
        title = entity.title
        body = f"{entity.summary} {plain_text(entity.description)}"
        url = url_for("processes.show", slug=slug, process_slug=process_slug)
    elif kind == Kind.PROPOSAL:
        title = entity.title
        body = entity.description_text
        url = url_for("proposals.show", slug=slug, process_slug=process_slug, proposal_id=entity.id)
    elif kind == Kind.COMMENT:
        owner = owners.get(entity.thread_id)
        if owner is not None:  # the paragraph, proposal or discussion it answers
            title = str(_l("Comment on “%(title)s”", title=owner.title))
        else:
            title = str(_l("Comment in “%(process)s”", process=process_title))
        body = plain_text(entity.body) or entity.source
        url = url_for("comments.permalink", slug=slug, comment_id=entity.id)
    elif kind == Kind.OUTCOME:
        title = str(_l("Outcome of “%(process)s”", process=process_title))
        body = f"{plain_text(entity.summary)} {plain_text(entity.next_steps)}"
        url = url_for("processes.show", slug=slug, process_slug=process_slug, _anchor="outcome")
    else:
        title = entity.title
        body = entity.description
        url = url_for(
            "documents.download", slug=slug, process_slug=process_slug, document_id=entity.id
        )
    return Hit(
        kind=kind,
        title=title,
        title_marked=text.excerpt(title, stems, width=300),
        excerpt=text.excerpt(body, stems),
        url=url,
        process_title=process_title,
        municipality_name=name,
    )


def count_statement(kind: Kind, q: Query, user) -> Select:
    """How many of ``kind`` match, counting no further than ``COUNT_CAP + 1``."""
    statement, _id_column = _base(kind, q, user)
    capped = statement.order_by(None).limit(COUNT_CAP + 1).subquery()
    return select(func.count()).select_from(capped)


def page_statement(
    kind: Kind,
    q: Query,
    user,
    page: int,
    per_page: int,
    *,
    few: bool = False,
    after: int | None = None,
    before: int | None = None,
) -> Select:
    """Page ``page`` of ``kind``'s matches, newest first (the caller keeps ``page`` within the
    cap, so the offset stays below ``COUNT_CAP``).

    ``few``: the count found at most ``COUNT_CAP`` matches. PostgreSQL's estimate for a rare word
    can be off by a factor of five, and then it walks the primary key backwards, computing the
    German text vector of every row until it has a page (0.9 s for a word in 109 of 110,000
    proposals). Ordering by ``id + 0`` takes that index order away, so the few matches come from
    the full-text index and are sorted (a few ms). With many matches the backward walk finds a
    page within a few rows, so it stays the plan.
    """
    statement, id_column = _base(kind, q, user)
    order = (id_column + 0) if few else id_column
    if after is not None:  # the next page: one index range from the last hit on, however deep
        return statement.where(id_column < after).order_by(order.desc()).limit(per_page)
    if before is not None:  # the previous page, oldest first (the caller turns it round)
        return statement.where(id_column > before).order_by(order.asc()).limit(per_page)
    return statement.order_by(order.desc()).limit(per_page).offset((page - 1) * per_page)


def _group(
    kind: Kind,
    q: Query,
    user,
    page: int,
    per_page: int,
    *,
    after: int | None = None,
    before: int | None = None,
) -> Group:
    """One kind's count (up to the cap) and its page ``page``, newest first.

    The count reads at most ``COUNT_CAP + 1`` matching rows and a page lies within the first
    ``COUNT_CAP``, so neither grows with the number of matches; a page past the last is the last.
    """
    found = db.session.scalar(count_statement(kind, q, user)) or 0
    group = Group(kind=kind, total=min(found, COUNT_CAP), per_page=per_page)
    group.more = found > COUNT_CAP
    group.page = min(max(1, page), group.pages)
    if group.total:
        few = not group.more
        rows = []
        if after is not None or before is not None:
            rows = db.session.execute(
                page_statement(
                    kind, q, user, group.page, per_page, few=few, after=after, before=before
                )
            ).all()
            if before is not None:
                rows.reverse()
        if not rows:  # no key, or a stale one: the page by its number (within the cap)
            rows = db.session.execute(
                page_statement(kind, q, user, group.page, per_page, few=few)
            ).all()
        if rows:
            group.first_id, group.last_id = rows[0][0].id, rows[-1][0].id
        stems = text.stems(q.text)
        owners = resolve_owners({row[0].thread_id for row in rows}) if kind == Kind.COMMENT else {}
        group.hits = [_hit(kind, tuple(row), stems, owners) for row in rows]
    return group


def normalise(raw: str | None) -> str:
    return " ".join((raw or "").split())[:MAX_QUERY]


def search(user, q: Query) -> list[Group]:
    """The groups of results, each kind once; with ``q.kind``, that kind's page ``q.page`` only."""
    if not text.stems(q.text):
        return []
    if q.kind is not None:
        return [_group(q.kind, q, user, max(1, q.page), PAGE_SIZE, after=q.after, before=q.before)]
    return [_group(kind, q, user, 1, GROUP_SIZE) for kind in Kind]


def searchable_processes(user, municipality: Municipality) -> list[tuple[int, str]]:
    """The processes the filter offers: those this person reads in the municipality."""
    statement = (
        select(Process.id, Process.title)
        .join(Municipality, Municipality.id == Process.municipality_id)
        .where(_readable_process(user, municipality))
        .order_by(Process.title)
    )
    return [(row.id, row.title) for row in db.session.execute(statement)]
