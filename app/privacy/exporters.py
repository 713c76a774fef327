"""The export sections of the domains that were here before the registry, and the deliberate gaps.

Domains added later register their own sections next to their models (``@exports``); tables whose
domain did not, are registered here by name, so the export stays complete either way.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.privacy.registry import (
    Erase,
    erase,
    export_table,
    exports,
    not_exported,
    plain,
    table_rows,
)

# Tables with a ``contribution_id`` that describe moderation of a text, not the text itself; the
# person's own reports, decisions and blocks have sections of their own.
MODERATION_TABLES = frozenset({"reports", "report_counts", "moderation_decisions", "blocks"})


@exports("account", tables=("users",))
def export_account(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "email_verified_at": plain(user.email_verified_at),
        "consented_at": plain(user.consented_at),
        "created_at": plain(user.created_at),
        "locale": getattr(user, "locale", None),
        "is_platform_admin": user.is_platform_admin,
        "is_process_architect": user.is_process_architect,
    }


@exports("memberships", tables=("memberships",))
def export_memberships(user: User) -> list[dict[str, Any]]:
    from app.municipalities.models import Membership, Municipality

    rows = db.session.execute(
        select(Membership, Municipality)
        .join(Municipality, Municipality.id == Membership.municipality_id)
        .where(Membership.user_id == user.id)
        .order_by(Membership.id)
    )
    return [
        {
            "municipality": municipality.name,
            "municipality_slug": municipality.slug,
            "role": plain(membership.role),
            "since": plain(membership.created_at),
        }
        for membership, municipality in rows
    ]


def _content_tables():
    """Tables that hold the text of a contribution (proposals, comments, statements, answers)."""
    for table in db.metadata.sorted_tables:
        if table.name not in MODERATION_TABLES and "contribution_id" in table.columns:
            yield table


@exports(
    "contributions",
    tables=("contributions", "council_statements", "proposal_statements"),
)
def export_contributions(user: User) -> list[dict[str, Any]]:
    """Everything the person wrote, with its text from whichever table holds it."""
    contributions = db.metadata.tables["contributions"]
    processes = db.metadata.tables["processes"]
    rows = db.session.execute(
        select(contributions, processes.c.title.label("process_title"))
        .join(processes, processes.c.id == contributions.c.process_id)
        .where(contributions.c.author_id == user.id)
        .order_by(contributions.c.id)
    ).mappings()
    result = {row["id"]: {k: plain(v) for k, v in row.items()} for row in rows}
    if not result:
        return []
    for table in _content_tables():
        content = db.session.execute(
            select(*(c for c in table.columns if c.name != "search_text")).where(
                table.c.contribution_id.in_(list(result))
            )
        ).mappings()
        for row in content:
            entry = result[row["contribution_id"]]
            entry.setdefault(table.name, []).append({k: plain(v) for k, v in row.items()})
    return list(result.values())


@exports("supports", tables=("proposal_supports",))
def export_supports(user: User) -> list[dict[str, Any]]:
    supports = db.metadata.tables["proposal_supports"]
    proposals = db.metadata.tables["proposals"]
    rows = db.session.execute(
        select(
            supports.c.proposal_id,
            proposals.c.title.label("proposal_title"),
            supports.c.created_at,
        )
        .join(proposals, proposals.c.id == supports.c.proposal_id)
        .where(supports.c.user_id == user.id)
        .order_by(supports.c.id)
    ).mappings()
    return [{k: plain(v) for k, v in row.items()} for row in rows]


@exports("survey_answers", tables=("survey_responses", "survey_participations"))
def export_survey_answers(user: User) -> dict[str, Any]:
    """Named answers in full; of anonymous surveys only that the person took part (that is all
    the platform knows: the answers themselves are not linked to anyone)."""
    from app.surveys.models import Answer, Option, Question, Response, Survey, SurveyParticipation

    named = []
    responses = db.session.execute(
        select(Response, Survey)
        .join(Survey, Survey.id == Response.survey_id)
        .where(Response.user_id == user.id)
        .order_by(Response.id)
    )
    for response, survey in responses:
        answers = db.session.execute(
            select(Answer, Question.text, Option.label)
            .join(Question, Question.id == Answer.question_id)
            .outerjoin(Option, Option.id == Answer.option_id)
            .where(Answer.response_id == response.id)
            .order_by(Question.position, Answer.id)
        )
        named.append(
            {
                "survey": survey.title,
                "survey_id": survey.id,
                "trialog_group": plain(response.author_group),
                "created_at": plain(response.created_at),
                "updated_at": plain(response.updated_at),
                "answers": [
                    {
                        "question": question,
                        "option": option,
                        "value": answer.value_int,
                        "text": answer.text,
                    }
                    for answer, question, option in answers
                ],
            }
        )
    anonymous = db.session.execute(
        select(Survey.id, Survey.title)
        .join(SurveyParticipation, SurveyParticipation.survey_id == Survey.id)
        .where(SurveyParticipation.user_id == user.id)
    ).all()
    return {
        "named": named,
        "anonymous_participation": [{"survey_id": i, "survey": t} for i, t in anonymous],
    }


@exports("invitations", tables=("invitations",))
def export_invitations(user: User) -> dict[str, Any]:
    """Invitations to the person's address, and those they sent (without the invitee's address)."""
    invitations = db.metadata.tables["invitations"]
    received = table_rows_where(invitations, invitations.c.email == user.email)
    sent = table_rows_where(
        invitations, invitations.c.invited_by_id == user.id, omit=frozenset({"email"})
    )
    return {"received": received, "sent": sent}


def table_rows_where(table, condition, *, omit: frozenset[str] = frozenset()) -> list[dict]:
    columns = [c for c in table.columns if c.name not in omit]
    rows = db.session.execute(select(*columns).where(condition)).mappings()
    return [{k: plain(v) for k, v in row.items()} for row in rows]


@exports("audit_log", tables=("audit_entries",))
def export_audit(user: User) -> list[dict[str, Any]]:
    """What the person did as staff; before/after values describe other people and objects."""
    table = db.metadata.tables["audit_entries"]
    return table_rows(table, user.id, omit=frozenset({"before", "after"}))


# Tables exported row by row as they are.
for _name in (
    "comment_reactions",
    "process_follows",
    "consents",
    "data_exports",
    "review_requests",
    "blocks",
    "api_tokens",
    "outcomes",
    "council_decisions",
    "proposal_status_changes",
    "notifications",
    "notification_preferences",
    "notification_digests",
    "residency_verifications",
    "residency_codes",
    "residency_code_batches",
):
    export_table(_name)
export_table("reports", omit=("snapshot",))  # a snapshot is someone else's text
export_table("moderation_decisions", omit=("snapshot",))
export_table(
    "legal_documents", omit=("body", "source")
)  # public pages the person edited, by version

not_exported(
    "notification_events",
    "An event records that the person did something (wrote a comment, a proposal); that "
    "contribution is in the export already, and events are deleted after the retention period.",
)

# --- what account deletion does with references the database does not decide ------------------

erase(
    "contributions.author_id",
    Erase.KEEP,
    "Contributions stay in their discussions, shown as 'Deleted account'; the account row they "
    "point at holds no personal data any more.",
)
erase(
    "council_statements.author_id", Erase.KEEP, "As contributions: the statement stays anonymised."
)
erase(
    "proposal_statements.author_id", Erase.KEEP, "As contributions: the statement stays anonymised."
)
erase(
    "audit_entries.actor_id",
    Erase.KEEP,
    "The audit log is append-only accountability (Art. 17 (3) GDPR); it points at the anonymised row.",
)
# Supports, reactions and named survey answers stay counted, but no longer say whose they were.
erase("proposal_supports.user_id", Erase.UNLINK)
erase("comment_reactions.user_id", Erase.UNLINK)
erase("survey_responses.user_id", Erase.UNLINK)
