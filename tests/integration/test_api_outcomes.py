"""Outcomes through the API: published outcome and council decisions are public only once the outcome
is published; staff publish it with a token, leaving the web page's audit entry."""

from __future__ import annotations

from datetime import date, timedelta

import api_support
from api_support import bearer, make_token
from sqlalchemy import select

from app.core.time import utcnow

api_town = api_support.api_town  # the fixture


def _written_outcome(app, api_town, make_process):
    """A published process whose participation ended, with an outcome written and a decision."""
    from app.accounts.models import User
    from app.extensions import db
    from app.outcomes import services
    from app.processes.models import Process

    now = utcnow()
    process = make_process(
        api_town.municipality,
        phases=[("participation", now - timedelta(days=20), now - timedelta(days=10))],
    )
    with app.app_context():
        staff = db.session.get(User, api_town.users["staff"].id)
        loaded = db.session.get(Process, process.id)
        services.save_outcome(staff, loaded, services.OutcomeData(summary="Der Park wird gebaut."))
        services.record_decision(
            staff,
            loaded,
            services.DecisionData(
                decided_on=date(2026, 7, 1), body="Gemeinderat", text="Beschlossen.", votes_for=12
            ),
        )
        db.session.commit()
    return process


def test_outcome_and_decisions_become_public_when_published_through_the_api(
    app, client, api_town, make_process
):
    from app.core.audit import AuditEntry
    from app.extensions import db

    process = _written_outcome(app, api_town, make_process)
    base = api_town.process_url(process=process)
    assert client.get(f"{base}/outcome").status_code == 404
    assert client.get(f"{base}/council-decisions").get_json() == {"items": []}

    token = make_token(app, api_town.users["staff"], api_town.municipality)
    published = client.post(f"{base}/outcome/publish", headers=bearer(token))
    assert published.status_code == 200, published.get_json()
    assert "Der Park wird gebaut." in published.get_json()["summary"]
    again = client.post(f"{base}/outcome/publish", headers=bearer(token))
    assert again.status_code == 422 and again.get_json()["code"] == "publish_refused"

    outcome = client.get(f"{base}/outcome").get_json()
    assert outcome["published_at"] and outcome["adopted_proposals"] == []
    decisions = client.get(f"{base}/council-decisions").get_json()["items"]
    assert decisions[0]["body"] == "Gemeinderat" and decisions[0]["votes_for"] == 12
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "outcome.publish"))
    assert entry.actor_id == api_town.users["staff"].id and entry.object_id == process.id


def test_publishing_an_outcome_needs_the_right_municipality(app, client, api_town, make_process):
    process = _written_outcome(app, api_town, make_process)
    token = make_token(app, api_town.users["other_staff"], api_town.other)
    response = client.post(
        api_town.process_url("/outcome/publish", process=process), headers=bearer(token)
    )
    assert response.status_code == 403
    assert client.get(api_town.process_url("/outcome", process=process)).status_code == 404
