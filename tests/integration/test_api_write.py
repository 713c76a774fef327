"""The API's writes with personal tokens: who may, where, with which input, and what they leave."""

from __future__ import annotations

from datetime import timedelta

import api_support
import pytest
from api_support import bearer, create_proposal, make_token
from sqlalchemy import select

from app.core.time import utcnow

api_town = api_support.api_town  # the fixture

NEW_PROCESS = {
    "title": "Neuer Stadtpark",
    "summary": "Wie soll der Park aussehen?",
    "goal": "Ein Park für alle.",
    "decision_maker": "council",
    "formats": ["proposals"],
    "contact_email": "park@musterstadt.example",
}


def _audit(app, action: str) -> list:
    from app.core.audit import AuditEntry
    from app.extensions import db

    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )


def _comparable(entry) -> dict:
    """What an audit entry says, without what differs between two objects (ids, slugs, titles)."""
    drop = {"slug", "title", "status_change", "merged_into"}
    return {
        "action": entry.action,
        "object_type": entry.object_type,
        "municipality_id": entry.municipality_id,
        "actor_id": entry.actor_id,
        "before": {k: v for k, v in (entry.before or {}).items() if k not in drop},
        "after": {k: v for k, v in (entry.after or {}).items() if k not in drop},
    }


# --- authentication and scope -------------------------------------------------------------------


def test_writes_need_a_token_and_ignore_the_session(client, login, api_town):
    login(client, api_town.users["staff"])
    response = client.post(api_town.url("/processes"), json=NEW_PROCESS)
    assert response.status_code == 401
    assert response.get_json()["code"] == "token_missing"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    forged = client.post(api_town.url("/processes"), json=NEW_PROCESS, headers=bearer("trl_x"))
    assert forged.status_code == 401 and forged.get_json()["code"] == "token_invalid"


def test_a_token_is_refused_in_another_municipality(app, client, api_town):
    token = make_token(app, api_town.users["other_staff"], api_town.other)
    response = client.patch(
        api_town.process_url(), json={"title": "Übernommen"}, headers=bearer(token)
    )
    assert response.status_code == 403
    assert response.get_json()["code"] == "token_scope"
    answer = client.post(
        api_town.process_url("/proposals/1/status"),
        json={"status": "accepted", "response": "Ja", "office": "Bauamt"},
        headers=bearer(token),
    )
    assert answer.status_code == 403
    assert _audit(app, "process.update") == [] and _audit(app, "proposal.status") == []


def test_revoked_and_outdated_tokens_stop_working(app, client, api_town):
    from app.api import services
    from app.api.models import ApiToken
    from app.core.roles import Role
    from app.extensions import db
    from app.municipalities.models import Membership

    revoked = make_token(app, api_town.users["staff"], api_town.municipality)
    demoted = make_token(app, api_town.users["admin"], api_town.municipality)
    with app.app_context():
        token = db.session.scalar(
            select(ApiToken).where(ApiToken.token_hash == services.hash_token(revoked))
        )
        services.revoke_token(token.user, token)
        db.session.scalar(
            select(Membership).where(Membership.user_id == api_town.users["admin"].id)
        ).role = Role.CITIZEN
        db.session.commit()
    for raw in (revoked, demoted):
        response = client.post(api_town.url("/processes"), json=NEW_PROCESS, headers=bearer(raw))
        assert response.status_code == 401, raw


def test_only_roles_that_run_processes_get_tokens(app, api_town):
    from app.accounts.models import User
    from app.api import services
    from app.extensions import db
    from app.municipalities.models import Municipality

    with app.app_context():
        town = db.session.get(Municipality, api_town.municipality.id)
        for role in ("citizen", "moderator", "council"):
            with pytest.raises(services.TokenError):
                services.create_token(db.session.get(User, api_town.users[role].id), town, "x")
        with pytest.raises(services.TokenError):  # staff of Beispielheim, not of Musterstadt
            services.create_token(db.session.get(User, api_town.users["other_staff"].id), town, "x")


def test_the_write_blueprint_needs_no_csrf_token(app, client, api_town):
    token = make_token(app, api_town.users["staff"], api_town.municipality)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(api_town.url("/processes"), json=NEW_PROCESS, headers=bearer(token))
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 201


# --- processes and phases -----------------------------------------------------------------------


def test_create_update_publish_and_archive_a_process(app, client, api_town):
    token = make_token(app, api_town.users["staff"], api_town.municipality)
    created = client.post(api_town.url("/processes"), json=NEW_PROCESS, headers=bearer(token))
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["state"] == "draft" and body["slug"] == "neuer-stadtpark"
    assert "contact_email" not in body and "park@" not in created.get_data(as_text=True)
    path = api_town.url(f"/processes/{body['slug']}")
    assert client.get(path).status_code == 404  # a draft is not public

    updated = client.patch(path, json={"summary": "Neu"}, headers=bearer(token)).get_json()
    assert updated["summary"] == "Neu" and updated["concept"]["goal"] == "<p>Ein Park für alle.</p>"

    refused = client.post(f"{path}/publish", headers=bearer(token))
    assert refused.status_code == 422 and refused.get_json()["code"] == "concept_incomplete"
    complete = {
        "question": "Was fehlt?",
        "open_to_influence": "Die Gestaltung.",
        "already_fixed": "Die Fläche.",
        "decision_timing": "Im Juli",
        "input_use": "Wir werten aus.",
        "feedback_by": "2030-01-31",
    }
    assert client.patch(path, json=complete, headers=bearer(token)).status_code == 200
    now = utcnow()
    phase = client.post(
        f"{path}/phases",
        json={
            "kind": "participation",
            "title": "Mitmachen",
            "starts_at": (now - timedelta(days=1)).isoformat(),
            "ends_at": (now + timedelta(days=9)).isoformat(),
        },
        headers=bearer(token),
    )
    assert phase.status_code == 201, phase.get_json()
    published = client.post(f"{path}/publish", headers=bearer(token))
    assert published.status_code == 200 and published.get_json()["state"] == "published"
    assert client.get(path).status_code == 200
    archived = client.post(f"{path}/archive", headers=bearer(token)).get_json()
    assert archived["state"] == "archived"


def test_phases_refuse_overlaps_and_bad_times_with_field_errors(app, client, api_town):
    token = make_token(app, api_town.users["staff"], api_town.municipality)
    now = utcnow()
    overlapping = {
        "kind": "evaluation",
        "title": "Auswertung",
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(days=3)).isoformat(),
    }
    response = client.post(api_town.process_url("/phases"), json=overlapping, headers=bearer(token))
    assert response.status_code == 422 and "starts_at" in response.get_json()["errors"]
    backwards = {**overlapping, "ends_at": (now - timedelta(days=3)).isoformat()}
    response = client.post(api_town.process_url("/phases"), json=backwards, headers=bearer(token))
    assert response.status_code == 422 and "ends_at" in response.get_json()["errors"]
    naive = {**overlapping, "starts_at": "2030-01-01T10:00:00"}
    response = client.post(api_town.process_url("/phases"), json=naive, headers=bearer(token))
    assert response.status_code == 422 and "starts_at" in response.get_json()["errors"]

    phase_id = client.get(api_town.process_url()).get_json()["phases"][0]["id"]
    # the year 1 or 9999 passes the format, then overflowed the conversion to UTC (a 500)
    far = {"starts_at": "0001-01-01T00:00:00+02:00", "ends_at": "9999-12-31T23:00:00-10:00"}
    for name, value in far.items():
        response = client.post(
            api_town.process_url("/phases"),
            json={**overlapping, name: value},
            headers=bearer(token),
        )
        assert response.status_code == 422 and name in response.get_json()["errors"]
        response = client.patch(
            api_town.process_url(f"/phases/{phase_id}"), json={name: value}, headers=bearer(token)
        )
        assert response.status_code == 422 and name in response.get_json()["errors"]
    response = client.patch(
        api_town.process_url(), json={"feedback_by": "0001-01-01"}, headers=bearer(token)
    )
    assert response.status_code == 422 and "feedback_by" in response.get_json()["errors"]
    moved = client.patch(
        api_town.process_url(f"/phases/{phase_id}"),
        json={"title": "Mitmachen!"},
        headers=bearer(token),
    )
    assert moved.status_code == 200 and moved.get_json()["title"] == "Mitmachen!"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "Ok", "visibility": "secret"}, "visibility"),
        ({"title": "Ok", "formats": ["telepathy"]}, "formats"),
        ({"title": "Ok", "slug": "Nicht Gültig"}, "slug"),
        ({"title": "Ok", "reminder_hours": 0}, "reminder_hours"),
        ({"title": "Ok", "contact_email": "keine-adresse"}, "contact_email"),
        ({"title": "Ok", "surprise": 1}, "surprise"),
    ],
)
def test_bad_process_input_is_a_422_with_field_errors(app, client, api_town, body, field):
    token = make_token(app, api_town.users["staff"], api_town.municipality)
    response = client.post(api_town.url("/processes"), json=body, headers=bearer(token))
    assert response.status_code == 422, response.get_json()
    payload = response.get_json()
    assert payload["status"] == 422 and payload["code"] == "validation_error"
    assert field in payload["errors"]


def test_a_taken_slug_and_broken_json_are_client_errors(app, client, api_town):
    token = make_token(app, api_town.users["staff"], api_town.municipality)
    taken = client.post(
        api_town.url("/processes"),
        json={"title": "Doppelt", "slug": api_town.process.slug},
        headers=bearer(token),
    )
    assert taken.status_code == 422 and "slug" in taken.get_json()["errors"]
    broken = client.post(
        api_town.url("/processes"),
        data="{not json",
        content_type="application/json",
        headers=bearer(token),
    )
    assert broken.status_code in (400, 422) and broken.get_json()["status"] == broken.status_code


# --- official answers ---------------------------------------------------------------------------


def test_status_with_official_answer_and_its_errors(app, client, api_town):
    token = make_token(app, api_town.users["staff"], api_town.municipality)
    proposal = create_proposal(app, api_town.process, api_town.users["citizen"])
    url = api_town.process_url(f"/proposals/{proposal}/status")
    answer = {"status": "accepted", "response": "Wird gebaut.", "office": "Bauamt"}
    response = client.post(url, json=answer, headers=bearer(token))
    assert response.status_code == 201 and response.get_json()["status"] == "accepted"
    public = client.get(api_town.process_url(f"/proposals/{proposal}")).get_json()
    assert public["status"] == "accepted" and public["official_answers"][0]["office"] == "Bauamt"

    merged = client.post(url, json={**answer, "status": "merged"}, headers=bearer(token))
    assert merged.status_code == 422 and "merged_into" in merged.get_json()["errors"]
    into_itself = {**answer, "status": "merged", "merged_into": proposal}
    merged = client.post(url, json=into_itself, headers=bearer(token))
    assert merged.status_code == 422 and "merged_into" in merged.get_json()["errors"]
    blank = client.post(url, json={**answer, "response": "<p> </p>"}, headers=bearer(token))
    assert blank.status_code == 422 and "response" in blank.get_json()["errors"]
    submitted = client.post(url, json={**answer, "status": "submitted"}, headers=bearer(token))
    assert submitted.status_code == 422
    missing = client.post(
        api_town.process_url("/proposals/424242/status"), json=answer, headers=bearer(token)
    )
    assert missing.status_code == 404


# --- audit parity -------------------------------------------------------------------------------


def test_api_writes_leave_the_same_audit_entries_as_the_web_pages(app, client, login, api_town):
    """Each pair: the back-office page, then the API; their audit entries must say the same."""
    from app.extensions import db
    from app.processes.models import Process

    staff = api_town.users["staff"]
    token = make_token(app, staff, api_town.municipality)
    web = app.test_client()
    login(web, staff)
    slug = api_town.municipality.slug

    # a new process
    form = {"title": "Web-Verfahren", "visibility": "public", "formats": ["proposals"]}
    assert web.post(f"/{slug}/admin/processes/new", data=form).status_code == 302
    body = {"title": "API-Verfahren", "visibility": "public", "formats": ["proposals"]}
    assert (
        client.post(api_town.url("/processes"), json=body, headers=bearer(token)).status_code == 201
    )
    web_entry, api_entry = _audit(app, "process.create")
    assert _comparable(web_entry) == _comparable(api_entry)

    # a phase
    with app.app_context():
        ids = {
            p.title: p.id
            for p in db.session.scalars(select(Process).where(Process.title.like("%-Verfahren")))
        }
    start = (utcnow() + timedelta(days=30)).replace(second=0, microsecond=0)
    end = start + timedelta(days=14)
    phase_form = {
        "kind": "participation",
        "title": "Mitmachen",
        "starts_at": start.astimezone().strftime("%Y-%m-%dT%H:%M"),
        "ends_at": end.astimezone().strftime("%Y-%m-%dT%H:%M"),
    }
    from app.processes.forms import utc_to_local

    with app.test_request_context():
        phase_form["starts_at"] = utc_to_local(start).strftime("%Y-%m-%dT%H:%M")
        phase_form["ends_at"] = utc_to_local(end).strftime("%Y-%m-%dT%H:%M")
    web_phase = web.post(
        f"/{slug}/admin/processes/{ids['Web-Verfahren']}/phases/new", data=phase_form
    )
    assert web_phase.status_code == 302
    phase_body = {
        "kind": "participation",
        "title": "Mitmachen",
        "starts_at": start.isoformat(),
        "ends_at": end.isoformat(),
    }
    api_phase = client.post(
        api_town.url("/processes/api-verfahren/phases"), json=phase_body, headers=bearer(token)
    )
    assert api_phase.status_code == 201
    web_entry, api_entry = _audit(app, "phase.create")
    assert _comparable(web_entry) == _comparable(api_entry)

    # an official answer
    first = create_proposal(app, api_town.process, api_town.users["citizen"])
    second = create_proposal(app, api_town.process, api_town.users["citizen"])
    answer = {"status": "rejected", "response": "Leider nicht.", "office": "Bauamt"}
    with app.app_context():
        process_id = db.session.get(Process, api_town.process.id).id
    web_answer = web.post(
        f"/{slug}/admin/processes/{process_id}/proposals/{first}/answer", data=answer
    )
    assert web_answer.status_code == 302
    api_answer = client.post(
        api_town.process_url(f"/proposals/{second}/status"), json=answer, headers=bearer(token)
    )
    assert api_answer.status_code == 201
    web_entry, api_entry = _audit(app, "proposal.status")
    assert _comparable(web_entry) == _comparable(api_entry)
    assert web_entry.actor_id == api_entry.actor_id == staff.id


def test_last_use_is_recorded(app, client, api_town):
    from app.api import services
    from app.api.models import ApiToken
    from app.extensions import db

    token = make_token(app, api_town.users["staff"], api_town.municipality)
    client.post(api_town.url("/processes"), json=NEW_PROCESS, headers=bearer(token))
    with app.app_context():
        stored = db.session.scalar(
            select(ApiToken).where(ApiToken.token_hash == services.hash_token(token))
        )
        assert stored.last_used_at is not None
        assert token not in (stored.token_hash, stored.prefix)
