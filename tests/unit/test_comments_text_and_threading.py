"""Comment text (Markdown through the sanitiser) and the arrangement of replies, without a database."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from test_sanitize import XSS_CORPUS

from app.comments.models import Comment
from app.comments.services import (
    EDIT_WINDOW,
    Shown,
    Sort,
    arrange,
    excerpt,
    may_still_edit,
    render_body,
)
from app.contributions.models import Contribution, Visibility
from app.core.time import utcnow


def test_markdown_gives_paragraphs_emphasis_lists_and_marked_links():
    html = render_body(
        "Erster Absatz mit **fett** und *kursiv*\nneue Zeile\n\n- eins\n- zwei\n\n"
        "[Plan](https://example.org/plan) und https://example.org/frei"
    )
    assert "<p>Erster Absatz mit <strong>fett</strong> und <em>kursiv</em><br>" in html
    assert "<ul>\n<li>eins</li>\n<li>zwei</li>\n</ul>" in html
    assert '<a href="https://example.org/plan" rel="nofollow ugc noopener">Plan</a>' in html
    assert '<a href="https://example.org/frei" rel="nofollow ugc noopener">' in html


def test_headings_images_and_code_lose_their_markup():
    html = render_body("# Titel\n\n![Bild](https://example.org/x.png)\n\n    code")
    assert "<h1" not in html and "<img" not in html and "<pre" not in html
    assert "Titel" in html


SAFE_TAGS = {"p", "br", "strong", "b", "em", "i", "ul", "ol", "li", "a", "blockquote"}


class _Inspector(HTMLParser):
    """Everything in sanitised HTML that is not plain formatting or a harmless link."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag not in SAFE_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name not in ("href", "title", "rel"):
                self.found.append(f"{tag} {name}=")
            address = re.sub(r"[\s\x00-\x1f]", "", html.unescape(value or "")).lower()
            scheme = re.match(r"^([a-z][a-z0-9+.-]*):", address)
            if name == "href" and scheme and scheme.group(1) not in ("http", "https", "mailto"):
                self.found.append(f"href={value}")


def _unsafe(markup: str) -> list[str]:
    inspector = _Inspector()
    inspector.feed(markup)
    return inspector.found


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_no_payload_survives_markdown_and_the_sanitiser(payload):
    for text in (payload, f"Text {payload}", f"[x]({payload})", f"- {payload}", f"> {payload}"):
        assert _unsafe(render_body(text)) == [], text


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "vbscript:x"]
)
def test_markdown_links_with_script_protocols_lose_their_address(link):
    assert "href" not in render_body(f"[klick]({link})")


def test_an_excerpt_is_plain_text_cut_at_its_length():
    assert excerpt("<p>Hallo &amp; <strong>Welt</strong></p>") == "Hallo & Welt"
    assert len(excerpt("<p>" + "a" * 500 + "</p>", 20)) == 20


def test_sort_falls_back_to_oldest_for_unknown_values():
    assert Sort.parse("newest") == Sort.NEWEST
    assert Sort.parse("<script>") == Sort.OLDEST
    assert Sort.parse(None) == Sort.OLDEST


# --- threading ----------------------------------------------------------------------------------


def _comment(
    cid: int,
    parent: Comment | None = None,
    visibility: Visibility = Visibility.VISIBLE,
    author_id: int = 1,
) -> Comment:
    comment = Comment(
        id=cid,
        parent_id=parent.id if parent else None,
        root_id=(parent.root_id or parent.id) if parent else None,
        depth=parent.depth + 1 if parent else 0,
        body=f"<p>{cid}</p>",
    )
    comment.contribution = Contribution(visibility=visibility, author_id=author_id)
    return comment


def _chain(length: int) -> list[Comment]:
    chain = [_comment(1)]
    for cid in range(2, length + 1):
        chain.append(_comment(cid, chain[-1]))
    return chain


def _flat(nodes, out=None) -> list[tuple[int, int, int | None]]:
    """(id, level, reply-to id) in display order."""
    out = [] if out is None else out
    for node in nodes:
        out.append((node.comment.id, node.level, node.reply_to.id if node.reply_to else None))
        _flat(node.replies, out)
    return out


def test_replies_nest_to_three_levels_and_deeper_ones_say_whom_they_answer():
    chain = _chain(6)
    nodes = arrange(chain[:1], chain[1:], user_id=None)
    assert _flat(nodes) == [
        (1, 0, None),
        (2, 1, None),
        (3, 2, None),
        (4, 3, None),
        (5, 3, 4),
        (6, 3, 5),
    ]
    third = nodes[0].replies[0].replies[0]
    assert [n.comment.id for n in third.replies] == [4, 5, 6]  # one flat list, in writing order
    assert not any(n.replies for n in third.replies)


def test_flattened_branches_keep_the_order_they_were_written_in():
    top = _comment(1)
    a = _comment(2, top)
    b = _comment(3, a)
    c1 = _comment(4, b)  # level 3
    c2 = _comment(5, b)  # level 3, a sibling
    d1 = _comment(6, c1)  # deeper, under the first
    d2 = _comment(7, c2)
    nodes = arrange([top], [a, b, c1, c2, d1, d2], user_id=None)
    holder = nodes[0].replies[0].replies[0]
    assert [(n.comment.id, n.reply_to.id if n.reply_to else None) for n in holder.replies] == [
        (4, None),
        (5, None),
        (6, 4),
        (7, 5),
    ]


def test_deleted_comments_stay_as_placeholders_only_above_shown_replies():
    top = _comment(1, visibility=Visibility.DELETED)
    kept_reply = _comment(2, top)
    lonely = _comment(3, visibility=Visibility.DELETED)
    deleted_leaf = _comment(4, top, visibility=Visibility.DELETED)
    nodes = arrange([top, lonely], [kept_reply, deleted_leaf], user_id=None)
    assert [n.comment.id for n in nodes] == [1]
    assert nodes[0].shown == Shown.DELETED
    assert [n.comment.id for n in nodes[0].replies] == [2]


def test_pending_comments_show_to_their_author_only():
    mine = _comment(1, visibility=Visibility.PENDING, author_id=7)
    assert [n.shown for n in arrange([mine], [], user_id=7)] == [Shown.OWN_PENDING]
    assert arrange([mine], [], user_id=8) == []
    assert arrange([mine], [], user_id=None) == []


def test_hidden_comments_keep_their_place_with_the_reason():
    hidden = _comment(1, visibility=Visibility.HIDDEN)
    (node,) = arrange([hidden], [], user_id=None)
    assert node.shown == Shown.HIDDEN


def test_very_deep_threads_arrange_without_recursion():
    chain = _chain(3000)
    nodes = arrange(chain[:1], chain[1:], user_id=None)
    holder = nodes[0].replies[0].replies[0]
    assert len(holder.replies) == 3000 - 3


# --- edit window --------------------------------------------------------------------------------


def test_the_edit_window_is_fifteen_minutes():
    comment = _comment(1)
    now = utcnow()
    comment.contribution.created_at = now - EDIT_WINDOW + timedelta(seconds=1)
    assert may_still_edit(comment, now)
    comment.contribution.created_at = now - EDIT_WINDOW - timedelta(seconds=1)
    assert not may_still_edit(comment, now)
    assert timedelta(minutes=15) == EDIT_WINDOW


def test_deleted_comments_cannot_be_edited():
    comment = _comment(1, visibility=Visibility.DELETED)
    comment.contribution.created_at = utcnow()
    assert not may_still_edit(comment, utcnow())


# --- threads of a server ------------------------------------------------------------------------


def test_comment_text_renders_correctly_from_many_threads_at_once():
    """Threaded servers render several comments at the same moment (bleach parsers keep state)."""
    import threading

    wrong: list[str] = []

    def render() -> None:
        for _ in range(200):
            result = render_body("gleichzeitig **fett**")
            if result != "<p>gleichzeitig <strong>fett</strong></p>":
                wrong.append(result)

    workers = [threading.Thread(target=render) for _ in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert wrong == []
