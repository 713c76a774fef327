"""Configuration classes, chosen by name in ``create_app``.

Production reads everything secret from the environment and refuses to start without it; there are
no fallback secrets anywhere.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


class ConfigurationError(RuntimeError):
    """A setting the chosen configuration needs is missing."""


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgres://`` and ``postgresql://`` URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _dev_secret_key() -> str:
    """A random key kept in ``instance/`` so that development sessions survive a restart."""
    INSTANCE_DIR.mkdir(exist_ok=True)
    key_file = INSTANCE_DIR / "dev-secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def trusted_hosts(public_url: str, extra: str) -> list[str]:
    """The host of ``PUBLIC_URL`` plus any comma-separated extras (say, an internal health-check
    name); a request naming another host, directly or through ``X-Forwarded-Host``, gets 400."""
    host = urlsplit(public_url).hostname
    if not host:
        raise ConfigurationError(f"PUBLIC_URL {public_url!r} is not an absolute URL.")
    return [host, *(name.strip() for name in extra.split(",") if name.strip())]


def forwarded_allow_ips(
    value: str,
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] | None:
    """The peers whose ``X-Forwarded-*`` headers count (``app/core/proxy.py``): the addresses and
    CIDR networks of a comma-separated list, as gunicorn's ``forwarded_allow_ips`` reads the same
    variable; None for ``*`` (every peer)."""
    entries = [entry.strip() for entry in value.split(",") if entry.strip()]
    if "*" in entries:
        return None
    try:
        return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)
    except ValueError as exc:
        raise ConfigurationError(f"FORWARDED_ALLOW_IPS: {exc}; refusing to start.") from None


def engine_options(
    url: str, *, connect_timeout: int, statement_timeout: int, pool_timeout: int
) -> dict:
    """SQLAlchemy engine options with the timeouts the database driver understands.

    PostgreSQL (psycopg): ``connect_timeout`` bounds the whole connection set-up (libpq honours no
    less than 2 s), ``statement_timeout`` is enforced by the server and ``pool_timeout`` bounds the
    wait for a free pooled connection. SQLite: ``timeout`` is how long a statement waits for a
    lock. Connections that died while the database was away are replaced before use: psycopg's by
    asking their socket whether the server hung up (``app.extensions``; no round trip), others by
    ``pool_pre_ping`` (a query at every checkout).
    """
    options: dict = {"pool_pre_ping": not url.startswith("postgresql+psycopg://")}
    if url.startswith("postgresql"):
        connect_args: dict = {}
        if connect_timeout:
            connect_args["connect_timeout"] = connect_timeout
        if statement_timeout:
            connect_args["options"] = f"-c statement_timeout={statement_timeout * 1000}"
        options["connect_args"] = connect_args
        if pool_timeout:
            options["pool_timeout"] = pool_timeout
    elif url.startswith("sqlite") and statement_timeout:
        options["connect_args"] = {"timeout": statement_timeout}
    return options


def shared_limit_store(uri: str, allow_memory: str) -> str:
    """The rate-limit store production runs with: a shared one (Redis), or memory when allowed.

    Counters in memory live in each gunicorn worker, so with 8 workers a limit of 5 lets through
    about 40: production refuses to start that way unless ``RATELIMIT_ALLOW_MEMORY=1`` says it is
    meant (one worker, a test installation), and then logs a warning at every start.
    """
    uri = uri.strip()
    if uri and not uri.startswith("memory://"):
        return uri
    if allow_memory.strip().lower() in {"1", "true", "yes"}:
        logging.getLogger("trialog.config").warning(
            "RATELIMIT_ALLOW_MEMORY=1: rate limits are counted in each worker's memory and do "
            "not hold across workers or restarts; set RATELIMIT_STORAGE_URI=redis://... instead."
        )
        return "memory://"
    raise ConfigurationError(
        "Production needs RATELIMIT_STORAGE_URI pointing at a shared store such as "
        "redis://127.0.0.1:6379/0 (limits counted in each worker's memory do not hold); set "
        "RATELIMIT_ALLOW_MEMORY=1 to run with per-worker limits anyway. Refusing to start."
    )


def production_page_cache(url: str, limit_store: str) -> str:
    """Production's page cache: as configured, else the rate limits' Redis, else off (pages kept
    in each worker's memory would not see the other workers' writes)."""
    url = url.strip()
    if url:
        if url.startswith("memory://"):
            raise ConfigurationError(
                "PAGE_CACHE_URL=memory:// keeps pages per worker, where other workers' writes do not "
                "reach them; use redis://... or off. Refusing to start."
            )
        return url
    return limit_store if limit_store.startswith(("redis://", "rediss://")) else "off"


class Config:
    SITE_NAME = "Trialog"
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None
    # Seconds. A database that accepts connections but never answers must not hold request threads:
    # connecting, waiting for a pooled connection and each statement are bounded; 0 switches one off.
    DB_CONNECT_TIMEOUT = int(os.environ.get("DB_CONNECT_TIMEOUT", "5"))
    DB_STATEMENT_TIMEOUT = int(os.environ.get("DB_STATEMENT_TIMEOUT", "15"))
    DB_POOL_TIMEOUT = int(os.environ.get("DB_POOL_TIMEOUT", "10"))

    @property
    def SQLALCHEMY_ENGINE_OPTIONS(self) -> dict:  # from_object reads properties too
        return engine_options(
            self.SQLALCHEMY_DATABASE_URI or "",
            connect_timeout=self.DB_CONNECT_TIMEOUT,
            statement_timeout=self.DB_STATEMENT_TIMEOUT,
            pool_timeout=self.DB_POOL_TIMEOUT,
        )

    WTF_CSRF_TIME_LIMIT = (
        None  # tokens live as long as the session; forms left open overnight still post
    )
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    # Seconds. A login without a request for SESSION_IDLE_TIMEOUT ends (checked on the server). With
    # "stay logged in" the session cookie lasts that long, renewed on use, and the remember cookie
    # that long from the login; without it the session cookie ends with the browser. However
    # active, a login ends SESSION_MAX_AGE after the password was given.
    SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", str(60 * 60 * 24 * 14)))
    SESSION_MAX_AGE = int(os.environ.get("SESSION_MAX_AGE", str(60 * 60 * 24 * 30)))
    PERMANENT_SESSION_LIFETIME = SESSION_IDLE_TIMEOUT
    REMEMBER_COOKIE_DURATION = SESSION_IDLE_TIMEOUT
    BABEL_DEFAULT_LOCALE = "de"
    BABEL_DEFAULT_TIMEZONE = "Europe/Berlin"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = {"de": "Deutsch", "en": "English"}
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # While the shared store does not answer, limits are counted in each worker's memory instead
    # of failing the request: a Redis outage must not take logins and participation down with it.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # Per-account throttles on every act of participation (``app.core.ratelimit.write_limited``),
    # in Flask-Limiter's notation; ``RATE_LIMIT_<ACTION>`` overrides one, e.g. RATE_LIMIT_COMMENT.
    WRITE_RATE_LIMITS = {
        action: os.environ.get(f"RATE_LIMIT_{action.upper()}", default)
        for action, default in {
            "proposal": "5 per minute;30 per day",
            "comment": "10 per minute;200 per day",
            "reaction": "60 per minute;1000 per day",
            "support": "30 per minute;500 per day",
            "report": "10 per minute;100 per day",
            "survey_answer": "10 per minute;100 per day",
        }.items()
    }
    AUTH_RATE_LIMIT_PER_IP = "20 per minute;200 per hour"
    AUTH_RATE_LIMIT_PER_ACCOUNT = "5 per minute;30 per hour"
    EMAIL_TOKEN_MAX_AGE = 60 * 60 * 48
    PASSWORD_RESET_MAX_AGE = 60 * 60
    INVITATION_MAX_AGE = 60 * 60 * 24 * 14
    PASSWORD_MIN_LENGTH = 10
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105  Werkzeug's default cost: n=2**15, r=8, p=1
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "").lower() in {"1", "true", "yes"}
    MAIL_DEFAULT_SENDER = os.environ.get(
        "MAIL_DEFAULT_SENDER", "Trialog <no-reply@trialog.example>"
    )
    MAIL_OUTBOX_DIR = str(INSTANCE_DIR / "outbox")
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", "10"))  # seconds, in the scheduler only
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "12"))  # about 8 hours of retries
    PER_PAGE = 20
    # Whole pages for anonymous visitors (app/core/page_cache.py): "off", "memory://" (one process
    # only) or "redis://…" (shared by every worker; production defaults to the rate limits' Redis).
    # A kept page is dropped by the next write, and after PAGE_CACHE_SECONDS at the latest.
    PAGE_CACHE_URL = os.environ.get("PAGE_CACHE_URL", "off")
    PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "30"))
    # Breakdowns by trialog group (survey results, exports, reports) hide groups with fewer people.
    MIN_GROUP_SIZE = int(os.environ.get("MIN_GROUP_SIZE", "5"))
    # The report's participation figures (app/outcomes/kept.py): a count that took at least
    # REPORT_FIGURES_SLOW_SECONDS is reused up to REPORT_FIGURES_MAX_AGE seconds after writes.
    REPORT_FIGURES_SLOW_SECONDS = float(os.environ.get("REPORT_FIGURES_SLOW_SECONDS", "0.5"))
    REPORT_FIGURES_MAX_AGE = int(os.environ.get("REPORT_FIGURES_MAX_AGE", "300"))
    # The one base address every link in a mail is built from; never the request's Host header.
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")
    # Hosts a request may name (Flask refuses others with 400); None accepts any (development).
    TRUSTED_HOSTS: list[str] | None = None
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    # Documents (app/documents): "local" keeps them in UPLOAD_DIR/documents; "s3" in a bucket shared
    # by every app server (needs boto3; credentials from the usual AWS environment variables).
    DOCUMENT_STORE = os.environ.get("DOCUMENT_STORE", "local")
    DOCUMENT_S3_BUCKET = os.environ.get("DOCUMENT_S3_BUCKET", "")
    DOCUMENT_S3_ENDPOINT_URL = os.environ.get("DOCUMENT_S3_ENDPOINT_URL") or None
    DOCUMENT_S3_REGION = os.environ.get("DOCUMENT_S3_REGION") or None
    DOCUMENT_MAX_BYTES = int(os.environ.get("DOCUMENT_MAX_MB", "20")) * 1_000_000
    # Behind a reverse proxy: how many proxies' X-Forwarded-For/-Proto/-Host to read (right-most
    # first), and from which peers (FORWARDED_ALLOW_IPS, as gunicorn reads it; other peers' headers
    # are dropped, so a client reaching gunicorn directly cannot name its own address).
    TRUST_PROXY_HOPS = int(os.environ.get("TRUST_PROXY_HOPS", "0"))

    @property
    def FORWARDED_ALLOW_IPS(self):  # from_object reads properties too
        return forwarded_allow_ips(os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"))

    # Map tiles for proposal locations, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png (mind
    # the tile server's usage policy). Empty: no map; locations are entered as coordinates.
    MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
    MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "© OpenStreetMap contributors")
    # Privacy (app/privacy): how long a data export can be downloaded; accounts with up to this many
    # contributions get theirs at once, larger ones from the scheduler.
    DATA_EXPORT_VALID_HOURS = int(os.environ.get("DATA_EXPORT_VALID_HOURS", "48"))
    DATA_EXPORT_INLINE_LIMIT = int(os.environ.get("DATA_EXPORT_INLINE_LIMIT", "200"))
    # Retention, in days: unconfirmed accounts, stored IP addresses, delivered or failed mails
    # (their links are personal), notifications.
    RETENTION_UNVERIFIED_DAYS = int(os.environ.get("RETENTION_UNVERIFIED_DAYS", "7"))
    RETENTION_IP_DAYS = int(os.environ.get("RETENTION_IP_DAYS", "7"))
    RETENTION_MAIL_DAYS = int(os.environ.get("RETENTION_MAIL_DAYS", "7"))
    RETENTION_NOTIFICATION_DAYS = int(os.environ.get("RETENTION_NOTIFICATION_DAYS", "90"))
    # The platform operator, filled into the legal pages' templates (each municipality edits its own).
    OPERATOR_NAME = os.environ.get("OPERATOR_NAME", "Trialog-Demobetrieb")
    OPERATOR_ADDRESS = os.environ.get("OPERATOR_ADDRESS", "Musterweg 1, 79999 Musterstadt")
    OPERATOR_EMAIL = os.environ.get("OPERATOR_EMAIL", "kontakt@trialog.example")
    DPO_CONTACT = os.environ.get("DPO_CONTACT", "datenschutz@trialog.example")
    # Residency letter codes: how long a printed code stays valid; redemption attempts per account.
    RESIDENCY_CODE_VALID_DAYS = int(os.environ.get("RESIDENCY_CODE_VALID_DAYS", "90"))
    RESIDENCY_REDEEM_LIMIT = "5 per 15 minutes;20 per day"


class DevelopmentConfig(Config):
    ENV_NAME = "development"

    def __init__(self) -> None:
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or _dev_secret_key()
        INSTANCE_DIR.mkdir(exist_ok=True)
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'trialog.db'}")
        )


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    WTF_CSRF_ENABLED = False  # tests that prove CSRF switch it back on
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # noqa: S105  still scrypt, at a cost that keeps the suite fast
    MAIL_SERVER = None
    RATELIMIT_STORAGE_URI = "memory://"
    # Tests that prove a throttle set small limits of their own; the others write freely.
    WRITE_RATE_LIMITS = {action: "1000 per minute" for action in Config.WRITE_RATE_LIMITS}

    def __init__(self) -> None:
        self.SECRET_KEY = secrets.token_urlsafe(32)
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            os.environ.get("TEST_DATABASE_URL", "sqlite://")
        )
        self.MAIL_OUTBOX_DIR = os.environ.get("TEST_OUTBOX_DIR", self.MAIL_OUTBOX_DIR)
        self.PAGE_CACHE_URL = os.environ.get("TEST_PAGE_CACHE_URL", "off")
        self.UPLOAD_DIR = tempfile.mkdtemp(prefix="trialog-uploads-")


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

    def __init__(self) -> None:
        required = ("SECRET_KEY", "DATABASE_URL", "PUBLIC_URL")
        missing = [name for name in required if not os.environ.get(name)]
        if missing:
            raise ConfigurationError(
                f"Production needs the environment variable(s) {', '.join(missing)}; refusing to start."
            )
        self.SECRET_KEY = os.environ["SECRET_KEY"]
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ["DATABASE_URL"])
        self.PUBLIC_URL = os.environ["PUBLIC_URL"].rstrip("/")
        self.TRUSTED_HOSTS = trusted_hosts(self.PUBLIC_URL, os.environ.get("TRUSTED_HOSTS", ""))
        self.RATELIMIT_STORAGE_URI = shared_limit_store(
            os.environ.get("RATELIMIT_STORAGE_URI", ""),
            os.environ.get("RATELIMIT_ALLOW_MEMORY", ""),
        )
        self.PAGE_CACHE_URL = production_page_cache(
            os.environ.get("PAGE_CACHE_URL", ""), self.RATELIMIT_STORAGE_URI
        )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None) -> Config:
    name = name or os.environ.get("TRIALOG_CONFIG", "development")
    try:
        return CONFIGS[name]()
    except KeyError:
        raise ConfigurationError(
            f"Unknown configuration {name!r}; use one of {', '.join(CONFIGS)}."
        ) from None
