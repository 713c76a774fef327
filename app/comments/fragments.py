"""Rendered comment cards, kept per worker and reused while nothing they show has changed.

A thread page renders dozens of comment cards (author, time, text, reactions, buttons); rendering
them was the largest part of a proposal page's CPU once the buttons were decided per page. A card
depends only on the comment, its author, the reader's relation to it (what the rules let them do,
their reaction, whether they wrote it) and the language and time zone, so the card is kept under a
key made of exactly those values (``card_key``) and rendered again whenever one of them differs:
an edit, a reaction, a moderation decision, a renamed or deleted account, another reader's
buttons. Nothing needs to be invalidated; a changed comment simply has another key.

The form's CSRF token is not part of a card: it is rendered as a placeholder and filled in with
the reader's own token on the way out. Cards of contributions entered on site (their origin line
reads the event) are not kept. ``COMMENT_CARD_CACHE`` (on unless debugging, where templates
change under a running server) switches keeping on; ``COMMENT_CARD_CHECK`` (on in tests) compares
every reused card with a fresh rendering, so that a value the template reads but the key misses
fails loudly instead of showing an outdated card.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app, g
from flask_babel import get_locale, get_timezone
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from app.comments.services import Node
from app.core import request_cache

CSRF_PLACEHOLDER = "\x00csrf\x00"  # never in a rendered card otherwise: NUL is not valid HTML text
MAX_CARDS = 2000  # per worker; a card is a few kilobytes


class _Cards:
    """A bounded least-recently-used store of rendered cards."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._cards: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> str | None:
        with self._lock:
            html = self._cards.get(key)
            if html is not None:
                self._cards.move_to_end(key)
            return html

    def put(self, key: Hashable, html: str) -> None:
        with self._lock:
            self._cards[key] = html
            self._cards.move_to_end(key)
            while len(self._cards) > self.size:
                self._cards.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._cards.clear()


CARDS = _Cards(MAX_CARDS)


def _reader_context() -> tuple:
    """What every card of this request shares: language, time zone, the municipality's address."""

    def build() -> tuple:
        municipality = g.get("municipality")
        return (
            str(get_locale()),
            str(get_timezone()),
            municipality.slug if municipality is not None else None,
        )

    return request_cache.pure_memo(("comment_card_context",), build)


def card_key(node: Node, viewer_id: int | None) -> tuple | None:
    """Every value the card template reads, or None: not to be kept."""
    comment = node.comment
    contribution = comment.contribution
    if contribution.channel and contribution.channel != "online":
        return None  # the on-site origin line reads its event
    author = contribution.author
    reply_to = node.reply_to
    return (
        comment.id,
        _reader_context(),
        node.shown,
        node.actions,
        node.my_reaction,
        viewer_id is not None and contribution.author_id == viewer_id,
        contribution.created_at,
        contribution.edited_at,
        contribution.visibility,
        contribution.hidden_reason,
        contribution.author_group,
        contribution.author_id,
        author.public_name if author is not None else None,
        comment.body,
        comment.is_official_answer,
        comment.agree_count,
        comment.disagree_count,
        None
        if reply_to is None
        else (
            reply_to.id,
            reply_to.contribution.visibility,
            reply_to.contribution.author.public_name
            if reply_to.contribution.author is not None
            else None,
        ),
    )


def _with_token(html: str) -> Markup:
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, generate_csrf())
    return Markup(html)  # noqa: S704  rendered by the card template (autoescaped)


def cached_card(node: Node, render: Callable[..., str], viewer_id: int | None) -> Markup:
    """The card of ``node``: kept, or rendered by ``render(node, csrf)`` and kept.

    The Jinja global ``cached_comment_card``; ``render`` is the template's card macro, ``csrf``
    the token it puts into its forms.
    """
    app = current_app
    keep = app.config.get("COMMENT_CARD_CACHE", not app.debug)
    key = card_key(node, viewer_id) if keep else None
    if key is None:
        return Markup(render(node, None))  # noqa: S704
    html = CARDS.get(key)
    if html is None:
        html = str(render(node, CSRF_PLACEHOLDER))
        CARDS.put(key, html)
    elif app.config.get("COMMENT_CARD_CHECK", app.testing):
        fresh = str(render(node, CSRF_PLACEHOLDER))
        if fresh != html:
            raise AssertionError(
                f"comment card {node.comment.id} was reused but renders differently now: "
                "a value the template reads is missing from fragments.card_key"
            )
    return _with_token(html)
