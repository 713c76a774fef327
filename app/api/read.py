"""Public reads of the API (``GET /api/v1/…``): what the public pages show, as JSON or CSV.

Views are thin: load as an anonymous visitor (``loading``), query through the domains' services,
present (``present``). Every list costs the same number of queries whatever its length.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from typing import Any

from flask import Response
from flask_babel import gettext as _
from flask_smorest import Blueprint
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import aliased, contains_eager, selectinload

from app.api import loading, present, schemas
from app.api.errors import ApiError
from app.api.paging import Key, keyset_links, keyset_page, offset_links, offset_page
from app.comments.models import Comment
from app.contributions.models import Contribution, Thread, Visibility
from app.core.permissions import allowed
from app.core.spreadsheets import FORMULA_START
from app.core.time import utcnow
from app.documents import services as documents
from app.extensions import db
from app.municipalities.models import Municipality
from app.outcomes import services as outcomes
from app.processes import services as processes
from app.processes.models import Process
from app.processes.services import When
from app.proposals import search
from app.proposals.models import Proposal
from app.surveys import results
from app.surveys import services as surveys

bp = Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="Public data of municipalities, their processes and contributions.",
)

ID = "int(max=2147483647)"  # larger numbers are not ids; they are 404s, never database errors
CSV_LIMIT = 10_000
CSV_DOC = {
    "responses": {
        "200": {
            "description": "The list as CSV (UTF-8 with BOM, semicolon-separated).",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}
LINK_HEADER = {
    "Link": {
        "description": "RFC 8288 links: first, next (prev, last).",
        "schema": {"type": "string"},
    }
}


# --- CSV ----------------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    """Values as spreadsheets should see them: no formulas sneaking in from user text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_response(filename: str, header: list[str], rows: Iterable[list[Any]]) -> Response:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _flat(item: dict[str, Any], columns: list[str]) -> list[Any]:
    row = []
    for column in columns:
        value: Any = item
        for part in column.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        row.append(value)
    return row


# --- municipalities -----------------------------------------------------------------------------


def _municipalities():
    return (
        select(Municipality)
        .where(Municipality.is_active.is_(True))
        .order_by(Municipality.name, Municipality.id)
    )


@bp.get("/municipalities")
@bp.arguments(schemas.PageArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.MunicipalityListSchema, headers=LINK_HEADER)
def municipalities(page: int, per_page: int):
    """Municipalities on this platform."""
    found = offset_page(_municipalities(), page, per_page)
    return (
        _offset_body(found, [present.municipality(m) for m in found.items]),
        200,
        offset_links(found),
    )


def _offset_body(found, items: list) -> dict:
    return {
        "items": items,
        "pagination": {
            "page": found.page,
            "per_page": found.per_page,
            "total": found.total,
            "pages": found.pages,
        },
    }


MUNICIPALITY_COLUMNS = ["slug", "name", "ags", "federal_state", "contact", "url"]


@bp.get("/municipalities.csv")
@bp.doc(**CSV_DOC)
def municipalities_csv():
    """Municipalities as CSV."""
    rows = db.session.scalars(_municipalities().limit(CSV_LIMIT))
    return csv_response(
        "municipalities.csv",
        MUNICIPALITY_COLUMNS,
        (_flat(present.municipality(m), MUNICIPALITY_COLUMNS) for m in rows),
    )


@bp.get("/municipalities/<slug>")
@bp.response(200, schemas.MunicipalitySchema)
def municipality(slug: str):
    """One municipality."""
    return present.municipality(loading.municipality(slug))


# --- processes ----------------------------------------------------------------------------------


def _processes(slug: str, when: str | None, topic: str | None):
    m = loading.municipality(slug)
    statement = processes.public_listing(
        m, loading.ANONYMOUS, utcnow(), When(when or ""), topic or ""
    ).options(selectinload(Process.format_rows))
    return m, statement


@bp.get("/municipalities/<slug>/processes")
@bp.arguments(schemas.ProcessListArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.ProcessListSchema, headers=LINK_HEADER)
def process_list(
    slug: str, page: int, per_page: int, when: str | None = None, topic: str | None = None
):
    """Published processes of a municipality: current, then upcoming, then past."""
    m, statement = _processes(slug, when, topic)
    found = offset_page(statement, page, per_page)
    items = [present.process_summary(p, m.slug) for p in found.items]
    return _offset_body(found, items), 200, offset_links(found)


PROCESS_COLUMNS = [
    "id",
    "slug",
    "title",
    "summary",
    "topic",
    "state",
    "formats",
    "starts_at",
    "ends_at",
    "url",
]


@bp.get("/municipalities/<slug>/processes.csv")
@bp.arguments(schemas.ProcessFilterArgs, location="query", as_kwargs=True)
@bp.doc(**CSV_DOC)
def process_list_csv(slug: str, when: str | None = None, topic: str | None = None):
    """Published processes of a municipality as CSV."""
    m, statement = _processes(slug, when, topic)
    rows = db.session.scalars(statement.limit(CSV_LIMIT)).unique()
    return csv_response(
        f"{m.slug}-processes.csv",
        PROCESS_COLUMNS,
        (_flat(present.process_summary(p, m.slug), PROCESS_COLUMNS) for p in rows),
    )


@bp.get("/municipalities/<slug>/processes/<process_slug>")
@bp.response(200, schemas.ProcessSchema)
def process(slug: str, process_slug: str):
    """One process with its phases and its participation concept."""
    m = loading.municipality(slug)
    found = loading.process(m, process_slug)
    return present.process(found, m.slug, documents.process_documents(found))


# --- proposals ----------------------------------------------------------------------------------

PROPOSAL_KEYS = {
    "newest": (Key(Proposal.created_at, "datetime", True), Key(Proposal.id, "int", True)),
    "supports": (Key(Proposal.support_count, "int", True), Key(Proposal.id, "int", True)),
    "comments": (Key(Thread.comment_count, "int", True), Key(Proposal.id, "int", True)),
}
PROPOSAL_VALUES: dict[str, Callable[[Proposal], list]] = {
    "newest": lambda p: [p.created_at, p.id],
    "supports": lambda p: [p.support_count, p.id],
    "comments": lambda p: [p.thread.comment_count, p.id],
}


def _proposal_statement(process_: Process, args: dict[str, Any]):
    filters = search.Filters(
        text=(args.get("q") or "").strip(),
        category_id=args.get("category"),
        status=args.get("status") or "",
        group=args.get("group") or "",
        sort=search.Sort.NEWEST,
    )
    return search.listing(process_, filters, seed=0)


@bp.get("/municipalities/<slug>/processes/<process_slug>/proposals")
@bp.arguments(schemas.ProposalListArgs, location="query")
@bp.response(200, schemas.ProposalListSchema, headers=LINK_HEADER)
def proposal_list(args: dict[str, Any], slug: str, process_slug: str):
    """Published proposals of a process, filtered and sorted, in keyset pages."""
    m = loading.municipality(slug)
    p = loading.proposal_process(m, process_slug)
    sort = args["sort"]
    found = keyset_page(
        _proposal_statement(p, args),
        PROPOSAL_KEYS[sort],
        PROPOSAL_VALUES[sort],
        args["per_page"],
        args.get("cursor"),
    )
    body = {
        "items": [present.proposal_summary(x, m.slug, p.slug) for x in found.items],
        "pagination": {"per_page": found.per_page, "next_cursor": found.next_cursor},
    }
    return body, 200, keyset_links(found)


PROPOSAL_COLUMNS = [
    "id",
    "title",
    "excerpt",
    "status",
    "withdrawn",
    "category.name",
    "author.name",
    "author.group",
    "supports",
    "comments",
    "address",
    "latitude",
    "longitude",
    "created_at",
    "url",
]


@bp.get("/municipalities/<slug>/processes/<process_slug>/proposals.csv")
@bp.arguments(schemas.ProposalFilterArgs, location="query")
@bp.doc(**CSV_DOC)
def proposal_list_csv(args: dict[str, Any], slug: str, process_slug: str):
    """Published proposals of a process as CSV (the same filters and sorts)."""
    m = loading.municipality(slug)
    p = loading.proposal_process(m, process_slug)
    keys = PROPOSAL_KEYS[args["sort"]]
    statement = (
        _proposal_statement(p, args).order_by(None).order_by(*(k.column.desc() for k in keys))
    )
    rows = db.session.scalars(statement.limit(CSV_LIMIT)).unique()
    return csv_response(
        f"{m.slug}-{p.slug}-proposals.csv",
        PROPOSAL_COLUMNS,
        (_flat(present.proposal_summary(x, m.slug, p.slug), PROPOSAL_COLUMNS) for x in rows),
    )


@bp.get(f"/municipalities/<slug>/processes/<process_slug>/proposals/<{ID}:proposal_id>")
@bp.response(200, schemas.ProposalSchema)
def proposal(slug: str, process_slug: str, proposal_id: int):
    """One proposal with its official answers; a hidden one as a placeholder."""
    m = loading.municipality(slug)
    p = loading.proposal_process(m, process_slug)
    found = loading.proposal(p, proposal_id)
    cited = documents.answer_documents([c.id for c in found.status_changes])
    return present.proposal(found, m.slug, p.slug, cited)


# --- comments -----------------------------------------------------------------------------------


def _present_or_placeholder():
    """SQL: comments a thread page shows: visible and hidden ones always, deleted ones and those
    awaiting moderation as placeholders only where a shown reply hangs below them."""
    shown = [Visibility.VISIBLE, Visibility.HIDDEN]
    reply = aliased(Comment)
    reply_contribution = aliased(Contribution)
    has_reply = exists(
        select(reply.id)
        .join(reply_contribution, reply_contribution.id == reply.contribution_id)
        .where(reply.parent_id == Comment.id, reply_contribution.visibility.in_(shown))
    )
    return or_(Contribution.visibility.in_(shown), has_reply)


def _comments_statement(thread_id: int | None):
    return (
        select(Comment)
        .join(Comment.contribution)
        .where(Comment.thread_id == (thread_id or -1), _present_or_placeholder())
        .options(contains_eager(Comment.contribution).joinedload(Contribution.author))
    )


COMMENT_KEYS = (Key(Comment.id, "int", False),)


def _comment_list(thread_id: int | None, per_page: int, cursor: str | None):
    found = keyset_page(
        _comments_statement(thread_id), COMMENT_KEYS, lambda c: [c.id], per_page, cursor
    )
    body = {
        "items": [present.comment(c) for c in found.items],
        "pagination": {"per_page": found.per_page, "next_cursor": found.next_cursor},
    }
    return body, 200, keyset_links(found)


def _process_thread_id(slug: str, process_slug: str) -> int | None:
    """The thread of the process's own discussion, if it has been opened (reads create nothing)."""
    from app.comments.models import ProcessThread

    m = loading.municipality(slug)
    p = loading.process(m, process_slug)
    if "comments" not in p.format_keys:
        raise loading.not_found()
    return db.session.scalar(
        select(ProcessThread.thread_id).where(ProcessThread.process_id == p.id)
    )


def _proposal_thread_id(slug: str, process_slug: str, proposal_id: int) -> int:
    m = loading.municipality(slug)
    p = loading.proposal_process(m, process_slug)
    return loading.proposal(p, proposal_id).thread_id


@bp.get("/municipalities/<slug>/processes/<process_slug>/comments")
@bp.arguments(schemas.CursorArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.CommentListSchema, headers=LINK_HEADER)
def process_comments(slug: str, process_slug: str, per_page: int, cursor: str | None):
    """Comments of a process's own discussion, oldest first, replies flat with their parent."""
    return _comment_list(_process_thread_id(slug, process_slug), per_page, cursor)


@bp.get(f"/municipalities/<slug>/processes/<process_slug>/proposals/<{ID}:proposal_id>/comments")
@bp.arguments(schemas.CursorArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.CommentListSchema, headers=LINK_HEADER)
def proposal_comments(
    slug: str, process_slug: str, proposal_id: int, per_page: int, cursor: str | None
):
    """Comments on a proposal, oldest first, replies flat with their parent."""
    thread_id = _proposal_thread_id(slug, process_slug, proposal_id)
    return _comment_list(thread_id, per_page, cursor)


COMMENT_COLUMNS = [
    "id",
    "parent_id",
    "depth",
    "shown",
    "hidden_reason",
    "body",
    "author.name",
    "author.group",
    "official_answer",
    "agree",
    "disagree",
    "created_at",
    "edited_at",
]


def _comments_csv(thread_id: int | None, filename: str) -> Response:
    statement = _comments_statement(thread_id).order_by(Comment.id).limit(CSV_LIMIT)
    rows = db.session.scalars(statement).unique()
    return csv_response(
        filename, COMMENT_COLUMNS, (_flat(present.comment(c), COMMENT_COLUMNS) for c in rows)
    )


@bp.get("/municipalities/<slug>/processes/<process_slug>/comments.csv")
@bp.doc(**CSV_DOC)
def process_comments_csv(slug: str, process_slug: str):
    """Comments of a process's own discussion as CSV."""
    thread_id = _process_thread_id(slug, process_slug)
    return _comments_csv(thread_id, f"{slug}-{process_slug}-comments.csv")


@bp.get(
    f"/municipalities/<slug>/processes/<process_slug>/proposals/<{ID}:proposal_id>/comments.csv"
)
@bp.doc(**CSV_DOC)
def proposal_comments_csv(slug: str, process_slug: str, proposal_id: int):
    """Comments on a proposal as CSV."""
    thread_id = _proposal_thread_id(slug, process_slug, proposal_id)
    return _comments_csv(thread_id, f"{slug}-{process_slug}-{proposal_id}-comments.csv")


# --- surveys ------------------------------------------------------------------------------------


@bp.get("/municipalities/<slug>/processes/<process_slug>/surveys")
@bp.response(200, schemas.SurveyListSchema)
def survey_list(slug: str, process_slug: str):
    """Published surveys of a process, and whether their results are public yet."""
    m = loading.municipality(slug)
    p = loading.process(m, process_slug)
    now = utcnow()
    return {
        "items": [
            present.survey_summary(s, m.slug, p.slug, surveys.results_public(s, now))
            for s in surveys.surveys_of(p, published_only=True)
        ]
    }


@bp.get(f"/municipalities/<slug>/processes/<process_slug>/surveys/<{ID}:survey_id>/results")
@bp.response(200, schemas.SurveyResultsSchema)
def survey_results(slug: str, process_slug: str, survey_id: int):
    """Public results of a survey: aggregated figures, never single or free-text answers."""
    m = loading.municipality(slug)
    p = loading.process(m, process_slug)
    s = loading.survey(p, survey_id)
    if not allowed("survey.results", loading.ANONYMOUS, s):
        raise ApiError(
            403, _("The results of this survey are not public (yet)."), code="results_not_public"
        )
    return present.survey_results(results.compute(s))


# --- outcomes -----------------------------------------------------------------------------------


@bp.get("/municipalities/<slug>/processes/<process_slug>/outcome")
@bp.response(200, schemas.OutcomeSchema)
def outcome(slug: str, process_slug: str):
    """The published outcome of a process: summary, next steps, adopted proposals."""
    m = loading.municipality(slug)
    p = loading.process(m, process_slug)
    found = outcomes.published_outcome(p)
    if found is None or not allowed("outcome.view", loading.ANONYMOUS, found):
        raise loading.not_found(_("This process has no published outcome yet."))
    return present.outcome(found, m.slug, p.slug, documents.outcome_documents(found))


@bp.get("/municipalities/<slug>/processes/<process_slug>/council-decisions")
@bp.response(200, schemas.CouncilDecisionListSchema)
def council_decisions(slug: str, process_slug: str):
    """The council's decisions on the process and its proposals, public with the outcome."""
    m = loading.municipality(slug)
    p = loading.process(m, process_slug)
    published = outcomes.published_outcome(p) is not None
    decisions = outcomes.decisions_of(p) if published else []
    return {"items": [present.council_decision(d) for d in decisions]}
