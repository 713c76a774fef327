"""Shared set-up of the proposal tests.

``create_proposal`` writes a proposal the way the service stores one (a contribution row with the
author's group, a thread of its own, sanitised description) without asking whether the phase is
open, so tests can place proposals in any process. ``proposal_matrix_ids`` gives the permission
matrix (``test_route_matrix``) a proposal by the citizen in the world's published process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

XSS = "<script>window.__xss=1</script>"
DAY = timedelta(days=1)


def switch_on_proposals(app, process) -> None:
    from app.extensions import db
    from app.processes.models import ProcessFormat

    with app.app_context():
        db.session.add(ProcessFormat(process_id=process.id, key="proposals"))
        db.session.commit()


def promise_answers(app, process, threshold: int = 2, days: int = 10) -> None:
    """The process promises an answer within ``days`` to every proposal ``threshold`` people
    support."""
    from app.extensions import db
    from app.proposals.models import ProposalSettings

    with app.app_context():
        db.session.add(
            ProposalSettings(process_id=process.id, answer_threshold=threshold, answer_days=days)
        )
        db.session.commit()


def create_proposal(app, process, author, *, xss: bool = True, **values) -> int:
    """A visible proposal by ``author`` in ``process``; returns its id."""
    from app.accounts.models import User
    from app.contributions.models import Contribution, Visibility
    from app.contributions.services import new_thread
    from app.extensions import db
    from app.processes.models import Process
    from app.processes.services import rich_text
    from app.proposals.models import Proposal
    from app.proposals.services import plain_text

    payload = XSS if xss else ""
    with app.app_context():
        loaded = db.session.get(Process, process.id)
        user = db.session.get(User, author.id)
        title = values.pop("title", f"Mehr Bänke am Brunnen{payload}")
        description = rich_text(values.pop("description", f"Zum Ausruhen im Schatten.{payload}"))
        text = plain_text(description)
        created_at = values.pop("created_at", None)
        visibility = values.pop("visibility", "visible")
        contribution = Contribution(
            municipality_id=loaded.municipality_id,
            process_id=loaded.id,
            author=user,
            author_group=user.group_in(loaded.municipality),
            kind="proposal",
            visibility=Visibility(visibility),
            **({"created_at": created_at} if created_at else {}),
        )
        db.session.add(contribution)
        proposal = Proposal(
            municipality_id=loaded.municipality_id,
            process_id=loaded.id,
            contribution=contribution,
            thread=new_thread(loaded),
            title=title,
            description=description,
            description_text=text,
            search_text=f"{title}\n{text}".casefold(),
            **({"created_at": created_at} if created_at else {}),
            **values,
        )
        db.session.add(proposal)
        db.session.commit()
        return proposal.id


def proposal_matrix_ids(app, users: dict[str, Any], process) -> dict[str, int]:
    """Switch on proposals in ``process`` and let the citizen write the matrix's proposal."""
    switch_on_proposals(app, process)
    return {
        "proposal": create_proposal(app, process, users["citizen"]),
        "proposal_process": process.id,
    }


def load(app, model, ident):
    """A row loaded in a short app context, detached with its columns."""
    from app.extensions import db

    with app.app_context():
        row = db.session.get(model, ident)
        db.session.expunge(row)
        return row


@dataclass
class Town:
    """A municipality with one member per role, another municipality with its staff, and a public
    process in its participation phase with proposals switched on."""

    municipality: Any
    other: Any
    users: dict[str, Any]
    process: Any

    @property
    def base(self) -> str:
        return f"/{self.municipality.slug}/processes/{self.process.slug}/proposals/"

    def url(self, proposal_id: int, action: str = "") -> str:
        return f"{self.base}{proposal_id}" + (f"/{action}" if action else "")

    def admin(self, path: str = "") -> str:
        return f"/{self.municipality.slug}/admin/processes/{self.process.id}/proposals/{path}"


@pytest.fixture
def town(app, make_municipality, make_member, make_process) -> Town:
    from app.core.roles import Role

    home = make_municipality(xss=False)
    other = make_municipality(xss=False)
    users = {
        role.value: make_member(home, role, xss=False)
        for role in (
            Role.CITIZEN,
            Role.STAFF,
            Role.MODERATOR,
            Role.COUNCIL,
            Role.FACILITATOR,
            Role.ADMIN,
        )
    }
    users["other_staff"] = make_member(other, Role.STAFF, xss=False)
    process = make_process(home, xss=False, formats=("proposals",))
    return Town(home, other, users, process)
