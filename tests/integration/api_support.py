"""Shared set-up of the API tests: a town with processes, proposals, comments, and tokens."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from proposals_support import create_proposal, switch_on_proposals

API = "/api/v1"


def make_token(app, user, municipality, name: str = "Ratsinformationssystem") -> str:
    """A personal token of ``user`` for ``municipality``, made by the service; the raw token."""
    from app.accounts.models import User
    from app.api import services
    from app.extensions import db
    from app.municipalities.models import Municipality

    with app.app_context():
        _token, raw = services.create_token(
            db.session.get(User, user.id), db.session.get(Municipality, municipality.id), name
        )
        db.session.commit()
        return raw


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def set_visibility(app, contribution_id: int, visibility: str, reason: str = "") -> None:
    from app.contributions.models import Contribution, Visibility
    from app.extensions import db

    with app.app_context():
        contribution = db.session.get(Contribution, contribution_id)
        contribution.visibility = Visibility(visibility)
        contribution.hidden_reason = reason
        db.session.commit()


def contribution_of(app, model, ident: int) -> int:
    from app.extensions import db

    with app.app_context():
        return db.session.get(model, ident).contribution_id


@dataclass
class ApiTown:
    """Musterstadt with one member per role, a public process taking proposals and comments, a
    draft and a members-only process, and Beispielheim with a staff member of its own."""

    municipality: Any
    other: Any
    users: dict[str, Any]
    process: Any
    draft: Any
    members_only: Any
    ids: dict[str, int] = field(default_factory=dict)

    def url(self, path: str = "") -> str:
        return f"{API}/municipalities/{self.municipality.slug}{path}"

    def process_url(self, path: str = "", process=None) -> str:
        return self.url(f"/processes/{(process or self.process).slug}{path}")


@pytest.fixture
def api_town(app, make_municipality, make_member, make_process) -> ApiTown:
    from app.core.roles import Role

    home = make_municipality(slug="musterstadt")
    other = make_municipality(slug="beispielheim")
    users = {
        role.value: make_member(home, role)
        for role in (Role.CITIZEN, Role.STAFF, Role.MODERATOR, Role.COUNCIL, Role.ADMIN)
    }
    users["other_staff"] = make_member(other, Role.STAFF)
    process = make_process(home, formats=("proposals", "comments"))
    draft = make_process(home, state="draft", formats=("proposals",))
    members_only = make_process(home, visibility="members", formats=("proposals",))
    return ApiTown(home, other, users, process, draft, members_only)


__all__ = ["create_proposal", "switch_on_proposals"]


def api_matrix_ids(app, users: dict[str, Any], municipality) -> dict[str, int]:
    """A token of the staff member, for the permission matrix (``test_route_matrix``)."""
    from app.api.models import ApiToken
    from app.extensions import db

    raw = make_token(app, users["staff"], municipality)
    with app.app_context():
        from app.api.services import hash_token

        token_id = db.session.scalar(
            db.select(ApiToken.id).where(ApiToken.token_hash == hash_token(raw))
        )
    return {"api_token": token_id}
