"""The API's writes with a token of Beispielheim against Musterstadt's objects, named through
Beispielheim's own addresses (its own process, with Musterstadt's phase and proposal ids, or a
merge into Musterstadt's proposal): each is refused and nothing changes. A Beispielheim token on
Musterstadt's addresses is refused in test_api_write.py (token_scope)."""

from __future__ import annotations

import api_support
from api_support import bearer, create_proposal, make_token
from sqlalchemy import func, select

from app.core.roles import Role

api_town = api_support.api_town  # the fixture


def _counts(app) -> dict[str, int]:
    from app.core.audit import AuditEntry
    from app.extensions import db
    from app.processes.models import Phase
    from app.proposals.models import ProposalStatusChange

    with app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (AuditEntry, ProposalStatusChange, Phase)
        }


def test_a_towns_token_reaches_no_object_of_another_through_its_own_addresses(
    app, client, make_process, make_member, api_town
):
    from app.extensions import db
    from app.processes.models import Phase

    other = api_town.other
    own_process = make_process(other, formats=("proposals",))
    own_proposal = create_proposal(app, own_process, make_member(other, Role.CITIZEN))
    foreign_proposal = create_proposal(app, api_town.process, api_town.users["citizen"])
    with app.app_context():
        foreign_phase = db.session.scalar(
            select(Phase.id).where(Phase.process_id == api_town.process.id)
        )
    token = bearer(make_token(app, api_town.users["other_staff"], other))
    own = f"/api/v1/municipalities/{other.slug}/processes/{own_process.slug}"
    answer = {"status": "accepted", "response": "Übernommen", "office": "Bauamt"}
    before = _counts(app)

    phase = client.patch(f"{own}/phases/{foreign_phase}", json={"title": "X"}, headers=token)
    status = client.post(f"{own}/proposals/{foreign_proposal}/status", json=answer, headers=token)
    merge = client.post(
        f"{own}/proposals/{own_proposal}/status",
        json={**answer, "status": "merged", "merged_into": foreign_proposal},
        headers=token,
    )

    assert phase.status_code == 404
    assert status.status_code == 404
    assert merge.status_code == 422 and "merged_into" in merge.get_json()["errors"]
    assert _counts(app) == before
