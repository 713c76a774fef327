"""Rendered pieces of pages, kept per worker under a key of everything they show.

A list renders the same cards (a comment, a proposal) again and again for every reader. A domain
that wants its cards kept makes a key of every value the card's template reads (``None``: do not
keep this one) and asks ``kept``; nothing is ever invalidated, since a changed value makes another
key, and the least recently used cards go first once a store is full.

``FRAGMENT_CACHE`` (on unless debugging, where templates change under a running server) switches
keeping on; ``FRAGMENT_CHECK`` (on in tests) renders every reused card again and compares, so that
a value the template reads but the key misses fails loudly instead of showing an outdated card.
Forms inside a card carry ``CSRF_PLACEHOLDER`` as their token; ``kept`` fills in the reader's own.
While a card is rendered to be kept, every token gives the placeholder itself (the templates'
``csrf_token()``, installed by ``init_fragments``, and the forms' own, ``core.forms.LazyToken``),
so one reader's token can never end up in a card that others are served.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextvars import ContextVar

from flask import Flask, current_app, g
from flask_babel import get_locale, get_timezone
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from app.core import request_cache

CSRF_PLACEHOLDER = "\x00csrf\x00"  # never in a rendered card otherwise: NUL is not valid HTML text
_rendering: ContextVar[bool] = ContextVar("fragments_rendering", default=False)


class Store:
    """A bounded least-recently-used store of rendered cards of one kind."""

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


def reader_context() -> tuple:
    """What every card of a request shares: language, time zone, the municipality's address."""

    def build() -> tuple:
        municipality = g.get("municipality")
        return (
            str(get_locale()),
            str(get_timezone()),
            municipality.slug if municipality is not None else None,
        )

    return request_cache.pure_memo(("fragment_reader_context",), build)


def rendering() -> bool:
    """Is a card being rendered to be kept? (Then every CSRF token in it is the placeholder.)"""
    return _rendering.get()


def csrf_token() -> str:
    """The templates' ``csrf_token()``: the reader's token, or the placeholder inside a card."""
    return CSRF_PLACEHOLDER if _rendering.get() else generate_csrf()


def init_fragments(app: Flask) -> None:
    """Install ``csrf_token`` (after Flask-WTF, which installs its own)."""
    app.jinja_env.globals["csrf_token"] = csrf_token


def _render(render: Callable[[], str]) -> str:
    token = _rendering.set(True)
    try:
        return str(render())
    finally:
        _rendering.reset(token)


def _with_token(html: str) -> Markup:
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, generate_csrf())
    return Markup(html)  # noqa: S704  rendered by a template (autoescaped)


def kept(store: Store, key: Hashable | None, render: Callable[[], str]) -> Markup:
    """The card under ``key`` in ``store``, or ``render()`` (kept under ``key`` unless None)."""
    app = current_app
    if key is None or not app.config.get("FRAGMENT_CACHE", not app.debug):
        return _with_token(_render(render))
    html = store.get(key)
    if html is None:
        html = _render(render)
        store.put(key, html)
    elif app.config.get("FRAGMENT_CHECK", app.testing) and _render(render) != html:
        raise AssertionError(
            f"a kept card ({key!r:.80}) renders differently now: a value its template "
            "reads is missing from its key"
        )
    return _with_token(html)
