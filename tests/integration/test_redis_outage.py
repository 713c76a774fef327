"""Production keeps rate limits and kept pages in Redis; while Redis does not answer, pages are
rendered without the cache and limits are counted per worker: no request fails because of it.

Run in a separate process: the extensions (the limiter above all) are bound to one app per process.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import json
from app import create_app
app = create_app("production")
app.config["WTF_CSRF_ENABLED"] = False
client = app.test_client()
base = "https://beteiligung.example.de"
pages = [client.get("/lindenau/", base_url=base) for _ in range(2)]
form = {"email": "niemand@example.org", "password": "falsch-falsch"}
login = client.post("/login", data=form, base_url=base)
print(json.dumps({
    "cache": app.config["PAGE_CACHE_URL"],
    "pages": [p.status_code for p in pages],
    "hits": [p.headers.get("X-Page-Cache") for p in pages],
    "login": login.status_code,
}))
"""


def _dead_redis() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{sock.getsockname()[1]}/0"


def test_pages_and_logins_work_while_redis_is_down(app, make_municipality):
    make_municipality(xss=False, name="Lindenau", slug="lindenau")
    dead = _dead_redis()
    env = {
        **{k: v for k, v in os.environ.items() if k != "PAGE_CACHE_URL"},
        "SECRET_KEY": "a-production-secret",
        "DATABASE_URL": os.environ["TEST_DATABASE_URL"],
        "PUBLIC_URL": "https://beteiligung.example.de",
        "RATELIMIT_STORAGE_URI": dead,
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["cache"] == dead  # the rate limits' Redis keeps the pages too
    assert seen["pages"] == [200, 200]
    assert seen["hits"] == [None, None]
    assert seen["login"] == 422  # the form answers; no 500
