"""Writing in comment threads: phases and roles, replies, preview, edit window, deletion, the
official answer, and the in-place (htmx) answers."""

from __future__ import annotations

from datetime import timedelta

import comments_support
import pytest
from comments_support import htmx, thread_id_of, write_comment
from sqlalchemy import select

from app.comments.models import Comment
from app.contributions.models import Contribution, Thread, Visibility
from app.core.audit import AuditEntry
from app.core.time import utcnow
from app.extensions import db
from app.processes.models import PhaseKind

town = comments_support.town  # the fixture
BODY = "thread{}-body"


def _post(client, town, text: str, *, headers=None, preview: bool = False):
    thread_id = thread_id_of(client.application, town.process)
    data = {BODY.format(thread_id): text}
    if preview:
        data[f"thread{thread_id}-preview"] = "Vorschau"
    return client.post(town.url(f"/threads/{thread_id}/comments"), data=data, headers=headers)


def _comments(app) -> list[Comment]:
    with app.app_context():
        return list(db.session.scalars(select(Comment).order_by(Comment.id)))


def _count(app, thread_id: int) -> int:
    with app.app_context():
        return db.session.get(Thread, thread_id).comment_count


# --- phases and roles ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["citizen", "staff", "council", "facilitator", "moderator"])
def test_members_comment_while_participation_runs(app, client, login, town, role):
    login(client, town.users[role])
    response = _post(client, town, "Mehr **Bäume** bitte")
    assert response.status_code == 302
    (comment,) = _comments(app)
    assert response.headers["Location"].endswith(f"#comment-{comment.id}")
    assert "<strong>Bäume</strong>" in comment.body
    assert _count(app, comment.thread_id) == 1


def _process_in(make_process, town, kind: PhaseKind, *, ended: bool = False):
    now = utcnow()
    phases = [(PhaseKind.PARTICIPATION, now - timedelta(days=10), now - timedelta(days=5))]
    if not ended:
        phases.append((kind, now - timedelta(days=5), now + timedelta(days=5)))
    return make_process(town.municipality, phases=phases, formats=("comments",))


def test_citizen_cannot_comment_after_phase_end(app, client, login, town, make_process):
    town.process = _process_in(make_process, town, PhaseKind.EVALUATION, ended=True)
    login(client, town.users["citizen"])
    assert _post(client, town, "Zu spät").status_code == 403
    assert _comments(app) == []
    page = client.get(town.thread_url()).get_data(as_text=True)
    assert "The participation phase ended" in page or "Beteiligungsphase" in page
    assert 'name="thread' not in page  # no form


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("citizen", False),
        ("moderator", False),
        ("staff", True),
        ("council", True),
        ("facilitator", True),
        ("admin", True),
    ],
)
def test_only_administration_council_and_facilitation_answer_in_the_evaluation_phase(
    app, client, login, town, make_process, role, allowed
):
    town.process = _process_in(make_process, town, PhaseKind.EVALUATION)
    login(client, town.users[role])
    response = _post(client, town, "Antwort in der Auswertung")
    assert response.status_code == (302 if allowed else 403)
    assert len(_comments(app)) == (1 if allowed else 0)


def test_nobody_comments_in_the_information_phase(app, client, login, town, make_process):
    now = utcnow()
    town.process = make_process(
        town.municipality,
        phases=[(PhaseKind.INFORMATION, now - timedelta(days=1), now + timedelta(days=1))],
        formats=("comments",),
    )
    for role in ("citizen", "staff", "council"):
        login(client, town.users[role])
        assert _post(client, town, "Noch zu früh").status_code == 403


def test_anonymous_visitors_are_asked_to_log_in(client, town):
    response = _post(client, town, "Hallo")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    page = client.get(town.thread_url()).get_data(as_text=True)
    assert "/login?next=" in page


def test_other_municipalities_staff_cannot_comment(app, client, login, town):
    login(client, town.users["other_staff"])
    assert _post(client, town, "Von außen").status_code == 403
    assert _comments(app) == []


def test_a_thread_of_another_municipality_is_not_found_under_this_one(
    app, client, login, town, make_municipality, make_member, make_process
):
    elsewhere = make_municipality()
    outsider = make_member(elsewhere)
    foreign = make_process(elsewhere, formats=("comments",))
    foreign_comment = write_comment(app, outsider, foreign)
    foreign_thread = thread_id_of(app, foreign)
    login(client, town.users["staff"])
    for path in (
        f"/threads/{foreign_thread}/comments",
        f"/comments/{foreign_comment}/reply",
        f"/comments/{foreign_comment}/edit",
        f"/comments/{foreign_comment}/delete",
        f"/comments/{foreign_comment}",
    ):
        assert client.get(town.url(path)).status_code in (404, 405), path
    for path in (
        f"/threads/{foreign_thread}/comments",
        f"/comments/{foreign_comment}/reply",
        f"/comments/{foreign_comment}/reaction",
        f"/comments/{foreign_comment}/official",
        f"/comments/{foreign_comment}/delete",
    ):
        assert client.post(town.url(path), data={}).status_code == 404, path


# --- bad input ----------------------------------------------------------------------------------


def test_an_empty_comment_gets_422_with_a_message(app, client, login, town):
    login(client, town.users["citizen"])
    response = _post(client, town, "   ")
    assert response.status_code == 422
    assert "error-summary" in response.get_data(as_text=True)
    assert _comments(app) == []


def test_a_too_long_comment_gets_422_and_keeps_the_text(app, client, login, town):
    login(client, town.users["citizen"])
    text = "Sehr lang. " * 600
    response = _post(client, town, text)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "5000" in page
    assert "Sehr lang. Sehr lang." in page  # nothing typed is lost
    assert _comments(app) == []


def test_preview_shows_the_sanitised_text_and_saves_nothing(app, client, login, town):
    login(client, town.users["citizen"])
    response = _post(client, town, "**fett** <script>alert(1)</script>", preview=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<strong>fett</strong>" in page
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)" in page  # the text as typed, escaped in the text area
    assert _comments(app) == []


def test_preview_in_place_returns_only_the_form(app, client, login, town):
    login(client, town.users["citizen"])
    response = _post(client, town, "*kursiv*", preview=True, headers=htmx())
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<em>kursiv</em>" in page
    assert "<html" not in page
    assert response.headers["HX-Retarget"].endswith("box")


def test_errors_in_place_come_back_into_the_form_box(client, login, town):
    login(client, town.users["citizen"])
    response = _post(client, town, "", headers=htmx())
    assert response.status_code == 422
    assert response.headers["HX-Retarget"].startswith("#thread")
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


# --- replies ------------------------------------------------------------------------------------


def test_a_reply_is_threaded_under_its_comment(app, client, login, town):
    first = write_comment(app, town.users["citizen"], town.process, "Frage")
    login(client, town.users["staff"])
    response = client.post(
        town.url(f"/comments/{first}/reply"), data={f"reply{first}-body": "Antwort"}
    )
    assert response.status_code == 302
    reply = _comments(app)[-1]
    assert (reply.parent_id, reply.root_id, reply.depth) == (first, first, 1)
    assert _count(app, reply.thread_id) == 2


def test_the_reply_form_works_without_javascript(app, client, login, town):
    first = write_comment(app, town.users["citizen"], town.process, "Frage")
    login(client, town.users["council"])
    response = client.get(town.url(f"/comments/{first}/reply"))
    page = response.get_data(as_text=True)
    assert f'name="reply{first}-body"' in page
    assert "Frage" in page  # the comment answered is quoted
    # htmx gets the form alone on the same address: no cache may hand one to the other
    inline = client.get(town.url(f"/comments/{first}/reply"), headers=htmx())
    assert "<html" in page and "<html" not in inline.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"] and "HX-Request" in inline.headers["Vary"]


def test_a_reply_in_place_returns_the_new_comment_and_empties_the_reply_slot(
    app, client, login, town
):
    first = write_comment(app, town.users["citizen"], town.process, "Frage")
    login(client, town.users["staff"])
    response = client.post(
        town.url(f"/comments/{first}/reply"),
        data={f"reply{first}-body": "Antwort"},
        headers=htmx(),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    reply = _comments(app)[-1]
    assert f'id="comment-{reply.id}"' in page
    assert "data-autofocus" in page and "data-announce" in page
    assert f'id="reply-slot-{first}" hx-swap-oob="outerHTML"' in page


def test_a_deleted_comment_cannot_be_answered(app, client, login, town):
    first = write_comment(app, town.users["citizen"], town.process)
    login(client, town.users["citizen"])
    client.post(town.url(f"/comments/{first}/delete"), data={})
    login(client, town.users["staff"])
    response = client.post(
        town.url(f"/comments/{first}/reply"), data={f"reply{first}-body": "Antwort"}
    )
    assert response.status_code == 403


# --- edit window --------------------------------------------------------------------------------


def _age(app, comment_id: int, minutes: int) -> None:
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        comment.contribution.created_at = utcnow() - timedelta(minutes=minutes)
        db.session.commit()


def test_the_author_edits_within_15_minutes_and_the_comment_shows_it_was_edited(
    app, client, login, town
):
    comment_id = write_comment(app, town.users["citizen"], town.process, "Tippfeler")
    _age(app, comment_id, 14)
    login(client, town.users["citizen"])
    form = client.get(town.url(f"/comments/{comment_id}/edit")).get_data(as_text=True)
    assert "Tippfeler" in form
    response = client.post(
        town.url(f"/comments/{comment_id}/edit"), data={f"edit{comment_id}-body": "Tippfehler"}
    )
    assert response.status_code == 302
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        assert "Tippfehler" in comment.body
        assert comment.contribution.edited_at is not None
    page = client.get(town.thread_url()).get_data(as_text=True)
    assert 'class="comment-edited"' in page


def test_the_author_cannot_edit_after_15_minutes(app, client, login, town):
    comment_id = write_comment(app, town.users["citizen"], town.process, "Fest")
    _age(app, comment_id, 16)
    login(client, town.users["citizen"])
    assert client.get(town.url(f"/comments/{comment_id}/edit")).status_code == 403
    # A stale edit (the window closed while they typed): their text comes back with the reason.
    response = client.post(
        town.url(f"/comments/{comment_id}/edit"), data={f"edit{comment_id}-body": "Neu getippt"}
    )
    assert response.status_code == 422
    form = response.get_data(as_text=True)
    assert "Neu getippt" in form and "15 Minuten" in form
    with app.app_context():
        assert "Neu getippt" not in db.session.get(Comment, comment_id).body
    page = client.get(town.thread_url()).get_data(as_text=True)
    assert f"/comments/{comment_id}/edit" not in page


@pytest.mark.parametrize("who", ["neighbour", "staff", "moderator", "admin"])
def test_nobody_but_the_author_edits_or_deletes(app, client, login, town, who):
    comment_id = write_comment(app, town.users["citizen"], town.process)
    login(client, town.users[who])
    assert client.get(town.url(f"/comments/{comment_id}/edit")).status_code == 403
    assert client.post(town.url(f"/comments/{comment_id}/delete"), data={}).status_code == 403


# --- deletion -----------------------------------------------------------------------------------


def test_deleting_asks_for_confirmation_first(app, client, login, town):
    comment_id = write_comment(app, town.users["citizen"], town.process, "Weg damit")
    login(client, town.users["citizen"])
    page = client.get(town.url(f"/comments/{comment_id}/delete")).get_data(as_text=True)
    assert "Weg damit" in page and 'method="post"' in page
    with app.app_context():
        assert db.session.get(Comment, comment_id).contribution.visibility == Visibility.VISIBLE


def test_a_deleted_comment_with_replies_keeps_its_place_as_deleted(app, client, login, town):
    first = write_comment(app, town.users["citizen"], town.process, "Ursprung")
    write_comment(app, town.users["staff"], town.process, "Antwort darauf", parent_id=first)
    login(client, town.users["citizen"])
    response = client.post(town.url(f"/comments/{first}/delete"), data={})
    assert response.status_code == 302
    with app.app_context():
        comment = db.session.get(Comment, first)
        assert comment.contribution.visibility == Visibility.DELETED
        assert comment.body == comment.source == ""
        assert db.session.get(Thread, comment.thread_id).comment_count == 1
    page = client.get(town.thread_url()).get_data(as_text=True)
    assert f'id="comment-{first}"' in page
    assert "Ursprung" not in page
    assert "Antwort darauf" in page
    assert 'class="comment-placeholder"' in page


def test_a_deleted_comment_without_replies_leaves_the_thread_but_keeps_its_row(
    app, client, login, town
):
    first = write_comment(app, town.users["citizen"], town.process, "Allein")
    login(client, town.users["citizen"])
    client.post(town.url(f"/comments/{first}/delete"), data={})
    page = client.get(town.thread_url()).get_data(as_text=True)
    assert f'id="comment-{first}"' not in page
    with app.app_context():
        assert db.session.get(Comment, first) is not None
        assert db.session.scalar(select(Contribution.visibility)) == Visibility.DELETED


def test_deleting_twice_counts_the_comment_out_once(app, town):
    from app.comments import services

    first = write_comment(app, town.users["citizen"], town.process)
    write_comment(app, town.users["citizen"], town.process, "Ein zweiter Kommentar")
    with app.app_context():
        comment = db.session.get(Comment, first)
        services.delete_comment(comment)
        services.delete_comment(comment)
        db.session.commit()
        assert db.session.get(Thread, comment.thread_id).comment_count == 1


# --- official answer ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "admin"])
def test_staff_mark_an_administration_comment_as_official_answer(app, client, login, town, who):
    comment_id = write_comment(app, town.users["staff"], town.process, "Die Verwaltung sagt")
    login(client, town.users[who])
    response = client.post(town.url(f"/comments/{comment_id}/official"), data={"mark": "1"})
    assert response.status_code == 302
    page = client.get(town.thread_url()).get_data(as_text=True)
    assert "is-official" in page and "badge-official" in page
    with app.app_context():
        assert db.session.get(Comment, comment_id).is_official_answer
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "comment"))
        assert entry.action == "comment.official_answer"
        assert entry.actor_id == town.users[who].id
    client.post(town.url(f"/comments/{comment_id}/official"), data={"mark": "0"})
    with app.app_context():
        assert not db.session.get(Comment, comment_id).is_official_answer


@pytest.mark.parametrize("who", ["citizen", "council", "facilitator", "moderator", "other_staff"])
def test_only_staff_mark_official_answers(app, client, login, town, who):
    comment_id = write_comment(app, town.users["staff"], town.process)
    login(client, town.users[who])
    response = client.post(town.url(f"/comments/{comment_id}/official"), data={"mark": "1"})
    assert response.status_code == 403


def test_a_citizens_comment_cannot_become_the_official_answer(app, client, login, town):
    comment_id = write_comment(app, town.users["citizen"], town.process)
    login(client, town.users["staff"])
    response = client.post(town.url(f"/comments/{comment_id}/official"), data={"mark": "1"})
    assert response.status_code == 403


# --- CSRF ---------------------------------------------------------------------------------------


def test_comment_forms_need_a_csrf_token(app, client, login, town):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        login(client, town.users["citizen"])
        response = _post(client, town, "Ohne Token")
        assert response.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert _comments(app) == []
