"""Real-browser fixtures: the demo served by a real HTTP server, and Chromium driven by Playwright.

The browser tests get an app of their own: a separate SQLite file, the demo seeded once, CSRF on
(the browser submits real forms) and a werkzeug server thread on a free port of 127.0.0.1. The
``app`` fixture of ``tests/conftest.py`` and its per-test table wipe are not used here (see
``_clean_state`` below), so the demo data survives the whole session.

Chromium is Debian's ``/usr/bin/chromium``; Playwright never downloads a browser here. Every test
module marks itself ``e2e`` and skips when that binary is missing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from e2e_support import CHROMIUM, CHROMIUM_ARGS
from flask import Flask


@dataclass
class LiveServer:
    app: Flask
    url: str
    outbox: Path


@pytest.fixture(autouse=True)
def _clean_state() -> Iterator[None]:
    """Replace the root conftest's table wipe: the live demo database lives for the whole session.

    The root fixture would also instantiate the other ``app`` (and an SMTP server) for nothing.
    """
    yield


def _create_app(database: Path, outbox: Path) -> Flask:
    """``create_app("testing")`` pointed at our own database and outbox.

    ``TestingConfig`` reads both from the environment while ``create_app`` runs; the previous values
    go back afterwards, so the root ``app`` fixture of the same worker keeps its own database.
    """
    from app import create_app

    wanted = {"TEST_DATABASE_URL": f"sqlite:///{database}", "TEST_OUTBOX_DIR": str(outbox)}
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        application = create_app("testing")
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    application.config.update(
        WTF_CSRF_ENABLED=True,  # real forms, real tokens
        MAIL_SERVER=None,
        MAIL_OUTBOX_DIR=str(outbox),
        # Let the browser cache CSS and JS instead of revalidating them on each of ~500 page loads.
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    # Every journey and crawl comes from one IP and logs in through the form again and again; the
    # limits themselves are tested elsewhere. Raise every configured limit (AUTH_RATE_LIMIT_PER_IP,
    # AUTH_RATE_LIMIT_PER_ACCOUNT and whatever later features add under a *RATE_LIMIT* name).
    for name, value in list(application.config.items()):
        if "RATE_LIMIT" in name and isinstance(value, str) and " per " in value:
            application.config[name] = "10000 per minute"
    return application


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        """Log server errors only: hundreds of 200s would drown a failure's report."""

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            if str(code).startswith("5"):
                super().log_request(code, size)

    from app.demo import seed_demo
    from app.extensions import db

    workdir = Path(tempfile.mkdtemp(prefix="trialog-e2e-"))
    outbox = workdir / "outbox"
    application = _create_app(workdir / "e2e.db", outbox)
    with application.app_context():
        db.create_all()
        seed_demo()
        db.session.commit()

    server = make_server("127.0.0.1", 0, application, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(application, f"http://127.0.0.1:{server.server_port}", outbox)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser, live_server) -> Iterator[Callable]:
    """Make browser contexts (a fresh cookie jar each) bound to the live server; closed after."""
    contexts = []

    def make(*, javascript: bool = True, width: int = 1280, height: int = 900):
        context = browser.new_context(
            base_url=live_server.url,
            java_script_enabled=javascript,
            viewport={"width": width, "height": height},
            locale="de-DE",
        )
        context.set_default_timeout(30_000)  # generous: CI machines are busy
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
