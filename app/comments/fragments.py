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
reads the event) are not kept. How cards are kept, and checked in tests: ``app.core.fragments``.
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

from app.comments.services import Node
from app.core import fragments
from app.core.fragments import CSRF_PLACEHOLDER

MAX_CARDS = 2000  # per worker; a card is a few kilobytes
CARDS = fragments.Store(MAX_CARDS)


def card_key(node: Node, viewer_id: int | None) -> tuple | None:
    """Every value the card template reads, or None: not to be kept."""
    comment = node.comment
    contribution = comment.contribution
    if contribution.entered_on_site:
        return None  # the on-site origin line reads its event
    author = contribution.author
    reply_to = node.reply_to
    return (
        comment.id,
        fragments.reader_context(),
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


def cached_card(node: Node, render: Callable[..., str], viewer_id: int | None) -> Markup:
    """The card of ``node``: kept, or rendered by ``render(node, csrf)`` and kept.

    The Jinja global ``cached_comment_card``; ``render`` is the template's card macro, ``csrf``
    the token it puts into its forms.
    """
    return fragments.kept(CARDS, card_key(node, viewer_id), lambda: render(node, CSRF_PLACEHOLDER))
