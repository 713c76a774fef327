"""Legal pages: templates with the platform's facts, edited per municipality, versioned, audited."""

from __future__ import annotations

import pytest

from app.core.roles import Role

KINDS = ("impressum", "datenschutz", "barrierefreiheit", "nutzungsbedingungen")


@pytest.fixture
def town(make_municipality):
    return make_municipality(
        slug="rechtsstadt", federal_state="BY", contact_email="rat@rechtsstadt.de"
    )


@pytest.mark.parametrize("kind", KINDS)
def test_every_municipality_has_each_page_from_the_template(client, town, kind):
    response = client.get(f"/rechtsstadt/{kind}")
    assert response.status_code == 200
    assert "Standardtext der Plattform" in response.get_data(as_text=True)


def test_privacy_policy_names_controller_dpo_purposes_bases_retention_rights_and_authority(
    app, client, town
):
    page = client.get("/rechtsstadt/datenschutz").get_data(as_text=True)
    for needle in (
        "Verantwortliche Stelle",
        "rat@rechtsstadt.de",
        "Datenschutzbeauftragte",
        "Zwecke und Rechtsgrundlagen",
        "Art. 6 Abs. 1 lit. e DSGVO",
        "Art. 6 Abs. 1 lit. a DSGVO",
        f"{app.config['RETENTION_UNVERIFIED_DAYS']} Tage",
        "Art. 15 DSGVO",
        "Bayerischer Landesbeauftragter für den Datenschutz",  # the authority of its state
        "keinen Cookie-Banner",
        "keine Schriften, Skripte oder Bilder von fremden Servern",
    ):
        assert needle in page, needle
    assert "<script>" not in page  # the factories' payload in the name stays text


def test_accessibility_statement_has_what_bitv_asks_for(client, town):
    page = client.get("/rechtsstadt/barrierefreiheit").get_data(as_text=True)
    for needle in (
        "teilweise vereinbar",
        "Nicht barrierefreie Inhalte",
        "erstellt",
        "rat@rechtsstadt.de",
        "innerhalb eines Monats",
        "https://www.schlichtungsstelle-bgg.de",
    ):
        assert needle in page, needle


def test_the_platforms_privacy_page_says_no_banner_and_no_third_parties(client):
    page = client.get("/datenschutz").get_data(as_text=True)
    assert "keinen Cookie-Banner" in page and "von fremden Servern" in page


def test_footer_links_to_the_municipalitys_own_pages(client, town):
    page = client.get("/rechtsstadt/").get_data(as_text=True)
    for kind in KINDS:
        assert f'href="/rechtsstadt/{kind}"' in page
    assert 'href="/impressum"' in client.get("/").get_data(as_text=True)


def _save(client, path, text, note="", **extra):
    return client.post(path, data={"body": text, "note": note, **extra})


def test_an_admin_edits_a_page_each_save_a_sanitised_version_with_history_and_audit(
    app, client, login, make_member, town
):
    from app.core.audit import AuditEntry
    from app.extensions import db

    admin = make_member(town, Role.ADMIN)
    login(client, admin)
    edit = client.get("/rechtsstadt/admin/legal/impressum")
    assert edit.status_code == 200
    assert "Angaben zum Anbieter" in edit.get_data(as_text=True)  # prefilled with the template
    response = _save(
        client,
        "/rechtsstadt/admin/legal/impressum",
        "## Anbieter\n\nStadt Rechtsstadt<script>alert(1)</script>",
        "Erste Fassung",
    )
    assert response.status_code == 302
    _save(client, "/rechtsstadt/admin/legal/impressum", "## Anbieter\n\nNeue Anschrift", "Umzug")
    public = client.get("/rechtsstadt/impressum").get_data(as_text=True)
    assert "Neue Anschrift" in public and "Fassung 2" in public
    history = client.get("/rechtsstadt/admin/legal/impressum/history").get_data(as_text=True)
    assert "Erste Fassung" in history and "Umzug" in history
    first = client.get("/rechtsstadt/admin/legal/impressum/versions/1").get_data(as_text=True)
    assert "<h2>Anbieter</h2>" in first and "Stadt Rechtsstadt" in first
    assert "<script>alert(1)</script>" not in first
    assert client.get("/rechtsstadt/admin/legal/impressum/versions/3").status_code == 404
    with app.app_context():
        entries = (
            db.session.query(AuditEntry)
            .filter_by(action="legal.updated")
            .order_by(AuditEntry.id)
            .all()
        )
        assert [(e.municipality_id, e.after["version"], e.reason) for e in entries] == [
            (town.id, 1, "Erste Fassung"),
            (town.id, 2, "Umzug"),
        ]


def test_an_empty_text_is_refused(client, login, make_member, town):
    login(client, make_member(town, Role.ADMIN))
    assert _save(client, "/rechtsstadt/admin/legal/impressum", "").status_code == 422


@pytest.mark.parametrize("role", [Role.STAFF, Role.MODERATOR, Role.COUNCIL, Role.CITIZEN])
def test_only_admins_edit(client, login, make_member, town, role):
    login(client, make_member(town, role))
    assert client.get("/rechtsstadt/admin/legal/impressum").status_code == 403
    assert _save(client, "/rechtsstadt/admin/legal/impressum", "x").status_code == 403


def test_municipalities_are_isolated(app, client, login, make_member, make_municipality, town):
    other = make_municipality(slug="nachbarort")
    login(client, make_member(other, Role.ADMIN))
    assert client.get("/rechtsstadt/admin/legal/").status_code == 403
    assert _save(client, "/rechtsstadt/admin/legal/impressum", "Fremd").status_code == 403
    _save(client, "/nachbarort/admin/legal/impressum", "Nur Nachbarort")
    assert "Nur Nachbarort" in client.get("/nachbarort/impressum").get_data(as_text=True)
    assert "Nur Nachbarort" not in client.get("/rechtsstadt/impressum").get_data(as_text=True)
    assert "Nur Nachbarort" not in client.get("/impressum").get_data(as_text=True)


def test_a_municipality_cannot_ask_everyone_for_consent(app, client, login, make_member, town):
    from app.extensions import db
    from app.privacy.models import LegalDocument

    login(client, make_member(town, Role.ADMIN))
    assert "asks_consent" not in client.get(
        "/rechtsstadt/admin/legal/nutzungsbedingungen"
    ).get_data(as_text=True)
    _save(client, "/rechtsstadt/admin/legal/nutzungsbedingungen", "Neu", asks_consent="y")
    with app.app_context():
        assert db.session.query(LegalDocument).one().asks_consent is False


def test_platform_admins_edit_the_platform_terms_and_may_ask_for_consent(
    app, client, login, make_user
):
    admin = make_user(is_platform_admin=True)
    citizen = make_user()
    login(client, admin)
    assert client.get("/platform/legal/").status_code == 200
    response = _save(
        client,
        "/platform/legal/nutzungsbedingungen",
        "## Neu\n\nGeändert",
        "Neue Regeln",
        asks_consent="y",
    )
    assert response.status_code == 302
    assert "Geändert" in client.get("/nutzungsbedingungen").get_data(as_text=True)
    other = app.test_client()
    login(other, citizen)
    assert "/account/consent" in other.get("/").headers["Location"]


def test_platform_pages_are_for_platform_admins_only(client, login, make_member, town):
    login(client, make_member(town, Role.ADMIN))
    assert client.get("/platform/legal/").status_code == 403
    assert client.get("/platform/legal/impressum").status_code == 403
