"""The extension objects, created unbound and initialised in ``create_app``."""

import select
import sqlite3

from flask_babel import Babel
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool

from app.core.ratelimit import WriteThrottle, client_ip
from app.core.security import LoginManager  # a remember cookie that ends on the server

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=client_ip)
# The per-account throttles on participation (``app.core.ratelimit.write_limited``), counted with
# ``limits`` in the same store but outside Flask-Limiter: no ``X-RateLimit-*`` headers (a throttled
# write answers with its own page and ``Retry-After``), no hooks on every request, and all windows
# of a write in one round trip.
write_limiter = WriteThrottle()


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection, _record) -> None:
    """SQLite ignores foreign keys unless asked, per connection."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


@event.listens_for(Pool, "checkout")
def _hung_up(dbapi_connection, _record, _proxy) -> None:
    """Replace a PostgreSQL connection the server has closed while it idled in the pool (a
    restart, ``pg_terminate_backend``, an idle timeout): the server's goodbye or the end of the
    stream has made its socket readable, where a healthy idle connection has nothing to read. The
    pool then connects anew (``DisconnectionError``). This costs no round trip, where
    ``pool_pre_ping`` sent a query at every checkout; other drivers keep ``pool_pre_ping``."""
    pgconn = getattr(dbapi_connection, "pgconn", None)  # psycopg 3
    if pgconn is None:
        return
    if dbapi_connection.closed:
        raise DisconnectionError("the connection is closed")
    poller = select.poll()
    poller.register(pgconn.socket, select.POLLIN)
    if poller.poll(0):
        raise DisconnectionError("the database server closed the connection")
