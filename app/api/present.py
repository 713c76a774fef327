"""What the API shows of each object: dictionaries with exactly the fields the public pages show.

One function per kind of object. Nothing here reads an e-mail address, a hidden or pending text, or
an answer of an anonymous survey; placeholders keep only what the public page shows in their place.
"""

from __future__ import annotations

from typing import Any

from flask import url_for

from app.comments.models import Comment
from app.contributions.models import Contribution, Visibility
from app.documents.models import Document
from app.municipalities.models import Municipality
from app.processes.models import Phase, Process
from app.proposals.models import Proposal, ProposalStatusChange
from app.surveys.models import Survey
from app.surveys.results import SurveyResults

EXCERPT_LENGTH = 280


def _url(endpoint: str, **values: Any) -> str:
    return url_for(endpoint, **values, _external=True)


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1].rstrip() + "…"


def author(contribution: Contribution) -> dict[str, str]:
    person = contribution.author
    name = person.public_name if person is not None else ""
    return {"name": name, "group": contribution.author_group.value}


def municipality(m: Municipality) -> dict[str, Any]:
    return {
        "slug": m.slug,
        "name": m.name,
        "ags": m.ags,
        "federal_state": m.federal_state.value,
        "description": m.description,
        "contact": m.contact,
        "url": _url("municipalities.show", slug=m.slug),
    }


def phase(p: Phase) -> dict[str, Any]:
    return {
        "id": p.id,
        "kind": p.kind.value,
        "title": p.title,
        "description": p.description,
        "starts_at": p.starts_at,
        "ends_at": p.ends_at,
    }


def process_summary(p: Process, slug: str) -> dict[str, Any]:
    return {
        "id": p.id,
        "slug": p.slug,
        "title": p.title,
        "summary": p.summary,
        "topic": p.topic,
        "state": p.state.value,
        "formats": sorted(p.format_keys),
        "starts_at": p.starts_at,
        "ends_at": p.ends_at,
        "phases": [phase(x) for x in p.phases],
        "url": _url("processes.show", slug=slug, process_slug=p.slug),
    }


def document(d: Document, slug: str, process_slug: str) -> dict[str, Any]:
    """A document as its list on the web shows it (no file name, uploader or storage key)."""
    where = {"slug": slug, "process_slug": process_slug, "document_id": d.id}
    return {
        "id": d.id,
        "title": d.title,
        "description": d.description,
        "language": d.language,
        "alt_text": d.alt_text,
        "content_type": d.content_type,
        "size": d.size,
        "page_count": d.page_count,
        "phase_id": d.phase_id,
        "url": _url("documents.download", **where),
        "thumbnail_url": _url("documents.thumbnail", **where) if d.thumbnail_key else None,
    }


def process(p: Process, slug: str, documents: list[Document] = ()) -> dict[str, Any]:
    return {
        **process_summary(p, slug),
        "description": p.description,
        "visibility": p.visibility.value,
        "concept": {
            "goal": p.goal,
            "question": p.question,
            "open_to_influence": p.open_to_influence,
            "already_fixed": p.already_fixed,
            "decision_maker": p.decision_maker.value if p.decision_maker else None,
            "decision_timing": p.decision_timing,
            "input_use": p.input_use,
            "feedback_by": p.feedback_by,
        },
        "contact_name": p.contact_name,
        "contact_details": p.contact_details,
        "published_at": p.published_at,
        "archived_at": p.archived_at,
        "documents": [document(d, slug, p.slug) for d in documents],
    }


def _category(p: Proposal) -> dict[str, Any] | None:
    return {"id": p.category.id, "name": p.category.name} if p.category else None


def _proposal_url(p: Proposal, slug: str, process_slug: str) -> str:
    return _url("proposals.show", slug=slug, process_slug=process_slug, proposal_id=p.id)


def proposal_summary(p: Proposal, slug: str, process_slug: str) -> dict[str, Any]:
    """A proposal of a list (lists hold visible proposals only)."""
    return {
        "id": p.id,
        "title": p.title,
        "excerpt": _excerpt(p.description_text),
        "status": p.status.value,
        "withdrawn": p.is_withdrawn,
        "category": _category(p),
        "author": author(p.contribution),
        "supports": p.support_count,
        "comments": p.thread.comment_count,
        "address": p.address,
        "latitude": p.latitude,
        "longitude": p.longitude,
        "created_at": p.created_at,
        "url": _proposal_url(p, slug, process_slug),
    }


def official_answer(
    change: ProposalStatusChange, documents: list[dict[str, Any]] = ()
) -> dict[str, Any]:
    return {
        "id": change.id,
        "status": change.status.value,
        "response": change.response,
        "office": change.office,
        "merged_into": change.merged_into_id,
        "created_at": change.created_at,
        "documents": list(documents),
    }


def proposal(
    p: Proposal,
    slug: str,
    process_slug: str,
    answer_documents: dict[int, list[Document]] | None = None,
) -> dict[str, Any]:
    """One proposal; hidden or deleted ones keep their number, status and answers, not their text.

    ``answer_documents`` (answer id -> documents) are shown only with a published proposal, as the
    documents' own rule (``document.view``) has it.
    """
    visibility = p.contribution.visibility
    shown = visibility == Visibility.VISIBLE
    cited = (answer_documents or {}) if shown else {}
    return {
        "id": p.id,
        "visibility": visibility.value,
        "hidden_reason": (p.contribution.hidden_reason or None)
        if visibility == Visibility.HIDDEN
        else None,
        "title": p.title if shown else None,
        "description": p.description if shown else None,
        "status": p.status.value,
        "withdrawn": p.is_withdrawn,
        "category": _category(p),
        "author": author(p.contribution) if shown else None,
        "supports": p.support_count,
        "comments": p.thread.comment_count,
        "address": p.address if shown else None,
        "latitude": p.latitude if shown else None,
        "longitude": p.longitude if shown else None,
        "created_at": p.created_at,
        "answered_at": p.answered_at,
        "official_answers": [
            official_answer(c, [document(d, slug, process_slug) for d in cited.get(c.id, [])])
            for c in p.status_changes
        ],
        "url": _proposal_url(p, slug, process_slug),
    }


def comment(c: Comment) -> dict[str, Any]:
    """A comment, or the placeholder its page shows instead (hidden, deleted, awaiting moderation)."""
    visibility = c.contribution.visibility
    shown = {
        Visibility.VISIBLE: "visible",
        Visibility.HIDDEN: "hidden",
        Visibility.DELETED: "deleted",
        Visibility.PENDING: "pending",
    }[visibility]
    visible = visibility == Visibility.VISIBLE
    return {
        "id": c.id,
        "parent_id": c.parent_id,
        "depth": c.depth,
        "shown": shown,
        "hidden_reason": (c.contribution.hidden_reason or None)
        if visibility == Visibility.HIDDEN
        else None,
        "body": c.body if visible else None,
        "author": author(c.contribution) if visible else None,
        "official_answer": bool(c.is_official_answer and visible),
        "agree": c.agree_count if visible else 0,
        "disagree": c.disagree_count if visible else 0,
        "created_at": c.contribution.created_at,
        "edited_at": c.contribution.edited_at if visible else None,
    }


def survey_summary(s: Survey, slug: str, process_slug: str, results_public: bool) -> dict:
    return {
        "id": s.id,
        "title": s.title,
        "results_public": results_public,
        "url": _url("surveys.show", slug=slug, process_slug=process_slug, survey_id=s.id),
    }


def survey_results(figures: SurveyResults) -> dict[str, Any]:
    """Aggregates only: counts, shares, means, medians and average ranks."""
    return {
        "id": figures.survey.id,
        "title": figures.survey.title,
        "responses": figures.total,
        "questions": [
            {
                "id": q.question.id,
                "text": q.question.text,
                "type": q.question.type.value,
                "answered": q.answered,
                "rows": [
                    {
                        "label": row.label,
                        "count": row.count,
                        "percent": round(row.percent, 2),
                        "is_other": row.is_other,
                    }
                    for row in q.rows
                ],
                "mean": q.mean,
                "median": q.median,
                "average_ranks": [
                    {"label": label, "average": average, "count": count}
                    for label, average, count in q.average_ranks
                ],
            }
            for q in figures.questions
        ],
    }


def outcome(o, slug: str, process_slug: str, documents: list[Document] = ()) -> dict[str, Any]:
    return {
        "summary": o.summary,
        "next_steps": o.next_steps,
        "next_steps_by": o.next_steps_by,
        "published_at": o.published_at,
        "adopted_proposals": sorted(o.adopted_ids),
        "documents": [document(d, slug, process_slug) for d in documents],
    }


def council_decision(d) -> dict[str, Any]:
    return {
        "id": d.id,
        "proposal_id": d.proposal_id,
        "decided_on": d.decided_on,
        "body": d.body,
        "reference": d.reference,
        "votes_for": d.votes_for,
        "votes_against": d.votes_against,
        "abstentions": d.abstentions,
        "text": d.text,
    }
