"""The back office of processes: creating with the concept, phases with clear form errors,
preview, publishing only when complete, archiving after confirmation, images, and the audit log."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.core.audit import AuditEntry
from app.core.roles import Role
from app.extensions import db
from app.processes.models import Phase, Process, ProcessState

CONCEPT = {
    "title": "Neugestaltung des Marktplatzes",
    "summary": "Ideen für den Marktplatz",
    "description": "Erster Absatz.\n\nZweiter Absatz mit <strong>Betonung</strong>.",
    "topic": "Stadtentwicklung",
    "visibility": "public",
    "goal": "Ein lebendiger Platz",
    "question": "Was wünschen Sie sich?",
    "open_to_influence": "Bäume, Bänke",
    "already_fixed": "Der Brunnen bleibt",
    "decision_maker": "council",
    "decision_timing": "Im Herbst",
    "input_use": "Die Verwaltung wertet aus.",
    "feedback_by": "2030-10-01",
    "contact_name": "Petra Verwaltung",
    "contact_email": "petra@example.org",
    "formats": ["proposals", "comments"],
    "reminder_hours": "48",
}


@pytest.fixture
def town(make_municipality):
    return make_municipality(xss=False)


@pytest.fixture
def staff_client(client, login, town, make_member):
    login(client, make_member(town, Role.STAFF))
    client.get("/lang/en")
    return client


def _process(app, **where) -> Process:
    with app.app_context():
        process = db.session.scalar(select(Process).filter_by(**where))
        if process is not None:
            process.phases
            process.format_rows
            db.session.expunge(process)
        return process


def _new(client, town, **changes):
    return client.post(f"/{town.slug}/admin/processes/new", data={**CONCEPT, **changes})


def test_staff_create_a_draft_with_the_concept_and_formats(app, staff_client, town):
    response = _new(staff_client, town)
    assert response.status_code == 302
    process = _process(app, title=CONCEPT["title"])
    assert process.state == ProcessState.DRAFT
    assert process.slug == "neugestaltung-des-marktplatzes"
    assert (
        process.description
        == "<p>Erster Absatz.</p><p>Zweiter Absatz mit <strong>Betonung</strong>.</p>"
    )
    assert process.decision_maker.value == "council"
    assert str(process.feedback_by) == "2030-10-01"
    assert sorted(process.format_keys) == ["comments", "proposals"]
    assert process.reminder_hours == 48
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action)))
    assert actions == ["process.create"]


def test_unknown_format_keys_are_refused(staff_client, town):
    response = _new(staff_client, town, formats=["proposals", "telepathy"])
    assert response.status_code == 422


def test_slug_is_unique_per_municipality_but_free_across_municipalities(
    app, client, login, make_municipality, make_member, town
):
    other = make_municipality(xss=False)
    login(client, make_member(town, Role.STAFF))
    assert _new(client, town, slug="marktplatz").status_code == 302
    taken = _new(client, town, slug="marktplatz")
    assert taken.status_code == 422
    client.get("/lang/en")
    assert "already uses this address" in _new(client, town, slug="marktplatz").get_data(
        as_text=True
    )
    login(client, make_member(other, Role.STAFF))
    assert _new(client, other, slug="marktplatz").status_code == 302


def test_invalid_slug_and_email_get_field_errors(staff_client, town):
    response = _new(staff_client, town, slug="Markt Platz!", contact_email="nope")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Use lower-case letters, digits and hyphens only." in page
    assert "Please enter a valid e-mail address." in page
    assert 'aria-invalid="true"' in page


def test_the_form_groups_inputs_in_fieldsets_with_bound_labels(staff_client, town):
    page = staff_client.get(f"/{town.slug}/admin/processes/new").get_data(as_text=True)
    assert page.count("<fieldset") == 5
    assert "<legend>The participation concept</legend>" in page
    assert '<label for="goal">' in page
    assert 'id="goal"' in page
    assert 'type="file"' in page and 'enctype="multipart/form-data"' in page


def test_editing_keeps_the_values_and_changes_formats(app, staff_client, town):
    _new(staff_client, town)
    process = _process(app, title=CONCEPT["title"])
    form = staff_client.get(f"/{town.slug}/admin/processes/{process.id}/edit").get_data(
        as_text=True
    )
    assert 'value="Stadtentwicklung"' in form
    # paragraphs come back as blank lines, inline formatting as typed: no <p> tags to edit around
    assert "Erster Absatz.\n\nZweiter Absatz mit &lt;strong&gt;Betonung&lt;/strong&gt;." in form
    assert 'value="council" selected' in form or 'selected value="council"' in form
    response = staff_client.post(
        f"/{town.slug}/admin/processes/{process.id}/edit",
        data={**CONCEPT, "formats": ["surveys"], "title": "Neuer Titel", "slug": process.slug},
    )
    assert response.status_code == 302
    assert _process(app, id=process.id).format_keys == ["surveys"]
    assert _process(app, id=process.id).title == "Neuer Titel"


# --- phases -------------------------------------------------------------------------------------


def _phase(client, town, process_id, start, end, kind="participation", title="Ideen sammeln"):
    return client.post(
        f"/{town.slug}/admin/processes/{process_id}/phases/new",
        data={"kind": kind, "title": title, "starts_at": start, "ends_at": end, "description": ""},
    )


@pytest.fixture
def draft(app, staff_client, town) -> Process:
    _new(staff_client, town)
    return _process(app, title=CONCEPT["title"])


def test_phase_times_are_entered_in_berlin_time_and_stored_in_utc(app, staff_client, town, draft):
    assert (
        _phase(staff_client, town, draft.id, "2030-07-01T10:00", "2030-12-01T09:00").status_code
        == 302
    )
    phase = _process(app, id=draft.id).phases[0]
    assert phase.starts_at.isoformat() == "2030-07-01T08:00:00+00:00"  # CEST = UTC+2
    assert phase.ends_at.isoformat() == "2030-12-01T08:00:00+00:00"  # CET = UTC+1
    form = staff_client.get(
        f"/{town.slug}/admin/processes/{draft.id}/phases/{phase.id}/edit"
    ).get_data(as_text=True)
    assert 'value="2030-07-01T10:00"' in form


def test_phase_ending_before_it_starts_gets_a_clear_error_at_the_end(staff_client, town, draft):
    response = _phase(staff_client, town, draft.id, "2030-07-10T10:00", "2030-07-01T10:00")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<p class="error" id="ends_at-error">The end must be after the start.</p>' in page
    assert 'href="#ends_at"' in page  # the error summary links to the field


@pytest.mark.parametrize(
    ("start", "end"),
    [("0001-01-01T00:00", "2030-07-01T10:00"), ("2030-07-01T10:00", "9999-12-31T23:59")],
)
def test_phase_beyond_the_calendar_is_a_form_error_not_a_crash(
    app, staff_client, town, draft, monkeypatch, start, end
):
    """Midnight of 1 January of the year 1 in Berlin is before the year 1 in UTC: a 500."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = _phase(staff_client, town, draft.id, start, end)
    assert response.status_code == 422
    assert "Please enter a date between 1900 and 2200." in response.text
    assert _process(app, id=draft.id).phases == []


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_feedback_date_beyond_the_calendar_is_refused(app, staff_client, town, day):
    assert _new(staff_client, town, feedback_by=day).status_code == 422
    assert _process(app, title=CONCEPT["title"]) is None


def test_overlapping_phase_gets_a_clear_error_naming_the_other_phase(
    app, staff_client, town, draft
):
    _phase(staff_client, town, draft.id, "2030-07-01T10:00", "2030-07-20T10:00", title="Erste")
    response = _phase(staff_client, town, draft.id, "2030-07-15T10:00", "2030-08-01T10:00")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This phase overlaps with “Erste” (1 Jul 2030, 10:00" in page  # shown in Berlin time
    assert "Phases follow one another without overlapping." in page
    assert len(_process(app, id=draft.id).phases) == 1


def test_phase_starting_when_the_previous_ends_is_accepted(app, staff_client, town, draft):
    _phase(staff_client, town, draft.id, "2030-07-01T10:00", "2030-07-20T10:00", kind="information")
    assert (
        _phase(staff_client, town, draft.id, "2030-07-20T10:00", "2030-08-01T10:00").status_code
        == 302
    )
    assert [p.kind.value for p in _process(app, id=draft.id).phases] == [
        "information",
        "participation",
    ]


def test_missing_phase_times_are_required_fields(staff_client, town, draft):
    response = _phase(staff_client, town, draft.id, "", "")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please enter date and time of the start." in page


def test_moving_a_phase_makes_its_transitions_due_again(app, staff_client, town, draft):
    from app.core.time import utcnow

    _phase(staff_client, town, draft.id, "2030-07-01T10:00", "2030-07-20T10:00")
    phase_id = _process(app, id=draft.id).phases[0].id
    with app.app_context():
        phase = db.session.get(Phase, phase_id)
        phase.start_handled_at = phase.end_handled_at = phase.reminder_sent_at = utcnow()
        db.session.commit()
    staff_client.post(
        f"/{town.slug}/admin/processes/{draft.id}/phases/{phase_id}/edit",
        data={
            "kind": "participation",
            "title": "x",
            "starts_at": "2030-07-01T10:00",
            "ends_at": "2030-07-25T10:00",
        },
    )
    with app.app_context():
        phase = db.session.get(Phase, phase_id)
        assert phase.start_handled_at is not None  # the start did not move
        assert phase.end_handled_at is None and phase.reminder_sent_at is None


def test_deleting_a_phase_asks_first_and_works_without_javascript(app, staff_client, town, draft):
    _phase(staff_client, town, draft.id, "2030-07-01T10:00", "2030-07-20T10:00")
    phase_id = _process(app, id=draft.id).phases[0].id
    url = f"/{town.slug}/admin/processes/{draft.id}/phases/{phase_id}/delete"
    confirm = staff_client.get(url).get_data(as_text=True)
    assert "Do you really want to delete the phase" in confirm
    assert staff_client.post(url).status_code == 302
    assert _process(app, id=draft.id).phases == []


def test_a_phase_of_another_process_is_not_found(app, staff_client, town, draft, make_process):
    other = make_process(town, xss=False)
    with app.app_context():
        foreign_phase = db.session.scalar(select(Phase.id).where(Phase.process_id == other.id))
    url = f"/{town.slug}/admin/processes/{draft.id}/phases/{foreign_phase}/edit"
    assert staff_client.get(url).status_code == 404


# --- preview, publish, archive ------------------------------------------------------------------


def test_preview_shows_the_draft_as_the_public_will_see_it(staff_client, town, draft):
    page = staff_client.get(f"/{town.slug}/admin/processes/{draft.id}/preview").get_data(
        as_text=True
    )
    assert "This is how the public will see this process." in page
    assert "The participation concept" in page
    assert "Ein lebendiger Platz" in page


def test_publishing_needs_a_timeline(app, staff_client, town, draft):
    response = staff_client.post(f"/{town.slug}/admin/processes/{draft.id}/publish")
    assert response.status_code == 302
    assert _process(app, id=draft.id).state == ProcessState.DRAFT
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Before publishing, please complete: at least one phase." in page


def test_publishing_needs_the_whole_concept(app, client, login, make_member, town):
    login(client, make_member(town, Role.FACILITATOR))
    client.get("/lang/en")
    _new(client, town, goal="", input_use="", decision_maker="")
    process = _process(app, title=CONCEPT["title"])
    _phase(client, town, process.id, "2030-07-01T10:00", "2030-07-20T10:00")
    client.post(f"/{town.slug}/admin/processes/{process.id}/publish")
    assert _process(app, id=process.id).state == ProcessState.DRAFT
    page = client.get(f"/{town.slug}/admin/processes/{process.id}/").get_data(as_text=True)
    assert "Goal, Who decides, What happens with the input." in page


def test_publishing_a_complete_draft_makes_it_public(app, staff_client, client, town, draft):
    _phase(staff_client, town, draft.id, "2030-07-01T10:00", "2030-07-20T10:00")
    staff_client.post(f"/{town.slug}/admin/processes/{draft.id}/publish")
    process = _process(app, id=draft.id)
    assert process.state == ProcessState.PUBLISHED and process.published_at is not None
    staff_client.post("/logout")
    assert client.get(f"/{town.slug}/processes/{process.slug}/").status_code == 200


def test_archiving_asks_for_confirmation_then_archives(app, staff_client, town, draft):
    url = f"/{town.slug}/admin/processes/{draft.id}/archive"
    page = staff_client.get(url).get_data(as_text=True)
    assert "Do you really want to archive" in page
    assert '<button type="submit" class="button button-danger">Yes, archive</button>' in page
    assert _process(app, id=draft.id).state == ProcessState.DRAFT  # GET changes nothing
    assert staff_client.post(url).status_code == 302
    assert _process(app, id=draft.id).state == ProcessState.ARCHIVED
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(AuditEntry.id)).where(AuditEntry.action == "process.archive")
            )
            == 1
        )


def test_archive_form_checks_csrf(app, staff_client, town, draft):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        staff_client.post(f"/{town.slug}/admin/processes/{draft.id}/archive")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert _process(app, id=draft.id).state == ProcessState.DRAFT


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.MODERATOR, Role.COUNCIL])
def test_roles_outside_process_management_cannot_create(client, login, make_member, town, role):
    login(client, make_member(town, role))
    assert _new(client, town).status_code == 403
    assert client.get(f"/{town.slug}/admin/processes/").status_code == 403


def test_backoffice_shows_process_management_to_those_who_may(client, login, make_member, town):
    login(client, make_member(town, Role.FACILITATOR))
    client.get("/lang/en")
    assert "Participation processes" in client.get(f"/{town.slug}/admin/").get_data(as_text=True)
    login(client, make_member(town, Role.MODERATOR))
    assert f"/{town.slug}/admin/processes/" not in client.get(f"/{town.slug}/admin/").get_data(
        as_text=True
    )


# --- images -------------------------------------------------------------------------------------


def _png(size=(40, 30)) -> io.BytesIO:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def test_image_needs_a_description(staff_client, town):
    response = staff_client.post(
        f"/{town.slug}/admin/processes/new",
        data={**CONCEPT, "image": (_png(), "platz.png"), "image_alt": ""},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Please describe the image" in response.get_data(as_text=True)


def test_image_is_stored_reencoded_and_shown_with_its_alt_text(app, staff_client, town):
    response = staff_client.post(
        f"/{town.slug}/admin/processes/new",
        data={
            **CONCEPT,
            "image": (_png((3000, 1500)), "platz.png"),
            "image_alt": "Der Marktplatz heute",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    process = _process(app, title=CONCEPT["title"])
    assert process.image_key.startswith("processes/") and process.image_key.endswith(".png")
    preview = staff_client.get(f"/{town.slug}/admin/processes/{process.id}/preview").get_data(
        as_text=True
    )
    assert 'alt="Der Marktplatz heute"' in preview
    image = staff_client.get(f"/{town.slug}/processes/{process.slug}/image")
    assert image.status_code == 200 and image.mimetype == "image/png"
    from PIL import Image

    assert max(Image.open(io.BytesIO(image.data)).size) == 1600  # shrunk


def test_a_file_that_is_not_an_image_is_refused(staff_client, town):
    response = staff_client.post(
        f"/{town.slug}/admin/processes/new",
        data={
            **CONCEPT,
            "image": (io.BytesIO(b"<svg onload=alert(1)>"), "x.png"),
            "image_alt": "x",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "not a JPEG, PNG or WebP image" in response.get_data(as_text=True)


def test_draft_image_is_not_served_to_the_public(app, client, staff_client, town):
    staff_client.post(
        f"/{town.slug}/admin/processes/new",
        data={**CONCEPT, "image": (_png(), "platz.png"), "image_alt": "Platz"},
        content_type="multipart/form-data",
    )
    process = _process(app, title=CONCEPT["title"])
    staff_client.post("/logout")
    assert client.get(f"/{town.slug}/processes/{process.slug}/image").status_code == 404


def test_form_help_naming_html_tags_shows_them_as_text(staff_client, town):
    page = staff_client.get(f"/{town.slug}/admin/processes/new").get_data(as_text=True)
    assert "kept: &lt;strong&gt;, &lt;em&gt;, lists, links." in page
    assert "kept: <strong>" not in page


def test_form_choices_follow_the_language(client, login, make_member, town):
    login(client, make_member(town, Role.STAFF))
    german = client.get(f"/{town.slug}/admin/processes/new").get_data(as_text=True)
    assert "Public: everyone can read it" not in german
    client.get("/lang/en")
    english = client.get(f"/{town.slug}/admin/processes/new").get_data(as_text=True)
    assert "Public: everyone can read it" in english
    assert "The municipal council" in english
