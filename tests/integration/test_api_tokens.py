"""The token page of the account: create (shown once, stored hashed), list with last use, revoke."""

from __future__ import annotations

import re

import api_support
from sqlalchemy import select

api_town = api_support.api_town  # the fixture


def test_staff_create_a_token_that_is_shown_once_and_stored_hashed(app, client, login, api_town):
    from app.api import services
    from app.api.models import ApiToken
    from app.extensions import db

    login(client, api_town.users["staff"])
    page = client.get("/account/api-tokens")
    assert page.status_code == 200
    response = client.post(
        "/account/api-tokens", data={"name": "Ratsinfo", "municipality": "musterstadt"}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    raw = re.search(r'value="(trl_[^"]+)"', html).group(1)
    with app.app_context():
        stored = db.session.scalar(select(ApiToken))
        assert stored.token_hash == services.hash_token(raw) and raw not in stored.token_hash
        assert stored.role.value == "staff" and stored.municipality_id == api_town.municipality.id
    again = client.get("/account/api-tokens").get_data(as_text=True)
    assert raw not in again and "Ratsinfo" in again and raw[:12] in again
    assert client.get("/account").get_data(as_text=True).count("/account/api-tokens") == 1


def test_tokens_are_only_for_municipalities_where_one_runs_processes(client, login, api_town):
    login(client, api_town.users["citizen"])
    assert client.get("/account/api-tokens").status_code == 403
    assert "/account/api-tokens" not in client.get("/account").get_data(as_text=True)
    login(client, api_town.users["staff"])
    refused = client.post(
        "/account/api-tokens", data={"name": "Fremd", "municipality": "beispielheim"}
    )
    assert refused.status_code == 422


def test_revoking_a_token_ends_its_use_and_is_audited(app, client, login, api_town):
    from app.api.models import ApiToken
    from app.core.audit import AuditEntry
    from app.extensions import db

    raw = api_support.make_token(app, api_town.users["staff"], api_town.municipality)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    login(client, api_town.users["admin"])
    assert client.post(f"/account/api-tokens/{token_id}/revoke").status_code == 404
    login(client, api_town.users["staff"])
    assert client.post(f"/account/api-tokens/{token_id}/revoke").status_code == 302
    listed = client.get("/account/api-tokens").get_data(as_text=True)
    assert "widerrufen am" in listed
    response = client.post(
        api_town.url("/processes"), json={"title": "X"}, headers=api_support.bearer(raw)
    )
    assert response.status_code == 401
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["api_token.create", "api_token.revoke"]
