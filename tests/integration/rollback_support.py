"""Many tests against one world built once: each test's writes are rolled back afterwards.

The route matrix checks thousands of (route, role) cases against the same municipalities, people
and contributions. Building that world costs far more than one request, so it is built once per
test process; each case then runs inside a transaction on one connection, the requests' own
commits become savepoints inside it (``join_transaction_mode="create_savepoint"``), and the
transaction is rolled back when the case ends, leaving the world as it was for the next one.

Files cannot be rolled back, so the upload folder is copied once, when the world is complete, and
whatever a case deleted from it is put back afterwards.

SQLite needs one adjustment: pysqlite starts transactions on its own and would let the release of
the first savepoint commit; with its isolation level off and an explicit ``BEGIN``, savepoints nest
inside the case's transaction as they do on PostgreSQL.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from sqlalchemy import event

_FILES: dict[Path, Path] = {}  # upload folder -> its copy, taken when the first case starts


def _restore_files(folder: Path) -> None:
    """Put back every file of the folder's copy that a case deleted."""
    copy = _FILES.get(folder)
    if copy is None:
        copy = _FILES[folder] = Path(tempfile.mkdtemp(prefix="trialog-uploads-copy-")) / "files"
        if folder.exists():
            shutil.copytree(folder, copy)
        else:
            copy.mkdir(parents=True)
        return
    for source in copy.rglob("*"):
        target = folder / source.relative_to(copy)
        if source.is_file() and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def forget_files() -> None:
    """Drop the copies (the world they belonged to is gone)."""
    for copy in _FILES.values():
        shutil.rmtree(copy.parent, ignore_errors=True)
    _FILES.clear()


@contextmanager
def rolled_back(app: Flask) -> Iterator[None]:
    """Everything the app writes inside the block is undone when it ends."""
    from flask_sqlalchemy.session import Session

    from app.extensions import db

    uploads = Path(app.config["UPLOAD_DIR"])
    _restore_files(uploads)  # the first time: the copy to restore from
    with app.app_context():
        engine = db.engine
    connection = engine.connect()
    sqlite = connection.dialect.name == "sqlite"
    dbapi_connection = connection.connection.dbapi_connection

    def begin(conn) -> None:
        conn.exec_driver_sql("BEGIN")

    if sqlite:
        saved_isolation = dbapi_connection.isolation_level
        dbapi_connection.isolation_level = None
        event.listen(connection, "begin", begin)
    outer = connection.begin()
    options = db.session.session_factory.kw
    saved_mode = options.get("join_transaction_mode")
    options["join_transaction_mode"] = "create_savepoint"
    saved_get_bind = Session.get_bind
    Session.get_bind = lambda self, *args, **kwargs: connection
    try:
        yield
    finally:
        Session.get_bind = saved_get_bind
        if saved_mode is None:
            options.pop("join_transaction_mode", None)
        else:
            options["join_transaction_mode"] = saved_mode
        with app.app_context():
            db.session.remove()
        outer.rollback()
        if sqlite:
            event.remove(connection, "begin", begin)
            dbapi_connection.isolation_level = saved_isolation
        connection.close()
        _restore_files(uploads)


def wipe(app: Flask) -> None:
    """Delete every row, as the per-test cleanup of ``tests/conftest.py`` does."""
    from app.extensions import db

    forget_files()
    with app.app_context():
        db.session.remove()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
