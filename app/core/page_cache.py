"""Whole pages for anonymous visitors, kept until the next write or for a few seconds.

A popular process brings hundreds of visitors at once, nearly all of them without a login, and they
all see the same page: rendering it for each of them (15 to 30 ms of Python, a dozen statements) is what
made a big city's pages slow. So a page an anonymous visitor got is kept and served to the next one
straight from the WSGI layer, before Flask, the session or the database are touched.

When a kept page is right:

- **Only what anyone would see.** A request is served from the cache, and its answer kept, only
  when it carries no login (no ``_user_id`` in the session, no remember cookie, no other cookie),
  no flashed message and nothing else in its session that a page could show (``SAFE_SESSION_KEYS``:
  the language, which is part of the key). An answer is kept only when it is a ``200`` HTML page of
  a ``GET``, was not streamed, set no cookie, is not marked ``no-store``/``private``, and rendered
  no CSRF token (a page with a form for this visitor is theirs alone). htmx requests
  (``HX-Request``) and requests with credentials are never served from or written to the cache.
  A view may refuse with ``skip()``.
- **Invalidated by every write.** The key holds a *generation*, a counter raised after every
  committed transaction that changed a row (any table except those no page shows: mails,
  notifications, exports, tokens). It is raised when the connection goes back to the pool, i.e.
  after the commit, so a page rendered from the old data is stored under the old generation and
  never served again. The scheduler raises it too.
- **Bounded in time.** What depends on the clock alone (a phase that starts at 18:00) is at most
  ``PAGE_CACHE_SECONDS`` late.

The same generation keeps figures that pages of logged-in people would otherwise aggregate on
every view (``remembered``): computed once per process and generation, in reading requests only.

Where pages and the generation live (``PAGE_CACHE_URL``): ``redis://…`` shares both between every
worker and the scheduler (production uses the rate limits' Redis by default); each worker also
keeps the pages it served last in its own memory, so a hit costs one round trip for the generation.
``memory://`` keeps both in the process (one process only: the development server); ``off``
switches the cache off. When Redis does not answer, pages are rendered as if there were no cache
and Redis is asked again after ``RETRY_AFTER`` seconds; a write whose generation bump could not
reach Redis is owed, and the worker moves the generation as soon as Redis answers it again, before
it serves or keeps a page (pages kept before the outage would show the state before that write).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from flask import Flask, Response, current_app, g, has_request_context, request, session
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.http import parse_cookie

from app.core import request_cache
from app.core.request_cache import READING

log = logging.getLogger("trialog.page_cache")
T = TypeVar("T")

# Session keys an anonymous page never shows: the language (part of the key), the CSRF secret
# (a page with a token is not kept), Flask-Login's freshness mark of an anonymous session.
SAFE_SESSION_KEYS = frozenset({"lang", "csrf_token", "_fresh"})
# Tables whose rows no page shows to an anonymous visitor: writing them keeps the cache.
PRIVATE_TABLES = frozenset(
    {
        "outgoing_mails",
        "notification_events",
        "notifications",
        "notification_digests",
        "notification_preferences",
        "data_exports",
        "api_tokens",
        "report_figures",  # kept counts of the staff report (app/outcomes/kept.py)
    }
)
RETRY_AFTER = 10.0  # seconds without Redis after it failed
LOCAL_ENTRIES = 512  # pages each process keeps in memory (at most LOCAL_BYTES in all)
LOCAL_BYTES = 32 * 1024 * 1024
LOCAL_VALUES = 1024  # figures kept by ``remembered`` in each process
KEPT_HEADERS = frozenset(
    {
        "content-type",
        "content-language",
        "content-security-policy",
        "x-content-type-options",
        "x-frame-options",
        "referrer-policy",
        "permissions-policy",
        "cross-origin-opener-policy",
        "strict-transport-security",
        "vary",
        "link",
    }
)
_CANDIDATE = "trialog.page_cache.key"
_KEEP = "trialog.page_cache.keep"
_DML = re.compile(r"^\s*(insert|update|delete|merge|truncate)\b", re.IGNORECASE)
_WROTE = "trialog.page_cache.wrote"
_COMMITTED = "trialog.page_cache.committed"


# --- stores -------------------------------------------------------------------------------------


class LocalPages:
    """A small LRU of pages in this process, each with its expiry (monotonic seconds)."""

    def __init__(self, entries: int = LOCAL_ENTRIES, size: int = LOCAL_BYTES) -> None:
        self.entries, self.size = entries, size
        self._pages: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            found = self._pages.get(key)
            if found is None:
                return None
            if found[0] <= time.monotonic():
                self._drop(key)
                return None
            self._pages.move_to_end(key)
            return found[1]

    def set(self, key: str, value: bytes, seconds: float) -> None:
        with self._lock:
            if key in self._pages:
                self._drop(key)
            self._pages[key] = (time.monotonic() + seconds, value)
            self._bytes += len(value)
            while self._pages and (len(self._pages) > self.entries or self._bytes > self.size):
                self._drop(next(iter(self._pages)))

    def _drop(self, key: str) -> None:
        self._bytes -= len(self._pages.pop(key)[1])


class LocalValues:
    """Computed values of this process, each kept with the generation it was computed at."""

    def __init__(self, entries: int = LOCAL_VALUES) -> None:
        self.entries = entries
        self._values: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> tuple[bool, object]:
        with self._lock:
            found = self._values.get(key)
            if found is None or found[0] <= time.monotonic():
                return False, None
            self._values.move_to_end(key)
            return True, found[1]

    def set(self, key: Hashable, value: object, seconds: float) -> None:
        with self._lock:
            self._values[key] = (time.monotonic() + seconds, value)
            self._values.move_to_end(key)
            while len(self._values) > self.entries:
                self._values.popitem(last=False)


class MemoryStore:
    """Generation and pages in this process: right for one process only."""

    def __init__(self) -> None:
        self.pages = LocalPages()
        self.values = LocalValues()
        self._generation = 0
        self._lock = threading.Lock()

    def generation(self) -> int | None:
        return self._generation

    def bump(self) -> None:
        with self._lock:
            self._generation += 1

    def get(self, key: str) -> bytes | None:
        return self.pages.get(key)

    def set(self, key: str, value: bytes, seconds: float) -> None:
        self.pages.set(key, value, seconds)


class RedisStore:
    """Generation and pages in Redis, shared by every worker; this worker's last pages in memory."""

    GENERATION = "trialog:page-cache:generation"
    PREFIX = "trialog:page-cache:page:"

    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=0.25, socket_connect_timeout=0.25)
        self.error = redis.RedisError
        self.pages = LocalPages()
        self.values = LocalValues()
        self._down_until = 0.0
        self._owed = False  # a bump that did not reach Redis

    def _call(self, what: Callable, default=None):
        if self._down_until > time.monotonic():
            return default
        try:
            return what()
        except self.error as exc:
            self._down_until = time.monotonic() + RETRY_AFTER
            log.warning("page cache: Redis unavailable (%s); pages are rendered uncached", exc)
            return default

    def generation(self) -> int | None:
        if self._owed and not self._settle():
            return None
        raw = self._call(lambda: self.redis.get(self.GENERATION))
        if raw is None and self._down_until > time.monotonic():
            return None
        return int(raw or 0)

    def bump(self) -> None:
        self._owed = True
        self._settle()

    def _settle(self) -> bool:
        """Pay an owed bump; False while Redis does not take it."""
        if self._call(lambda: self.redis.incr(self.GENERATION)) is None:
            return False
        self._owed = False
        return True

    def get(self, key: str) -> bytes | None:
        found = self.pages.get(key)
        if found is None:
            found = self._call(lambda: self.redis.get(self.PREFIX + key))
            if found is not None:
                self.pages.set(key, found, 1.0)  # Redis keeps the expiry; here only briefly
        return found

    def set(self, key: str, value: bytes, seconds: float) -> None:
        self.pages.set(key, value, seconds)
        self._call(lambda: self.redis.set(self.PREFIX + key, value, ex=max(1, int(seconds))))


def store_for(url: str | None):
    """The store ``PAGE_CACHE_URL`` names, or None (off)."""
    url = (url or "").strip()
    if not url or url == "off":
        return None
    if url.startswith("memory://"):
        return MemoryStore()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(url)
    raise ValueError(f"PAGE_CACHE_URL must be off, memory:// or redis://…, not {url!r}")


# --- entries ------------------------------------------------------------------------------------


def _pack(status: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
    kept = [(k, v) for k, v in headers if k.lower() in KEPT_HEADERS]
    return json.dumps({"status": status, "headers": kept}).encode() + b"\n" + body


def _unpack(value: bytes) -> tuple[str, list[tuple[str, str]], bytes]:
    head, _, body = value.partition(b"\n")
    meta = json.loads(head)
    return meta["status"], [tuple(h) for h in meta["headers"]], body


# --- the middleware -----------------------------------------------------------------------------


class PageCacheMiddleware:
    """Serves kept pages before Flask; keeps the pages Flask marked as anyone's."""

    def __init__(self, app: Flask, wsgi_app, store, seconds: float) -> None:
        self.app, self.wsgi_app, self.store, self.seconds = app, wsgi_app, store, seconds
        self.cookie_name = app.config.get("SESSION_COOKIE_NAME", "session")
        self.languages = app.config["LANGUAGES"]
        self.default_language = app.config["BABEL_DEFAULT_LOCALE"]
        self._serializer = None

    def _session(self, raw: str) -> dict | None:
        """The session in the cookie (None: one the cache must not serve); an invalid cookie
        counts as an empty session, as Flask treats it."""
        if self._serializer is None:
            self._serializer = self.app.session_interface.get_signing_serializer(self.app)
        if self._serializer is None:
            return None
        try:
            data = self._serializer.loads(
                raw, max_age=int(self.app.permanent_session_lifetime.total_seconds())
            )
        except Exception:
            return {}
        return data if isinstance(data, dict) else {}

    def key(self, environ: dict) -> str | None:
        """The cache key of this request, or None when it must be rendered for this visitor."""
        if environ.get("REQUEST_METHOD") != "GET":
            return None
        if "HTTP_HX_REQUEST" in environ or "HTTP_AUTHORIZATION" in environ:
            return None
        language = self.default_language
        header = environ.get("HTTP_COOKIE")
        if header:
            cookies = parse_cookie(header)  # as Flask reads them
            if set(cookies) - {self.cookie_name}:
                return None  # a remember cookie, a survey's browser cookie, …
            data = self._session(cookies[self.cookie_name]) if cookies else {}
            if data is None or set(data) - SAFE_SESSION_KEYS:
                return None
            if data.get("lang") in self.languages:
                language = data["lang"]
        generation = self.store.generation()
        if generation is None:
            return None
        raw = "\n".join(
            (
                str(generation),
                language,
                environ.get("wsgi.url_scheme", "http"),
                environ.get("HTTP_HOST", ""),
                environ.get("SCRIPT_NAME", ""),
                environ.get("PATH_INFO", ""),
                environ.get("QUERY_STRING", ""),
            )
        )
        return hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()

    def __call__(self, environ: dict, start_response):
        key = self.key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        found = self.store.get(key)
        if found is not None:
            status, headers, body = _unpack(found)
            headers += [("Content-Length", str(len(body))), ("X-Page-Cache", "hit")]
            start_response(status, headers)
            return [body]
        environ[_CANDIDATE] = key
        seen: dict = {}

        def remember(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, remember)
        if not environ.get(_KEEP):
            return result
        return self._keep(key, result, seen)

    def _keep(self, key: str, result: Iterable[bytes], seen: dict) -> list[bytes]:
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        headers = seen.get("headers") or []
        names = {name.lower() for name, _ in headers}
        control = ",".join(v for k, v in headers if k.lower() == "cache-control").lower()
        if (
            seen.get("status", "").startswith("200")
            and "set-cookie" not in names
            and "no-store" not in control
            and "private" not in control
        ):
            self.store.set(key, _pack(seen["status"], headers, body), self.seconds)
        return [body]


# --- marking what may be kept -------------------------------------------------------------------


def skip() -> None:
    """Never keep this response (a view whose page depends on more than its address)."""
    if has_request_context():
        request.environ.pop(_CANDIDATE, None)


def _mark(response: Response) -> Response:
    """After the view: may this response be kept for every anonymous visitor?"""
    environ = request.environ
    if (
        _CANDIDATE in environ
        and response.status_code == 200
        and response.mimetype == "text/html"
        and not response.is_streamed
        and not response.direct_passthrough
        and not set(session) - SAFE_SESSION_KEYS
        and current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token") not in g
    ):
        environ[_KEEP] = True
    return response


# --- figures kept until the next write ----------------------------------------------------------


def generation() -> int | None:
    """The write generation (None without a page cache, or while its store does not answer),
    asked once per request."""
    store = current_app.extensions.get("page_cache")
    if store is None:
        return None
    if has_request_context():
        return request_cache.pure_memo(("page_cache.generation",), store.generation)
    return store.generation()


def remembered(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, kept in this process until the next committed write (the generation) or
    ``PAGE_CACHE_SECONDS``, whichever comes first.

    For figures that every page view of a logged-in person would otherwise aggregate again (a
    process's answer-promise record counts every proposal with a deadline). Kept only by reading
    requests: a request that writes may ask after its change, before its commit moved the
    generation. Without a page cache, outside requests and in writing requests: computed each time.
    """
    if not has_request_context() or request.method not in READING:
        return compute()
    now = generation()
    if now is None:
        return compute()
    store = current_app.extensions["page_cache"]
    found, value = store.values.get((now, key))
    if not found:
        value = compute()
        store.values.set((now, key), value, current_app.config["PAGE_CACHE_SECONDS"])
    return value


# --- the generation -----------------------------------------------------------------------------


def _table(context) -> str | None:
    compiled = getattr(context, "compiled", None)
    table = getattr(getattr(compiled, "statement", None), "table", None)
    return getattr(table, "name", None)


def _watch(engine: Engine, bump: Callable[[], None]) -> None:
    """Raise the generation after each committed transaction that changed a row."""

    @event.listens_for(engine, "after_cursor_execute")
    def _wrote(conn, cursor, statement, _parameters, context, _executemany) -> None:
        compiled_dml = context is not None and (
            context.isinsert or context.isupdate or context.isdelete  # also behind a WITH
        )
        if not (compiled_dml or _DML.match(statement)):
            return
        # SQLite counts the rows of a change with RETURNING only once they are read, after this
        # event: there such a change counts as a write whatever its count says so far.
        uncounted = conn.dialect.name == "sqlite" and cursor.description is not None
        if (cursor.rowcount == 0 and not uncounted) or _table(context) in PRIVATE_TABLES:
            return
        conn.info[_WROTE] = True

    @event.listens_for(engine, "commit")
    def _commit(conn) -> None:
        if conn.info.pop(_WROTE, False):
            conn.info[_COMMITTED] = True

    @event.listens_for(engine, "rollback")
    def _rollback(conn) -> None:
        conn.info.pop(_WROTE, None)

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection, record) -> None:
        record.info.pop(_WROTE, None)
        if record.info.pop(_COMMITTED, False):
            bump()


def init_page_cache(app: Flask) -> None:
    """Install the cache when ``PAGE_CACHE_URL`` names a store; call after the session setup and
    before proxy handling wraps ``app.wsgi_app``."""
    from app.extensions import db

    store = store_for(app.config.get("PAGE_CACHE_URL"))
    app.extensions["page_cache"] = store
    if store is None:
        return
    with app.app_context():
        _watch(db.engine, store.bump)
    app.after_request(_mark)
    app.wsgi_app = PageCacheMiddleware(
        app, app.wsgi_app, store, float(app.config.get("PAGE_CACHE_SECONDS", 30))
    )
