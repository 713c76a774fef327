"""Reading comment threads: sorting, pagination by top-level comment, permalinks, query counts,
visibility, the embedded thread section, and XSS payloads that must not survive into the page."""

from __future__ import annotations

import itertools
import re
from html.parser import HTMLParser

import comments_support
import pytest
from comments_support import htmx, thread_id_of, write_comment
from sqlalchemy import update

from app.comments import services
from app.comments.models import Comment, Reaction
from app.contributions import kinds
from app.extensions import db

town = comments_support.town  # the fixture


def _order(page: str) -> list[int]:
    """Ids of the comments on a page, in the order shown."""
    return [
        int(found) for found in re.findall(r'<li class="comment[^"]*" id="comment-(\d+)"', page)
    ]


def _agree(app, comment_id: int, count: int) -> None:
    with app.app_context():
        db.session.execute(
            update(Comment).where(Comment.id == comment_id).values(agree_count=count)
        )
        db.session.commit()


# --- sorting and pages --------------------------------------------------------------------------


def test_threads_sort_by_oldest_newest_and_most_agreed(app, client, town):
    author = town.users["citizen"]
    first, second, third = (write_comment(app, author, town.process, f"K{i}") for i in range(3))
    _agree(app, second, 5)
    _agree(app, third, 2)
    assert _order(client.get(town.thread_url()).get_data(as_text=True)) == [first, second, third]
    newest = client.get(town.thread_url(comments_sort="newest")).get_data(as_text=True)
    assert _order(newest) == [third, second, first]
    agreed = client.get(town.thread_url(comments_sort="agreed")).get_data(as_text=True)
    assert _order(agreed) == [second, third, first]
    # an unknown order falls back to the default rather than failing
    assert client.get(town.thread_url(comments_sort="<x>")).status_code == 200


def test_replies_keep_the_order_they_were_written_in_whatever_the_sort(app, client, town):
    top = write_comment(app, town.users["citizen"], town.process, "Oben")
    early = write_comment(app, town.users["staff"], town.process, "früh", parent_id=top)
    late = write_comment(app, town.users["council"], town.process, "spät", parent_id=top)
    newest = client.get(town.thread_url(comments_sort="newest")).get_data(as_text=True)
    assert _order(newest) == [top, early, late]


def test_long_threads_paginate_by_top_level_comment_with_all_replies(app, client, town):
    author = town.users["citizen"]
    tops = [
        write_comment(app, author, town.process, f"Top {i}") for i in range(services.PER_PAGE + 2)
    ]
    replies = [
        write_comment(app, town.users["staff"], town.process, f"Antwort {i}", parent_id=tops[0])
        for i in range(3)
    ]
    first_page = client.get(town.thread_url()).get_data(as_text=True)
    assert _order(first_page) == [tops[0], *replies, *tops[1 : services.PER_PAGE]]
    assert "comments_page=2" in first_page  # pager and "load more"
    second_page = client.get(town.thread_url(comments_page=2)).get_data(as_text=True)
    assert _order(second_page) == tops[services.PER_PAGE :]
    # hostile page numbers give an empty page, not an error
    assert client.get(town.thread_url(comments_page="-3")).status_code == 200
    assert client.get(town.thread_url(comments_page="99999999")).status_code == 200


def test_load_more_in_place_returns_the_next_top_level_comments(app, client, town):
    author = town.users["citizen"]
    tops = [
        write_comment(app, author, town.process, f"Top {i}") for i in range(services.PER_PAGE + 1)
    ]
    thread_id = thread_id_of(app, town.process)
    response = client.get(
        town.url(f"/threads/{thread_id}/comments?comments_page=2"), headers=htmx()
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _order(page) == [tops[-1]]
    assert "<html" not in page and 'hx-swap-oob="outerHTML"' in page
    assert "HX-Request" in response.headers["Vary"]
    plain = client.get(town.url(f"/threads/{thread_id}/comments?comments_page=2"))
    assert plain.status_code == 302
    assert plain.headers["Location"].endswith(town.thread_url(comments_page=2) + "#comments")


def test_the_permalink_opens_the_right_page_at_the_comment(app, client, town):
    author = town.users["citizen"]
    tops = [
        write_comment(app, author, town.process, f"Top {i}") for i in range(services.PER_PAGE + 1)
    ]
    reply = write_comment(app, town.users["staff"], town.process, "Antwort", parent_id=tops[-1])
    response = client.get(town.url(f"/comments/{reply}"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        town.thread_url(comments_page=2) + f"#comment-{reply}"
    )
    first = client.get(town.url(f"/comments/{tops[0]}"))
    assert first.headers["Location"].endswith(town.thread_url() + f"#comment-{tops[0]}")
    assert f'id="comment-{reply}"' in client.get(town.thread_url(comments_page=2)).get_data(
        as_text=True
    )


# --- query counts -------------------------------------------------------------------------------


_TOPS = itertools.count()


def _thread_with(app, town, top_level: int) -> None:
    """``top_level`` comments by several people, each with replies three levels deep and more,
    and reactions of the reader."""
    authors = [town.users[name] for name in ("citizen", "staff", "council", "facilitator")]
    reader = town.users["neighbour"]
    for i in range(top_level):
        # a text of its own each time: the same text again would be a repeat of the first
        parent = write_comment(app, authors[i % 4], town.process, f"Top {next(_TOPS)}")
        top = parent
        for depth in range(5):
            parent = write_comment(
                app, authors[(i + depth + 1) % 4], town.process, f"Tiefe {depth}", parent_id=parent
            )
        with app.app_context():
            from app.accounts.models import User

            user = db.session.get(User, reader.id)
            services.set_reaction(user, db.session.get(Comment, top), Reaction.AGREE)
            services.set_reaction(user, db.session.get(Comment, parent), Reaction.DISAGREE)
            db.session.commit()


def test_the_query_count_of_a_thread_page_does_not_grow_with_its_comments(
    app, client, login, town, count_queries
):
    login(client, town.users["neighbour"])
    _thread_with(app, town, 2)
    client.get(town.thread_url())  # warm up (the thread exists)
    with count_queries() as few:
        small = client.get(town.thread_url())
    assert small.status_code == 200
    _thread_with(app, town, 8)
    with count_queries() as many:
        large = client.get(town.thread_url())
    assert len(_order(large.get_data(as_text=True))) == 10 * 6  # ten top-level, five replies each
    assert many.count == few.count, (few.count, many.count)


def test_the_query_count_of_load_more_does_not_grow_with_its_comments(
    app, client, town, count_queries
):
    thread_id = thread_id_of(app, town.process)
    url = town.url(f"/threads/{thread_id}/comments")
    _thread_with(app, town, 1)
    with count_queries() as few:
        client.get(url, headers=htmx())
    _thread_with(app, town, 9)
    with count_queries() as many:
        client.get(url, headers=htmx())
    assert many.count == few.count


def test_a_page_of_comments_counts_them_and_finds_the_readers_reactions_as_separate_statements_would(
    app, town
):
    """A page's rows carry the total (a window count) and the reader's reactions (an outer join):
    they agree with a count of their own and with each comment's reaction, on a full page with
    more behind it, on the last page and past it, for a reader with their own pending comment."""
    _thread_with(app, town, services.PER_PAGE + 1)
    reader = town.users["neighbour"]
    write_comment(app, reader, town.process, "Wartet")
    with app.app_context():
        from app.accounts.models import User
        from app.contributions.models import Thread, Visibility

        user = db.session.get(User, reader.id)
        own = db.session.scalars(db.select(Comment).where(Comment.body.contains("Wartet"))).one()
        own.contribution.visibility = Visibility.PENDING
        db.session.flush()
        thread = db.session.get(Thread, thread_id_of(app, town.process))
        for who in (user, None):
            listed = db.session.scalar(
                db.select(db.func.count()).select_from(
                    services._listed_top_level(thread.id, who and who.id).subquery()
                )
            )
            for page in (1, 2, 3):
                for sort in services.Sort:
                    view = services.load_thread_page(thread, who, sort, page)
                    assert view.page.total == listed == services.PER_PAGE + 2 - (who is None)
                    for node in view.all_nodes():
                        expected = services.reaction_of(who, node.comment) if who else None
                        assert node.my_reaction == expected
        assert any(n.my_reaction for n in services.load_thread_page(thread, user).all_nodes())
        db.session.rollback()


# --- threading ----------------------------------------------------------------------------------


def test_replies_deeper_than_three_levels_are_shown_flat_with_a_reply_to_reference(
    app, client, town
):
    names = ("citizen", "staff", "council", "facilitator", "citizen", "staff")
    ids = [write_comment(app, town.users[names[0]], town.process, "Ebene 0")]
    for depth in range(1, 6):
        ids.append(
            write_comment(app, town.users[names[depth]], town.process, f"Ebene {depth}", ids[-1])
        )
    page = client.get(town.thread_url()).get_data(as_text=True)
    shown = {
        int(cid): int(level)
        for level, cid in re.findall(
            r'<li class="comment level-(\d)[^"]*" id="comment-(\d+)"', page
        )
    }
    assert [shown[cid] for cid in ids] == [0, 1, 2, 3, 3, 3]
    # the fourth and fifth level say whom they answer, linking to that comment
    assert f'href="#comment-{ids[3]}"' in page and f'href="#comment-{ids[4]}"' in page
    assert page.count('class="comment-reply-to"') == 2
    # all of the third level and below sit in one list, in the order written
    holder = re.search(rf'<ol class="comment-replies" id="replies-{ids[2]}"', page)
    assert holder is not None
    assert _order(page[holder.start() :]) == ids[3:]


# --- visibility and tenancy ---------------------------------------------------------------------


def test_members_only_processes_keep_their_threads_from_visitors(
    app, client, login, town, make_process
):
    town.process = make_process(town.municipality, visibility="members", formats=("comments",))
    comment = write_comment(app, town.users["citizen"], town.process, "Intern")
    response = client.get(town.thread_url())
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "/login" in client.get(town.url(f"/comments/{comment}")).headers["Location"]
    login(client, town.users["other_staff"])
    assert client.get(town.thread_url()).status_code == 403
    login(client, town.users["citizen"])
    assert "Intern" in client.get(town.thread_url()).get_data(as_text=True)


def test_the_discussion_page_exists_only_where_the_format_is_switched_on(
    app, client, town, make_process
):
    town.process = make_process(town.municipality, formats=())
    assert client.get(town.thread_url()).status_code == 404


def test_a_draft_process_has_no_public_discussion(client, town, make_process):
    town.process = make_process(town.municipality, state="draft", formats=("comments",))
    assert client.get(town.thread_url()).status_code == 404


def test_the_thread_section_renders_nothing_for_another_municipalitys_thread(
    app, town, make_municipality, make_member, make_process
):
    elsewhere = make_municipality()
    foreign = make_process(elsewhere, formats=("comments",))
    write_comment(app, make_member(elsewhere), foreign, "Fremd")
    foreign_thread = thread_id_of(app, foreign)
    own_thread = thread_id_of(app, town.process)
    with app.test_request_context(town.thread_url()):
        from flask import g
        from flask_login import AnonymousUserMixin

        from app.comments.views import render_thread
        from app.municipalities.models import Municipality

        g.municipality = db.session.get(Municipality, town.municipality.id)
        g._login_user = AnonymousUserMixin()
        assert str(render_thread(foreign_thread)) == ""
        assert f'id="comments-heading-{own_thread}"' in str(render_thread(own_thread))


def test_the_process_page_links_its_discussion_with_the_kept_count(app, client, town):
    write_comment(app, town.users["citizen"], town.process)
    write_comment(app, town.users["staff"], town.process)
    page = client.get(f"/{town.municipality.slug}/processes/{town.process.slug}/").get_data(
        as_text=True
    )
    assert f'href="{town.thread_url()}"' in page
    assert "(2)" in page


def test_every_comment_offers_the_report_form_of_moderation(app, client, login, town):
    comment = write_comment(app, town.users["citizen"], town.process)
    login(client, town.users["neighbour"])
    page = client.get(town.thread_url()).get_data(as_text=True)
    with app.app_context():
        contribution_id = db.session.get(Comment, comment).contribution_id
    assert f"/contributions/{contribution_id}/report" in page


def test_moderation_describes_comments_with_their_thread_and_permalink(app, town):
    comment_id = write_comment(app, town.users["citizen"], town.process, "**Laut** und klar")
    with app.test_request_context():
        comment = db.session.get(Comment, comment_id)
        shown = kinds.describe([comment.contribution])[comment.contribution_id]
    assert shown.url == f"/{town.municipality.slug}/comments/{comment_id}"
    assert shown.excerpt == "Laut und klar"
    assert town.process.title in shown.title


# --- XSS ----------------------------------------------------------------------------------------


def _corpus() -> list[str]:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "unit" / "test_sanitize.py"
    spec = importlib.util.spec_from_file_location("sanitize_corpus", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.XSS_CORPUS


FORBIDDEN_TAGS = {
    "script",
    "svg",
    "iframe",
    "object",
    "embed",
    "style",
    "img",
    "base",
    "meta",
    "math",
    "details",
    "body",
    "frame",
    "frameset",
    "link",
    "video",
    "audio",
}  # the thread's own forms use input, textarea and button: they are not in user text
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "background"}


class _Inspector(HTMLParser):
    """Collects every construct in rendered HTML that could run script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in FORBIDDEN_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.found.append(f"{tag} {name}=")
            squashed = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
            if name in URL_ATTRIBUTES and squashed.startswith(
                ("javascript:", "vbscript:", "data:")
            ):
                self.found.append(f"{tag} {name}={value}")


def dangerous(html: str) -> list[str]:
    inspector = _Inspector()
    inspector.feed(html)
    return inspector.found


def _thread_section(page: str) -> str:
    start = page.index('<ol class="comment-list"')
    return page[start : page.index("</section>", start)]


def test_no_xss_payload_survives_into_the_rendered_thread(app, client, login, town):
    """Every payload of the corpus, written through the form, as a top-level comment and a reply;
    the page shows the comments but nothing that could run."""
    login(client, town.users["citizen"])
    thread_id = thread_id_of(app, town.process)
    corpus = _corpus()
    for payload in corpus:
        response = client.post(
            town.url(f"/threads/{thread_id}/comments"),
            data={f"thread{thread_id}-body": f"Text {payload} Ende"},
        )
        assert response.status_code in (302, 422), payload
    with app.app_context():
        first = db.session.scalar(db.select(Comment.id).order_by(Comment.id))
    login(client, town.users["staff"])
    for payload in corpus[:5]:
        client.post(
            town.url(f"/comments/{first}/reply"), data={f"reply{first}-body": f"Re {payload}"}
        )
    pages = [
        client.get(town.thread_url(comments_page=n)).get_data(as_text=True)
        for n in range(1, len(corpus) // services.PER_PAGE + 2)
    ]
    shown = sum(len(_order(page)) for page in pages)
    assert shown >= len(corpus)  # the comments are there, only defused
    for page in pages:
        assert dangerous(_thread_section(page)) == []
        # the factories' payload in names and titles is escaped too
        assert "<script>window.__xss" not in page


def test_links_in_comments_are_marked_nofollow_ugc_noopener(app, client, town):
    write_comment(app, town.users["citizen"], town.process, "[Plan](https://example.org/plan)")
    page = client.get(town.thread_url()).get_data(as_text=True)
    assert '<a href="https://example.org/plan" rel="nofollow ugc noopener">Plan</a>' in page


@pytest.mark.parametrize("sort", ["oldest", "newest", "agreed"])
def test_an_empty_thread_says_so(client, login, town, sort):
    login(client, town.users["citizen"])
    page = client.get(town.thread_url(comments_sort=sort)).get_data(as_text=True)
    assert 'class="empty-state"' in page


def test_a_comment_awaiting_moderation_shows_to_its_author_only(app, client, login, town):
    from app.contributions.models import Visibility

    comment_id = write_comment(app, town.users["citizen"], town.process, "Noch ungeprüft")
    with app.app_context():
        db.session.get(Comment, comment_id).contribution.visibility = Visibility.PENDING
        db.session.commit()
    login(client, town.users["citizen"])
    own = client.get(town.thread_url()).get_data(as_text=True)
    assert "Noch ungeprüft" in own and 'class="comment-note"' in own
    login(client, town.users["neighbour"])
    assert "Noch ungeprüft" not in client.get(town.thread_url()).get_data(as_text=True)


def test_a_hidden_comment_keeps_its_place_with_the_reason(app, client, town):
    from app.contributions.models import Visibility

    comment_id = write_comment(app, town.users["citizen"], town.process, "Beleidigung")
    with app.app_context():
        contribution = db.session.get(Comment, comment_id).contribution
        contribution.visibility = Visibility.HIDDEN
        contribution.hidden_reason = "Verstoß gegen die Netiquette <b>"
        db.session.commit()
    page = client.get(town.thread_url()).get_data(as_text=True)
    assert f'id="comment-{comment_id}"' in page
    assert "Beleidigung" not in page
    assert "Verstoß gegen die Netiquette &lt;b&gt;" in page
