"""How outcomes plug into the rest: the contribution kind "council_statement" (a council member's
statement on a whole process), for moderation and "Mein Beitrag"; and the audit log's labels.

Imported by the package, so registering happens once when the factory imports the blueprint.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.contributions.kinds import Kind, Shown, announces, register_kind
from app.core import audit
from app.extensions import db
from app.municipalities.models import Municipality
from app.outcomes import policies
from app.outcomes import signals as outcome_signals
from app.outcomes.models import CouncilStatement
from app.outcomes.services import STATEMENT_KIND
from app.processes.models import Process
from app.proposals.registry import excerpt


def describe_statements(contribution_ids: Iterable[int]) -> dict[int, Shown]:
    rows = db.session.execute(
        select(
            CouncilStatement.id,
            CouncilStatement.contribution_id,
            CouncilStatement.body_text,
            Process.title,
            Process.slug.label("process_slug"),
            Municipality.slug.label("municipality_slug"),
        )
        .join(Process, Process.id == CouncilStatement.process_id)
        .join(Municipality, Municipality.id == CouncilStatement.municipality_id)
        .where(CouncilStatement.contribution_id.in_(list(contribution_ids)))
    )
    return {
        row.contribution_id: Shown(
            title=str(_l("Statement on the process “%(title)s”", title=row.title)),
            excerpt=excerpt(row.body_text),
            url=url_for(
                "processes.show",
                slug=row.municipality_slug,
                process_slug=row.process_slug,
                _anchor=f"council-statement-{row.id}",
            ),
        )
        for row in rows
    }


register_kind(
    Kind(
        STATEMENT_KIND,
        _l("Council statement on a process"),
        describe_statements,
        can_read=policies.can_read_statement,
        announce=announces(CouncilStatement, outcome_signals.council_statement_written),
    )
)
audit.label_actions(
    {
        "council_decision.record": _l("Council decision recorded"),
        "outcome.create": _l("Outcome written"),
        "outcome.update": _l("Outcome changed"),
        "outcome.publish": _l("Outcome published"),
        "report.settings": _l("Report settings changed"),
    }
)
