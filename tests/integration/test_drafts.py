"""Draft texts: writing and importing, versions with stable paragraphs, the diff, comments on each
level through the one comment system, handling marks, figures by group, the reading page's query
count, phase and role rules, isolation between municipalities, the report and its CSV."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from drafts_support import comment_on, make_draft, ref_of
from sqlalchemy import select

from app.core.roles import Role
from app.core.time import utcnow
from app.extensions import db
from app.processes.models import PhaseKind


@dataclass
class Town:
    municipality: Any
    other: Any
    users: dict[str, Any]
    process: Any

    def url(self, path: str) -> str:
        return f"/{self.municipality.slug}{path}"

    def draft_url(self, draft_id: int, path: str = "") -> str:
        return self.url(f"/processes/{self.process.slug}/drafts/{draft_id}/{path}")


@pytest.fixture
def town(make_municipality, make_member, make_process) -> Town:
    municipality = make_municipality()
    other = make_municipality()
    users = {role.value: make_member(municipality, role) for role in Role}
    users["other_staff"] = make_member(other, Role.STAFF)
    users["other_citizen"] = make_member(other, Role.CITIZEN)
    process = make_process(municipality, formats=("drafts",))
    return Town(municipality, other, users, process)


def _draft(app, draft_id: int):
    from app.drafts.models import Draft

    return db.session.get(Draft, draft_id)


def _staff(town):
    from app.accounts.models import User

    return db.session.get(User, town.users["staff"].id)


def _new_version(app, town, draft_id: int, body: str, note: str = "Geändert"):
    """Start, write and publish the next version; its reference."""
    from app.drafts import services

    with app.app_context():
        draft = _draft(app, draft_id)
        services.start_version(_staff(town), draft)
        services.save_working(
            _staff(town),
            draft,
            title="Leitbild",
            introduction_source="Einleitung",
            body_source=body,
            change_note=note,
        )
        version = services.publish(_staff(town), draft)
        db.session.commit()
        return ref_of(draft, version)


# --- writing --------------------------------------------------------------------------------------


def test_staff_write_preview_save_and_publish(app, client, login, town):
    login(client, town.users["staff"])
    response = client.post(
        town.url(f"/admin/processes/{town.process.id}/drafts/new"), data={"title": "Satzung"}
    )
    assert response.status_code == 302
    edit_url = response.headers["Location"]
    draft_id = int(edit_url.rstrip("/").split("/")[-2])
    text = "## Erstes Kapitel\n\nAbsatz **eins**.\n\nAbsatz zwei <script>x()</script>."
    data = {"title": "Satzung", "introduction": "Vorwort", "body": text, "preview": "1"}
    preview = client.post(edit_url, data=data)
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "<strong>eins</strong>" in page and "<script>x()" not in page
    with app.app_context():
        assert services_chapters(draft_id) == []  # a preview saves nothing
    data.pop("preview")
    assert client.post(edit_url, data=data).status_code == 302
    with app.app_context():
        (chapter,) = services_chapters(draft_id)
        assert chapter.heading == "Erstes Kapitel"
        assert [p.text for p in chapter.paragraphs] == ["Absatz eins.", "Absatz zwei x()."]
        assert "<script" not in chapter.paragraphs[1].body
    # not public before publication
    client.get(town.url("/"))
    login(client, town.users["citizen"])
    assert client.get(town.draft_url(draft_id)).status_code == 404
    login(client, town.users["staff"])
    published = client.post(
        town.url(f"/admin/drafts/{draft_id}/publish"), data={}, follow_redirects=False
    )
    assert published.status_code == 302
    login(client, town.users["citizen"])
    page = client.get(town.draft_url(draft_id)).get_data(as_text=True)
    assert "Erstes Kapitel" in page and "<strong>eins</strong>" in page


def services_chapters(draft_id: int):
    from app.drafts import services

    draft = _draft(None, draft_id)
    version = draft.working or draft.current
    return services.chapters_of(version)


def test_text_before_the_first_heading_is_refused_in_the_editor(app, client, login, town):
    ref = make_draft(app, town.process, town.users["staff"])
    with app.app_context():
        from app.drafts import services

        services.start_version(_staff(town), _draft(app, ref.id))
        db.session.commit()
    login(client, town.users["staff"])
    response = client.post(
        town.url(f"/admin/drafts/{ref.id}/edit"),
        data={"title": "Leitbild", "body": "Ohne Überschrift"},
    )
    assert response.status_code == 422
    assert "##" in response.get_data(as_text=True)


def _docx_bytes() -> bytes:
    from docx import Document

    document = Document()
    document.add_heading("Leitbild Teststadt", level=0)
    document.add_paragraph("Eine Einleitung vor dem ersten Kapitel.")
    document.add_heading("Wohnen", level=1)
    paragraph = document.add_paragraph("Wohnraum ist ")
    paragraph.add_run("bezahlbar").bold = True
    paragraph.add_run(" und *sicher*.")
    document.add_paragraph("Zweiter Absatz <script>alert(1)</script>.")
    document.add_paragraph("Erster Punkt", style="List Bullet")
    document.add_paragraph("Zweiter Punkt", style="List Bullet")
    document.add_heading("Klima", level=1)
    document.add_paragraph("Klimaneutral bis 2040.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_import_shows_a_preview_and_saves_nothing(app, client, login, town):
    with app.app_context():
        from app.drafts import services

        draft = services.create_draft(_staff(town), db.session.merge(town.process), "Neu")
        db.session.commit()
        draft_id = draft.id
    login(client, town.users["staff"])
    response = client.post(
        town.url(f"/admin/drafts/{draft_id}/import"),
        data={"file": (io.BytesIO(_docx_bytes()), "leitbild.docx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Leitbild Teststadt" in page  # the title
    assert "<h4>Wohnen</h4>" in page and "<h4>Klima</h4>" in page
    assert "<strong>bezahlbar</strong>" in page
    assert "*sicher*" in page  # literal asterisks stay literal
    assert "<li>Erster Punkt</li>" in page
    assert "<script>alert" not in page
    assert "Eine Einleitung vor dem ersten Kapitel." in page
    with app.app_context():
        assert services_chapters(draft_id) == []


def test_parse_docx_turns_headings_into_chapters():
    from app.drafts import text

    parsed = text.parse_docx(_docx_bytes())
    assert parsed.title == "Leitbild Teststadt"
    assert [c.heading for c in parsed.chapters] == ["Wohnen", "Klima"]
    assert [len(c.paragraphs) for c in parsed.chapters] == [3, 1]
    assert parsed.chapters[0].paragraphs[0].text == "Wohnraum ist bezahlbar und *sicher*."
    assert "<li>Zweiter Punkt</li>" in parsed.chapters[0].paragraphs[2].body


def test_markdown_import_and_bad_files(app, client, login, town):
    with app.app_context():
        from app.drafts import services

        draft = services.create_draft(_staff(town), db.session.merge(town.process), "Neu")
        db.session.commit()
        draft_id = draft.id
    login(client, town.users["staff"])
    url = town.url(f"/admin/drafts/{draft_id}/import")
    md = b"# Titel\n\nVorwort\n\n## Eins\n\nText *eins*\n\n## Zwei\n\nText zwei\n"
    ok = client.post(
        url, data={"file": (io.BytesIO(md), "t.md")}, content_type="multipart/form-data"
    )
    assert ok.status_code == 200 and "<em>eins</em>" in ok.get_data(as_text=True)
    broken = client.post(
        url, data={"file": (io.BytesIO(b"not a zip"), "t.docx")}, content_type="multipart/form-data"
    )
    assert broken.status_code == 422
    exe = client.post(
        url, data={"file": (io.BytesIO(b"MZ"), "t.exe")}, content_type="multipart/form-data"
    )
    assert exe.status_code == 422
    flat = client.post(
        url, data={"file": (io.BytesIO(b"no headings"), "t.md")}, content_type="multipart/form-data"
    )
    assert flat.status_code == 422


# --- versions, identity, diff ----------------------------------------------------------------------

BODY_2 = """## Wohnen

Bezahlbarer Wohnraum für alle Generationen, vorrangig auf versiegelten Flächen.

Ein ganz neuer Absatz über Konzeptvergabe.

## Klima

Musterstadt ist bis 2040 klimaneutral.

Der Radverkehr steigt auf 30 Prozent."""


def test_paragraphs_keep_their_identity_where_text_carried_over(app, town):
    first = make_draft(app, town.process, town.users["staff"])
    second = _new_version(app, town, first.id, BODY_2)
    # changed slightly: same identity; unchanged: same; removed ("Gemeinschaftliche..."): gone;
    # new: a new identity
    assert second.identities[0] == first.identities[0]
    assert second.identities[1] not in first.identities
    assert second.identities[2:] == first.identities[2:]
    assert first.identities[1] not in second.identities
    # rows and threads are new in every version
    assert not set(second.paragraphs) & set(first.paragraphs)
    assert not set(second.paragraph_threads) & set(first.paragraph_threads)


def test_match_pairs_each_old_paragraph_once():
    from app.drafts.text import match

    old = [("a", "eins zwei drei vier"), ("b", "fünf sechs sieben acht")]
    assert match(old, ["eins zwei drei vier", "eins zwei drei vier"]) == ["a", ""]
    assert match(old, ["fünf sechs sieben neun", "ganz anders hier"]) == ["b", ""]
    assert match(old, []) == []


def test_diff_shows_each_paragraph_and_its_words(app, client, login, town):
    first = make_draft(app, town.process, town.users["staff"])
    _new_version(app, town, first.id, BODY_2)
    response = client.get(town.draft_url(first.id, "changes"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Wohnraum" in page
    assert "<del" in page and "<ins>" in page
    assert "Bezahlbarer" in page
    assert "Ein ganz neuer Absatz" in page
    assert "Gemeinschaftliche Wohnformen" in page  # removed, still shown
    with app.app_context():
        from app.drafts import services

        draft = _draft(app, first.id)
        chapters = services.diff(draft.versions[0], draft.versions[1])
        states = [e.state for c in chapters for e in c.entries]
        assert states == ["changed", "removed", "added", "same", "same"]
    assert client.get(town.draft_url(first.id, "changes?from=2&to=1")).status_code == 404
    assert client.get(town.draft_url(first.id, "changes?from=7")).status_code == 404


def test_published_versions_stay_readable_and_unchanged(app, client, town):
    first = make_draft(app, town.process, town.users["staff"])
    _new_version(app, town, first.id, BODY_2)
    old = client.get(town.draft_url(first.id, "versions/1/")).get_data(as_text=True)
    assert "Gemeinschaftliche Wohnformen" in old
    current = client.get(town.draft_url(first.id)).get_data(as_text=True)
    assert "Ein ganz neuer Absatz" in current and "Gemeinschaftliche" not in current
    assert client.get(town.draft_url(first.id, "versions/9/")).status_code == 404


# --- comments on each level ------------------------------------------------------------------------


@pytest.mark.parametrize("level", ["text", "chapter", "paragraph"])
def test_members_comment_on_each_level_through_the_comment_system(app, client, login, town, level):
    ref = make_draft(app, town.process, town.users["staff"])
    thread_id, page = {
        "text": (ref.version_thread, "versions/1/comments"),
        "chapter": (ref.chapter_threads[1], f"chapters/{ref.chapters[1]}/"),
        "paragraph": (ref.paragraph_threads[2], f"paragraphs/{ref.paragraphs[2]}/"),
    }[level]
    login(client, town.users["citizen"])
    response = client.post(
        town.url(f"/threads/{thread_id}/comments"), data={f"thread{thread_id}-body": "Gut so"}
    )
    assert response.status_code == 302
    # the permalink leads to the draft's own thread page (the registered owner)
    assert town.draft_url(ref.id, page) in response.headers["Location"]
    shown = client.get(town.draft_url(ref.id, page))
    assert shown.status_code == 200 and "Gut so" in shown.get_data(as_text=True)
    with app.app_context():
        from app.comments.models import Comment
        from app.contributions.models import Contribution

        comment = db.session.scalar(select(Comment))
        assert comment.thread_id == thread_id
        assert db.session.get(Contribution, comment.contribution_id).kind == "comment"


def test_paragraph_thread_opens_in_place_for_htmx(app, client, login, town):
    ref = make_draft(app, town.process, town.users["staff"])
    comment_on(app, town.process, town.users["council"], ref.paragraph_threads[0], "Im Rat")
    url = town.draft_url(ref.id, f"paragraphs/{ref.paragraphs[0]}/")
    inline = client.get(url, headers={"HX-Request": "true"})
    assert inline.status_code == 200
    body = inline.get_data(as_text=True)
    assert "Im Rat" in body and "<html" not in body
    assert "HX-Request" in inline.headers.get("Vary", "")
    reading = client.get(town.draft_url(ref.id)).get_data(as_text=True)
    assert f'href="{url}"' in reading  # the link without JavaScript
    assert f'hx-get="{url}"' in reading


def test_reading_page_counts_comments_by_group(app, client, town):
    ref = make_draft(app, town.process, town.users["staff"])
    first = ref.paragraph_threads[0]
    for n, role in enumerate(("citizen", "citizen", "staff", "council")):
        comment_on(app, town.process, town.users[role], first, f"Kommentar {n}")
    comment_on(app, town.process, town.users["facilitator"], ref.paragraph_threads[3])
    with app.app_context():
        from app.core.roles import TrialogGroup
        from app.drafts import services

        figures = services.figures([first, ref.paragraph_threads[3], ref.paragraph_threads[1]])
        assert figures[first].by_group == {
            TrialogGroup.CITIZENS: 2,
            TrialogGroup.ADMINISTRATION: 1,
            TrialogGroup.COUNCIL: 1,
        }
        assert figures[ref.paragraph_threads[3]].total == 1
        assert figures[ref.paragraph_threads[1]].total == 0
    page = client.get(town.draft_url(ref.id)).get_data(as_text=True)
    assert "4 Kommentare" in page or "4 comments" in page


def test_reading_page_query_count_is_flat(app, client, town, count_queries, make_process):
    def measure(paragraphs: int, comments_each: int) -> int:
        process = make_process(town.municipality, formats=("drafts",))
        body = "\n\n".join(
            (f"## Kapitel {i}\n\n" if i % 3 == 0 else "") + f"Absatz {i} mit Text {i}"
            for i in range(paragraphs)
        )
        ref = make_draft(app, process, town.users["staff"], body=body)
        for thread in ref.paragraph_threads:
            for n in range(comments_each):
                comment_on(app, process, town.users["citizen"], thread, f"Kommentar {n}")
        second = "\n\n".join(
            (f"## Kapitel {i}\n\n" if i % 3 == 0 else "") + f"Absatz {i} mit Text {i} neu"
            for i in range(paragraphs)
        )
        from app.comments.models import Comment
        from app.drafts import services
        from app.drafts.models import Handling

        with app.app_context():
            draft = _draft(app, ref.id)
            handled = select(Comment).where(Comment.thread_id.in_(ref.paragraph_threads))
            for comment in db.session.scalars(handled):
                services.set_handling(_staff(town), draft, comment, Handling.ADOPTED)
            db.session.commit()
        _new_version(app, town, ref.id, second)
        url = f"/{town.municipality.slug}/processes/{process.slug}/drafts/{ref.id}/"
        client.get(url)
        with count_queries() as counted:
            assert client.get(url).status_code == 200
        return counted.count

    assert measure(3, 1) == measure(12, 3)


# --- handling -------------------------------------------------------------------------------------


def test_staff_mark_comments_and_the_next_version_shows_what_it_answers(app, client, login, town):
    ref = make_draft(app, town.process, town.users["staff"])
    adopted = comment_on(
        app, town.process, town.users["citizen"], ref.paragraph_threads[0], "Bezahlbar!"
    )
    rejected = comment_on(
        app, town.process, town.users["council"], ref.paragraph_threads[3], "40 %!"
    )
    login(client, town.users["staff"])
    url = town.url(f"/admin/drafts/{ref.id}/comments/{adopted}/handling")
    assert client.post(url, data={f"c{adopted}-outcome": "adopted"}).status_code == 302
    no_reason = town.url(f"/admin/drafts/{ref.id}/comments/{rejected}/handling")
    assert client.post(no_reason, data={f"c{rejected}-outcome": "not_adopted"}).status_code == 422
    assert (
        client.post(
            no_reason,
            data={f"c{rejected}-outcome": "not_adopted", f"c{rejected}-reason": "Zu teuer"},
        ).status_code
        == 302
    )
    assert client.post(url, data={f"c{adopted}-outcome": "bogus"}).status_code == 422
    assert client.get(town.url(f"/admin/drafts/{ref.id}/comments")).status_code == 200
    second = _new_version(app, town, ref.id, BODY_2)
    page = client.get(town.draft_url(ref.id)).get_data(as_text=True)
    assert "Bezahlbar!" in page and "40 %!" in page and "Zu teuer" in page
    with app.app_context():
        from app.core.audit import AuditEntry
        from app.drafts import services

        draft = _draft(app, ref.id)
        answered = services.answered(draft, draft.current)
        assert [a.comment.id for a in answered[second.identities[0]]] == [adopted]
        assert [a.comment.id for a in answered[second.identities[3]]] == [rejected]
        assert db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "draft.comment_handling")
        )


@pytest.mark.parametrize("role", ["citizen", "council", "moderator"])
def test_only_process_managers_mark_comments(app, client, login, town, role):
    ref = make_draft(app, town.process, town.users["staff"])
    comment = comment_on(app, town.process, town.users["citizen"], ref.paragraph_threads[0])
    login(client, town.users[role])
    response = client.post(
        town.url(f"/admin/drafts/{ref.id}/comments/{comment}/handling"),
        data={f"c{comment}-outcome": "adopted"},
    )
    assert response.status_code == 403


def test_a_comment_of_another_draft_cannot_be_marked_here(app, client, login, town, make_process):
    ref = make_draft(app, town.process, town.users["staff"])
    other_process = make_process(town.municipality, formats=("drafts",))
    other = make_draft(app, other_process, town.users["staff"])
    comment = comment_on(app, other_process, town.users["citizen"], other.paragraph_threads[0])
    login(client, town.users["staff"])
    response = client.post(
        town.url(f"/admin/drafts/{ref.id}/comments/{comment}/handling"),
        data={f"c{comment}-outcome": "adopted"},
    )
    assert response.status_code == 404


def test_threads_of_a_superseded_version_stay_readable_but_take_no_more_comments(
    app, client, login, town
):
    from app.comments import services as comments
    from app.contributions.models import Thread

    first = make_draft(app, town.process, town.users["staff"])
    old_thread = first.paragraph_threads[0]
    old_comment = comment_on(app, town.process, town.users["council"], old_thread, "Im Rat")
    second = _new_version(app, town, first.id, BODY_2)
    login(client, town.users["citizen"])
    # writing, replying and reacting in the old version's thread: refused, whatever the phase
    body = {f"thread{old_thread}-body": "Zu alt"}
    assert client.post(town.url(f"/threads/{old_thread}/comments"), data=body).status_code == 403
    reply = client.post(
        town.url(f"/comments/{old_comment}/reply"), data={f"reply{old_comment}-body": "Auch"}
    )
    assert reply.status_code == 403
    react = client.post(town.url(f"/comments/{old_comment}/reaction"), data={"reaction": "agree"})
    assert react.status_code == 403
    # reading stays: the comment is there, the form is not, the reason is
    page = client.get(town.draft_url(first.id, f"paragraphs/{first.paragraphs[0]}/"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Im Rat" in html
    assert f'action="/{town.municipality.slug}/threads/{old_thread}/comments' not in html
    assert "Eine neuere Fassung dieses Textes ist veröffentlicht" in html
    # the service refuses as well (callers that skip the rule)
    with app.app_context():
        from app.accounts.models import User

        with pytest.raises(comments.CommentError):
            comments.post_comment(
                db.session.get(User, town.users["citizen"].id),
                db.session.get(Thread, old_thread),
                town.process,
                "Durch die Hintertür",
            )
        db.session.rollback()
    # the current version's threads are open
    new_thread = second.paragraph_threads[0]
    body = {f"thread{new_thread}-body": "Neu"}
    assert client.post(town.url(f"/threads/{new_thread}/comments"), data=body).status_code == 302


# --- phases and roles -----------------------------------------------------------------------------


def test_citizens_cannot_comment_after_the_participation_phase(
    app, client, login, town, make_process
):
    now = utcnow()
    process = make_process(
        town.municipality,
        formats=("drafts",),
        phases=[
            (PhaseKind.PARTICIPATION, now - timedelta(days=10), now - timedelta(days=5)),
            (PhaseKind.EVALUATION, now - timedelta(days=5), now + timedelta(days=5)),
        ],
    )
    ref = make_draft(app, process, town.users["staff"])
    thread = ref.paragraph_threads[0]
    login(client, town.users["citizen"])
    response = client.post(
        town.url(f"/threads/{thread}/comments"), data={f"thread{thread}-body": "Zu spät"}
    )
    assert response.status_code == 403
    login(client, town.users["staff"])  # the administration still answers in the evaluation
    response = client.post(
        town.url(f"/threads/{thread}/comments"), data={f"thread{thread}-body": "Antwort"}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("role", "status"),
    [("citizen", 403), ("moderator", 403), ("council", 403), ("staff", 200), ("facilitator", 200)],
)
def test_writing_drafts_is_for_process_managers(app, client, login, town, role, status):
    login(client, town.users[role])
    response = client.get(town.url(f"/admin/processes/{town.process.id}/drafts/new"))
    assert response.status_code == status


@pytest.mark.parametrize(
    ("role", "status"), [("citizen", 403), ("council", 200), ("staff", 200), ("moderator", 403)]
)
def test_report_is_for_report_readers(app, client, login, town, role, status):
    ref = make_draft(app, town.process, town.users["staff"])
    login(client, town.users[role])
    assert client.get(town.draft_url(ref.id, "report")).status_code == status
    assert client.get(town.draft_url(ref.id, "comments.csv")).status_code == status


def test_report_orders_the_most_discussed_first_and_exports_csv(app, client, login, town):
    ref = make_draft(app, town.process, town.users["staff"])
    comment_on(app, town.process, town.users["citizen"], ref.paragraph_threads[0], "A")
    for role in ("citizen", "council", "staff"):
        comment_on(app, town.process, town.users[role], ref.paragraph_threads[3], "=SUMME(1)")
    with app.app_context():
        from app.drafts import services

        draft = _draft(app, ref.id)
        rows = services.report(draft, draft.current)
        assert [(r.place.kind, r.place.position, r.figures.total) for r in rows] == [
            ("paragraph", 4, 3),
            ("paragraph", 1, 1),
        ]
    login(client, town.users["council"])
    csv_text = client.get(town.draft_url(ref.id, "comments.csv")).get_data(as_text=True)
    assert csv_text.count("\n") == 5  # header and four comments
    assert "'=SUMME(1)" in csv_text  # no formulas
    assert ref.identities[3] in csv_text
    report = client.get(town.url(f"/processes/{town.process.slug}/report"))
    assert report.status_code == 200
    page = report.get_data(as_text=True)
    assert 'id="drafts"' in page
    # the section's stylesheet is linked in the head, never inside the section, which the PDF
    # (that fetches nothing) repeats
    head, _sep, body = page.partition("</head>")
    assert "css/drafts.css" in head and "css/drafts.css" not in body


# --- isolation ------------------------------------------------------------------------------------


def test_other_municipalities_cannot_reach_a_draft(app, client, login, town, make_process):
    ref = make_draft(app, town.process, town.users["staff"])
    login(client, town.users["other_staff"])
    other_slug = town.other.slug
    assert client.get(f"/{other_slug}/admin/drafts/{ref.id}/").status_code == 404
    assert client.get(f"/{other_slug}/admin/drafts/{ref.id}/edit").status_code == 404
    assert (
        client.get(f"/{other_slug}/processes/{town.process.slug}/drafts/{ref.id}/").status_code
        == 404
    )
    # the paragraph of this draft, asked for under another draft id of the town: 404
    second = make_draft(app, town.process, town.users["staff"])
    assert (
        client.get(town.draft_url(second.id, f"paragraphs/{ref.paragraphs[0]}/")).status_code == 404
    )
    login(client, town.users["other_citizen"])
    thread = ref.paragraph_threads[0]
    response = client.post(
        f"/{other_slug}/threads/{thread}/comments", data={f"thread{thread}-body": "Fremd"}
    )
    assert response.status_code == 404


def test_members_only_process_hides_its_draft(app, client, login, town, make_process):
    process = make_process(town.municipality, formats=("drafts",), visibility="members")
    ref = make_draft(app, process, town.users["staff"])
    url = f"/{town.municipality.slug}/processes/{process.slug}/drafts/{ref.id}/"
    assert client.get(url).status_code in (302, 403, 404)
    login(client, town.users["other_citizen"])
    assert client.get(url).status_code in (403, 404)
    login(client, town.users["citizen"])
    assert client.get(url).status_code == 200


def test_process_page_links_the_draft_format(app, client, town):
    make_draft(app, town.process, town.users["staff"])
    page = client.get(town.url(f"/processes/{town.process.slug}/")).get_data(as_text=True)
    assert f"/processes/{town.process.slug}/drafts/" in page
    index = client.get(town.url(f"/processes/{town.process.slug}/drafts/"))
    assert index.status_code == 200 and "Leitbild" in index.get_data(as_text=True)


def test_xss_in_titles_and_paragraphs_is_escaped(app, client, town):
    xss = "<script>window.__xss=1</script>"
    ref = make_draft(
        app,
        town.process,
        town.users["staff"],
        body=f"## Kapitel {xss}\n\nAbsatz {xss}",
        title=f"T{xss}",
    )
    page = client.get(town.draft_url(ref.id)).get_data(as_text=True)
    assert xss not in page


def test_demo_seeds_the_leitbild(app):
    with app.app_context():
        from app.demo import seed_demo
        from app.drafts.models import Draft, DraftVersion

        seed_demo()
        db.session.commit()
        draft = db.session.scalar(select(Draft))
        assert draft is not None
        assert [v.number for v in draft.versions if v.is_published] == [1, 2]
        assert draft.current.title == "Leitbild Musterstadt 2040"
        from app.comments.models import Comment
        from app.contributions.models import Contribution

        groups = set(
            db.session.scalars(
                select(Contribution.author_group)
                .join(Comment, Comment.contribution_id == Contribution.id)
                .where(Contribution.process_id == draft.process_id)
            )
        )
        assert {g.value for g in groups} >= {"citizens", "administration", "council"}
        seed_demo()  # idempotent
        db.session.commit()
        assert db.session.scalar(select(db.func.count(DraftVersion.id))) == 2
