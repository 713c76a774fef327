"""Keys for Flask-Limiter (per client IP, per account named in a form, per logged-in account) and
the per-account throttles on every act of participation (``write_limited``)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from functools import cache, wraps
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Response,
    current_app,
    flash,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_babel import ngettext
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import (
    MemoryStorage,
    RedisClusterStorage,
    RedisStorage,
    Storage,
    storage_from_string,
)
from limits.strategies import FixedWindowRateLimiter

from app.core.sanitize import clean_plain
from app.core.urls import safe_next


def client_ip() -> str:
    """The client address as seen after ``ProxyFix`` (configured by ``TRUST_PROXY_HOPS``)."""
    return request.remote_addr or "unknown"


def account_key() -> str:
    """Rate-limit key for the account a login, registration or reset form names.

    Requests without an e-mail share one bucket per IP so that the limit cannot be dodged by leaving
    the field empty. The address is normalised exactly as the forms and services do (``clean_plain``
    drops control characters); otherwise a control character typed into the address would open a
    fresh bucket for the same account.
    """
    email = clean_plain(request.form.get("email")).lower()
    return f"account:{email}" if email else f"account-ip:{client_ip()}"


def signed_in_key() -> str:
    """Rate-limit key for the logged-in account, whatever the form says (e.g. current-password checks).

    The account's id alone: Flask-Login's ``get_id()`` carries the session version, which every
    logout moves, so logging out and in again would start a fresh allowance."""
    from flask_login import current_user

    return f"user:{current_user.id}" if current_user.is_authenticated else client_ip()


# --- throttles on participation ---------------------------------------------------------------

WRITE_ACTIONS = ("proposal", "comment", "reaction", "support", "report", "survey_answer")
log = logging.getLogger("trialog.ratelimit")

# limits' ``incr_expire`` for several fixed windows in one round trip: each key is counted up (and
# given its expiry when new) in turn until one is over its amount, whose position comes back (0:
# none). The windows after a full one are not counted, as Flask-Limiter does on a first breach.
HIT_WINDOWS = """
for i, key in ipairs(KEYS) do
  local current = redis.call("incrby", key, 1)
  if current == 1 then
    redis.call("expire", key, ARGV[2 * i - 1])
  end
  if current > tonumber(ARGV[2 * i]) then
    return i
  end
end
return 0
"""


@cache
def _windows(value: str) -> tuple[RateLimitItem, ...]:
    """``"30 per minute;500 per day"`` as limits' items, shortest window first (parsed once)."""
    return tuple(sorted(parse_many(value)))


class WriteThrottle:
    """The counting behind ``write_limited``: fixed windows of ``limits`` (the library under
    Flask-Limiter, with the same keys in the same store), without Flask-Limiter's per-request
    machinery, which cost every request two hooks and a write about 0.3 ms of resolving which
    limits apply. All windows of a write are counted in one round trip to Redis
    (``HIT_WINDOWS``), not one each. While the store does not answer, each worker counts in its own
    memory and asks the store again after ``RETRY_SECONDS`` (as Flask-Limiter's in-memory
    fallback does); a write never fails because of the store.
    """

    RETRY_SECONDS = 30.0

    def __init__(self) -> None:
        self.enabled = True
        self._storage: Storage = MemoryStorage()
        self._fallback = FixedWindowRateLimiter(MemoryStorage())
        self._script = None
        self._down_until = 0.0
        self._lock = threading.Lock()

    def init_app(self, app) -> None:
        self.enabled = app.config.get("RATELIMIT_ENABLED", True)
        self._storage = storage_from_string(
            app.config.get("RATELIMIT_STORAGE_URI", "memory://"),
            **app.config.get("RATELIMIT_STORAGE_OPTIONS", {}),
        )
        self._fallback = FixedWindowRateLimiter(MemoryStorage())
        # A cluster refuses a script whose keys live in different slots (the windows' keys do).
        self._script = (
            self._storage.get_connection().register_script(HIT_WINDOWS)
            if isinstance(self._storage, RedisStorage)
            and not isinstance(self._storage, RedisClusterStorage)
            else None
        )
        self._down_until = 0.0
        app.extensions["write_throttle"] = self

    @property
    def storage(self) -> Storage:
        return self._storage

    def _strategy(self) -> FixedWindowRateLimiter:
        if self._down_until > time.monotonic():
            return self._fallback
        return FixedWindowRateLimiter(self._storage)

    def hit(self, windows: Sequence[RateLimitItem], *identifiers: str) -> RateLimitItem | None:
        """Count one write in every window (shortest first, up to the first that is full);
        the window this write does not fit in, or None."""
        if self._down_until <= time.monotonic():
            try:
                return self._hit_store(windows, identifiers)
            except (StorageError, *_base_exceptions(self._storage)) as exc:
                with self._lock:
                    self._down_until = time.monotonic() + self.RETRY_SECONDS
                log.warning(
                    "write throttles: the store is unavailable (%s); counting in memory", exc
                )
        return _hit_each(self._fallback, windows, identifiers)

    def _hit_store(self, windows, identifiers) -> RateLimitItem | None:
        if self._script is None:
            return _hit_each(FixedWindowRateLimiter(self._storage), windows, identifiers)
        keys = [self._storage.prefixed_key(item.key_for(*identifiers)) for item in windows]
        args = [value for item in windows for value in (item.get_expiry(), item.amount)]
        full = int(self._script(keys, args))
        return windows[full - 1] if full else None

    def retry_after(self, window: RateLimitItem, *identifiers: str) -> int:
        """Seconds until ``window`` has room again (at least 1)."""
        try:
            reset = self._strategy().get_window_stats(window, *identifiers).reset_time
        except (StorageError, *_base_exceptions(self._storage)):
            reset = time.time() + window.get_expiry()
        return max(1, int(reset - time.time()))

    def reset(self) -> None:
        """Forget every count (tests)."""
        self._down_until = 0.0
        self._fallback = FixedWindowRateLimiter(MemoryStorage())
        try:
            self._storage.reset()
        except (StorageError, NotImplementedError, *_base_exceptions(self._storage)):
            pass


def _base_exceptions(storage: Storage) -> tuple[type[Exception], ...]:
    found = storage.base_exceptions
    return found if isinstance(found, tuple) else (found,)


def _hit_each(strategy, windows, identifiers) -> RateLimitItem | None:
    for item in windows:
        if not strategy.hit(item, *identifiers):
            return item
    return None


def _back() -> str:
    """Where the person came from, if that was a page of this site; else the start page."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        local = referrer.path + (f"?{referrer.query}" if referrer.query else "")
        return safe_next(local, url_for("site.home"))
    return url_for("site.home")


def write_limited(action: str, keep: Callable[..., Any] | None = None) -> Callable:
    """Throttle POSTs of one act of participation per account (``WRITE_RATE_LIMITS[action]``).

    All routes of one action share the bucket (support and unsupport, new comment and reply). The
    key is the logged-in account, so rotating addresses does not help; anonymous posts fall back to
    the client IP (they are refused by the views anyway).

    ``keep`` renders the form again with what was sent, when a limit is reached: it is called with
    the route's arguments and returns a page, which goes out with status 429, a German message
    and ``Retry-After``, so nothing typed is lost. Without ``keep`` (button actions) a 429 page
    with a link back to where the person came from answers. These limits are counted by
    ``write_limiter`` (a ``WriteThrottle``), which sends no ``X-RateLimit-*`` headers.
    """
    from app.extensions import write_limiter  # the extension imports this module for its keys

    if action not in WRITE_ACTIONS:
        raise ValueError(f"unknown participation action {action!r}")
    scope = f"write-{action}"

    def on_breach(seconds: int) -> Response:
        if keep is not None:
            flash(
                ngettext(
                    "You have done this very often in a short time. Please wait %(num)d second "
                    "and send it again; what you entered is kept below.",
                    "You have done this very often in a short time. Please wait %(num)d seconds "
                    "and send it again; what you entered is kept below.",
                    seconds,
                ),
                "error",
            )
            response = make_response(keep(**(request.view_args or {})))
        else:
            message = ngettext(
                "You have done this very often in a short time. Please wait %(num)d second and "
                "try again.",
                "You have done this very often in a short time. Please wait %(num)d seconds and "
                "try again.",
                seconds,
            )
            response = make_response(
                render_template(
                    "errors/rate_limited.html",
                    message=message,
                    back=_back(),
                )
            )
        response.status_code = 429
        response.headers["Retry-After"] = str(seconds)
        return response

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def limited(*args, **kwargs):
            if request.method == "POST" and write_limiter.enabled:
                windows = _windows(current_app.config["WRITE_RATE_LIMITS"][action])
                key = signed_in_key()
                full = write_limiter.hit(windows, key, scope)
                if full is not None:
                    log.info("write throttle %s (%s) reached: %s", full, key, scope)
                    return on_breach(write_limiter.retry_after(full, key, scope))
            return view(*args, **kwargs)

        return limited

    return decorate
