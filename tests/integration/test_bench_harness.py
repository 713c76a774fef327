"""``make bench-quick``'s runner completes and writes its results (no timing is asserted)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.postgres


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql") or not shutil.which("wrk"),
    reason="needs PostgreSQL (TEST_DATABASE_URL) and wrk",
)
def test_bench_quick_runs_and_writes_results(tmp_path):
    import psycopg

    url = os.environ["TEST_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    base = url.rsplit("/", 1)[0]
    name = f"trialog_bench_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}".replace("-", "_")
    out = tmp_path / "results.md"
    try:
        completed = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--duration", "1",
             "--only", "newest", "--workers", "1", "--database-url", f"{base}/{name}",
             "--out", str(out)],
            cwd=ROOT, capture_output=True, text=True, timeout=170, check=False,
        )  # fmt: skip
        assert completed.returncode == 0, completed.stderr[-3000:]
        data = json.loads(out.with_suffix(".json").read_text())
        names = [r["name"] for r in data["results"]]
        assert names == ["bare endpoint (ceiling)", "list, newest"]
        listing = data["results"][1]
        assert listing["status"] == 200
        assert listing["requests"] > 0
        assert listing["sql_queries"] > 0
        assert listing["worker_peak_mb"]
        assert data["targets"]
        assert "| list, newest |" in out.read_text()
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
