"""`make run` serves on the port it is given, and mail links follow it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize(("args", "port"), [((), "5000"), (("PORT=8123",), "8123")])
def test_make_run_serves_on_port(args, port):
    recipe = subprocess.run(
        ["make", "-n", "-W", "requirements.txt", "run", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"run --host 127.0.0.1 --port {port}" in recipe
    assert f"http://127.0.0.1:{port}" in recipe  # PUBLIC_URL, unless set
