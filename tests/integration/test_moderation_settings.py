"""Moderation settings (threshold, netiquette, pre-moderated processes), the netiquette page and the
netiquette link for contribution forms."""

from __future__ import annotations

import moderation_support
import pytest
from moderation_support import XSS, audit_actions, contribute, contribution_state
from sqlalchemy import select

from app.core.audit import AuditEntry
from app.extensions import db
from app.moderation.models import ModerationSettings
from app.processes.models import Process

scene = moderation_support.scene  # the fixture


def _settings_url(scene) -> str:
    return f"/{scene.town.slug}/admin/moderation/settings"


def test_admin_sets_threshold_netiquette_and_premoderation(app, client, login, scene):
    login(client, scene.users["admin"])
    page = client.get(_settings_url(scene))
    assert page.status_code == 200 and XSS not in page.text
    response = client.post(
        _settings_url(scene),
        data={
            "hide_threshold": "3",
            "netiquette": f'Seid nett.\n\nKeine <b>Werbung</b>.{XSS}<a href="javascript:x">x</a>',
            "premoderated": [str(scene.process.id)],
        },
    )
    assert response.status_code == 302
    with app.app_context():
        settings = db.session.get(ModerationSettings, scene.town.id)
        assert settings.hide_threshold == 3
        assert "<p>Seid nett.</p>" in settings.netiquette
        assert "<script" not in settings.netiquette and "javascript:" not in settings.netiquette
        assert db.session.get(Process, scene.process.id).premoderated
        [entry] = db.session.scalars(select(AuditEntry)).all()
        assert entry.action == "moderation.settings"
        assert entry.before["hide_threshold"] is None and entry.after["hide_threshold"] == 3
        assert entry.after["premoderated_processes"] == [scene.process.id]

    # New contributions in the process now wait for approval.
    assert contribution_state(app, contribute(app, scene.author, scene.process))[0] == "pending"

    # Saving again without changes writes no second entry.
    client.post(
        _settings_url(scene),
        data={
            "hide_threshold": "3",
            "netiquette": f'Seid nett.\n\nKeine <b>Werbung</b>.{XSS}<a href="javascript:x">x</a>',
            "premoderated": [str(scene.process.id)],
        },
    )
    assert audit_actions(app) == ["moderation.settings"]


def test_switching_the_threshold_off(app, client, login, scene):
    login(client, scene.users["admin"])
    client.post(_settings_url(scene), data={"hide_threshold": "2"})
    client.post(_settings_url(scene), data={"hide_threshold": ""})
    with app.app_context():
        assert db.session.get(ModerationSettings, scene.town.id).hide_threshold is None


@pytest.mark.parametrize("value", ["0", "-1", "abc", "101"])
def test_a_bad_threshold_is_refused_and_keeps_the_input(app, client, login, scene, value):
    login(client, scene.users["admin"])
    response = client.post(
        _settings_url(scene), data={"hide_threshold": value, "netiquette": "Mein Entwurf"}
    )
    assert response.status_code == 422
    assert "Mein Entwurf" in response.text
    assert 'id="hide_threshold-error"' in response.text
    assert audit_actions(app) == []


def test_premoderation_cannot_switch_on_another_municipalitys_process(
    app, client, login, scene, make_process
):
    foreign = make_process(scene.other)
    login(client, scene.users["admin"])
    response = client.post(_settings_url(scene), data={"premoderated": [str(foreign.id)]})
    assert response.status_code == 422
    with app.app_context():
        assert not db.session.get(Process, foreign.id).premoderated


@pytest.mark.parametrize("who", ["staff", "moderator", "facilitator", "council", "citizen"])
def test_only_admins_change_the_settings(app, client, login, scene, who):
    login(client, scene.users[who])
    assert client.get(_settings_url(scene)).status_code == 403
    assert client.post(_settings_url(scene), data={"hide_threshold": "1"}).status_code == 403
    with app.app_context():
        assert db.session.get(ModerationSettings, scene.town.id) is None


def test_the_netiquette_page_shows_the_standard_text_until_the_municipality_writes_its_own(
    app, client, login, scene
):
    page = client.get(f"/{scene.town.slug}/netiquette")
    assert page.status_code == 200
    assert "<ol>" in page.text  # the standard rules
    login(client, scene.users["admin"])
    client.post(_settings_url(scene), data={"netiquette": f"Unsere Regeln{XSS}"})
    page = client.get(f"/{scene.town.slug}/netiquette")
    assert "<p>Unsere Regeln" in page.text and XSS not in page.text


def test_the_netiquette_link_for_contribution_forms(app, scene):
    from flask import g, render_template_string

    from app.municipalities.models import Municipality

    with app.test_request_context():
        g.municipality = db.session.get(Municipality, scene.town.id)
        html = render_template_string("{{ netiquette_link() }}")
    assert f'href="/{scene.town.slug}/netiquette"' in html
    assert 'target="_blank"' in html and "visually-hidden" in html
