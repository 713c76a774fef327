"""Data export: complete over every table that names a person, only for its owner, time-limited."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import privacy_support
import pytest

rich_person = privacy_support.rich_person  # the fixture


def test_every_table_that_names_a_person_is_exported_or_excluded_with_a_reason(app):
    from app.privacy import exports  # noqa: F401  registers every section
    from app.privacy.registry import excluded_tables, exporters, person_tables

    with app.app_context():
        covered = {table for e in exporters().values() for table in e.tables}
        excluded = excluded_tables()
        forgotten = set(person_tables()) - covered - set(excluded)
    assert not forgotten, (
        f"register these tables in the export (app/privacy/registry.py: @exports or "
        f"export_table) or exclude them with not_exported(table, reason): {sorted(forgotten)}"
    )
    assert all(reason.strip() for reason in excluded.values())


def test_registered_tables_exist(app):
    """A registration for a table that was renamed or removed would hide a gap."""
    from app.extensions import db
    from app.privacy.registry import excluded_tables, exporters

    with app.app_context():
        known = set(db.metadata.tables)
    registered = {t for e in exporters().values() for t in e.tables} | set(excluded_tables())
    assert registered <= known, sorted(registered - known)


def _zip(response) -> dict:
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    return {name: json.loads(archive.read(name)) for name in archive.namelist()}


def test_small_account_downloads_everything_at_once(app, client, login, rich_person):
    login(client, rich_person.user)
    response = client.post("/account/data/export")
    assert response.status_code == 302
    status = client.get(response.headers["Location"])
    assert "Download" in status.get_data(as_text=True) or "herunterladen" in status.get_data(
        as_text=True
    )
    export_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    download = client.get(f"/account/data/export/{export_id}/download")
    assert download.status_code == 200
    assert download.mimetype == "application/zip"
    files = _zip(download)
    index = files["index.json"]
    for section in index["sections"].values():
        assert section in files
    assert files["account.json"]["email"] == "person@example.org"
    assert files["memberships.json"][0]["municipality_slug"] == "datenstadt"
    texts = json.dumps(files["contributions.json"], ensure_ascii=False)
    assert "Mein Vorschlag" in texts and "Mein Kommentar" in texts
    assert files["supports.json"][0]["proposal_id"] == rich_person.other_proposal_id
    named = files["survey_answers.json"]["named"]
    assert named[0]["answers"][0]["text"] == "Meine Antwort"
    assert files["reports.json"][0]["text"] == "Beleidigend"
    assert "snapshot" not in files["reports.json"][0]
    assert {row["kind"] for row in files["consents.json"]} >= {"terms", "privacy"}
    assert len(files["comment_reactions.json"]) == 1
    assert len(files["process_follows.json"]) == 1
    if "notifications.json" in files:
        assert len(files["notifications.json"]) == 1
    # Secrets never leave the database.
    everything = json.dumps(files)
    assert "password_hash" not in everything and "token_hash" not in everything


def test_another_account_cannot_see_or_download_the_export(app, client, login, rich_person):
    login(client, rich_person.user)
    location = client.post("/account/data/export").headers["Location"]
    export_id = int(location.rstrip("/").split("/")[-1])
    login(client, rich_person.other)
    assert client.get(f"/account/data/export/{export_id}").status_code == 404
    assert client.get(f"/account/data/export/{export_id}/download").status_code == 404


def test_anonymous_visitors_are_sent_to_login(client):
    assert "/login" in client.get("/account/data").headers["Location"]


def test_large_accounts_are_prepared_by_the_scheduler_with_progress(
    app, client, login, rich_person
):
    from app.core.scheduler import registered_jobs
    from app.core.time import utcnow
    from app.extensions import db
    from app.privacy import exports
    from app.privacy.models import DataExport, ExportState

    app.config["DATA_EXPORT_INLINE_LIMIT"] = 0
    try:
        login(client, rich_person.user)
        location = client.post("/account/data/export").headers["Location"]
        page = client.get(location).get_data(as_text=True)
        assert "<progress" in page
        # A second request while one is pending prepares no second export.
        client.post("/account/data/export")
        with app.app_context():
            assert db.session.query(DataExport).count() == 1
            assert "privacy.exports" in registered_jobs()
            assert exports.prepare_pending(utcnow()) == 1
            assert exports.prepare_pending(utcnow()) == 0  # claimed once
            export = db.session.query(DataExport).one()
            assert export.state == ExportState.READY and export.progress == 100
        assert "<progress" not in client.get(location).get_data(as_text=True)
        assert client.get(location + "/download").status_code == 200
    finally:
        app.config["DATA_EXPORT_INLINE_LIMIT"] = 200


def test_download_link_expires(app, client, login, rich_person):
    from app.core.time import utcnow
    from app.extensions import db
    from app.privacy.models import DataExport

    login(client, rich_person.user)
    location = client.post("/account/data/export").headers["Location"]
    with app.app_context():
        export = db.session.query(DataExport).one()
        export.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert client.get(location + "/download").status_code == 410


@pytest.mark.parametrize("export_id", ["0", "99999999999999"])
def test_bad_export_ids_are_404(client, login, make_user, export_id):
    login(client, make_user())
    assert client.get(f"/account/data/export/{export_id}").status_code == 404
