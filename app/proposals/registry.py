"""How proposals plug into the rest: the "proposals" participation format, the contribution kinds
"proposal" and "statement" (for moderation and "my contributions"), and the owner of each
proposal's comment thread (for comment permalinks).

Imported by the package, so registering happens once when the factory imports the blueprint.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, select

from app.comments.owners import ThreadOwner, register_thread_owner
from app.contributions.kinds import Kind, Shown, announces, register_kind
from app.contributions.models import Contribution, Visibility
from app.extensions import db
from app.municipalities.models import Municipality
from app.processes.formats import Format, get_format, register_format
from app.processes.models import Process
from app.proposals import counts as kept_counts
from app.proposals import policies, services
from app.proposals import signals as proposal_signals
from app.proposals.models import Proposal, ProposalStatement

EXCERPT_LENGTH = 200


def excerpt(text: str, length: int = EXCERPT_LENGTH) -> str:
    """The first ``length`` characters of ``text``, cut at a word."""
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    return text[:length].rsplit(" ", 1)[0] + " …"


def _with_addresses(query):
    """``query`` joined to what the address of a proposal page needs: process and town slugs."""
    return (
        query.add_columns(
            Proposal.id,
            Proposal.title,
            Process.slug.label("process_slug"),
            Municipality.slug.label("municipality_slug"),
        )
        .join(Process, Process.id == Proposal.process_id)
        .join(Municipality, Municipality.id == Proposal.municipality_id)
    )


def proposal_url(municipality_slug: str, process_slug: str, proposal_id: int, **kwargs) -> str:
    return url_for(
        "proposals.show",
        slug=municipality_slug,
        process_slug=process_slug,
        proposal_id=proposal_id,
        **kwargs,
    )


def describe_proposals(contribution_ids: Iterable[int]) -> dict[int, Shown]:
    rows = db.session.execute(
        _with_addresses(
            select(Proposal.contribution_id, Proposal.description_text).select_from(Proposal)
        ).where(Proposal.contribution_id.in_(list(contribution_ids)))
    )
    return {
        row.contribution_id: Shown(
            title=row.title,
            excerpt=excerpt(row.description_text),
            url=proposal_url(row.municipality_slug, row.process_slug, row.id),
            text=f"{row.title}\n\n{row.description_text}",
        )
        for row in rows
    }


def describe_statements(contribution_ids: Iterable[int]) -> dict[int, Shown]:
    rows = db.session.execute(
        _with_addresses(
            select(
                ProposalStatement.id.label("statement_id"),
                ProposalStatement.contribution_id,
                ProposalStatement.body_text,
            ).join(Proposal, Proposal.id == ProposalStatement.proposal_id)
        ).where(ProposalStatement.contribution_id.in_(list(contribution_ids)))
    )
    return {
        row.contribution_id: Shown(
            title=str(_l("Statement on “%(title)s”", title=row.title)),
            excerpt=excerpt(row.body_text),
            text=row.body_text,
            url=proposal_url(
                row.municipality_slug,
                row.process_slug,
                row.id,
                _anchor=f"statement-{row.statement_id}",
            ),
        )
        for row in rows
    }


def proposal_threads(thread_ids: list[int]) -> dict[int, ThreadOwner]:
    """The proposal pages that show these comment threads, in one query."""
    rows = db.session.execute(
        _with_addresses(select(Proposal.thread_id).select_from(Proposal)).where(
            Proposal.thread_id.in_(thread_ids)
        )
    )
    return {
        row.thread_id: ThreadOwner(
            url=proposal_url(row.municipality_slug, row.process_slug, row.id), title=row.title
        )
        for row in rows
    }


def readable_proposal_threads(_user, thread_id: ColumnElement[int]) -> list[Select]:
    """Search may find comments under published proposals only (not pending, hidden or deleted
    ones, whose page nobody but moderators reads); reading the process is the caller's gate."""
    return [
        select(Proposal.thread_id)
        .join(Contribution, Contribution.id == Proposal.contribution_id)
        .where(Proposal.thread_id == thread_id, Contribution.visibility == Visibility.VISIBLE)
    ]


def _list_url(process: Process) -> str:
    return url_for("proposals.index", slug=process.municipality.slug, process_slug=process.slug)


_placeholder = get_format(services.FORMAT_KEY)
register_format(
    Format(
        services.FORMAT_KEY,
        _l("Proposals"),
        _placeholder.description if _placeholder else "",
        url=_list_url,
        count=services.count_per_process,
        count_query=kept_counts.totals_statement,
    )
)
register_kind(
    Kind(
        "proposal",
        _l("Proposal"),
        describe_proposals,
        can_read=policies.can_read_proposal,
        announce=announces(Proposal, proposal_signals.proposal_submitted),
    )
)
register_kind(
    Kind(
        "statement",
        _l("Council statement"),
        describe_statements,
        can_read=policies.can_read_statement,
        announce=announces(ProposalStatement, proposal_signals.statement_written),
    )
)
register_thread_owner("proposal", proposal_threads, readable=readable_proposal_threads)
