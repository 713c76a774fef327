"""The production app as the benchmark serves it: ``gunicorn -c gunicorn.conf.py benchapp:application``.

Two additions, both here and never in the production entry point:

- ``/__bare``: a bare WSGI endpoint served by the same gunicorn workers, the ceiling every page is
  compared with (what the server, the network stack and the load tool cost by themselves);
- an ``X-SQL-Queries`` response header: the number of SQL statements the request ran, counted by a
  SQLAlchemy event listener per request.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from app.extensions import db

app = create_app("production")

with app.app_context():
    engine = db.engine

# Statements per request: gunicorn serves each request on one thread from start to end, and a page
# served from the page cache never reaches Flask (so it counts 0, truthfully).
_counter = threading.local()


@event.listens_for(engine, "before_cursor_execute")
def _count(*_args) -> None:
    _counter.queries = getattr(_counter, "queries", 0) + 1


BARE_BODY = b"ok\n"


def application(environ, start_response):
    if environ.get("PATH_INFO") == "/__bare":
        start_response(
            "200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(BARE_BODY)))]
        )
        return [BARE_BODY]
    _counter.queries = 0

    def counted(status, headers, exc_info=None):
        headers.append(("X-SQL-Queries", str(_counter.queries)))
        return start_response(status, headers, exc_info)

    return app(environ, counted)
