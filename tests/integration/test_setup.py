"""Operations: migrations build the schema, the demo seeds idempotently, health reports honestly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.accounts.models import User
from app.extensions import db
from app.municipalities.models import Membership, Municipality

ROOT = Path(__file__).resolve().parents[2]


def _flask(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_migrations_build_the_schema_the_models_describe(empty_database):
    """`db upgrade` on an empty database, then `db check` finds no difference to the models.

    Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL points there.
    """
    url = empty_database
    env = {"DATABASE_URL": url, "TRIALOG_CONFIG": "development"}
    upgrade = _flask("db", "upgrade", env=env)
    assert upgrade.returncode == 0, upgrade.stderr
    check = _flask("db", "check", env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    downgrade = _flask("db", "downgrade", "base", env=env)
    assert downgrade.returncode == 0, downgrade.stderr
    again = _flask("db", "upgrade", env=env)  # nothing left behind that blocks a new upgrade
    assert again.returncode == 0, again.stderr


def test_seed_demo_is_idempotent_and_creates_every_login(app):
    from app.demo import DEMO_LOGINS, seed_demo

    with app.app_context():
        seed_demo()
        db.session.commit()
        seed_demo()
        db.session.commit()
        assert db.session.scalar(select(func.count(Municipality.id))) == 2
        assert db.session.scalar(select(func.count(User.id))) == len(DEMO_LOGINS)
        # the platform admin and the freelance facilitator belong to no municipality
        assert db.session.scalar(select(func.count(Membership.id))) == sum(
            1 for login in DEMO_LOGINS if login.municipality
        )
        slugs = set(db.session.scalars(select(Municipality.slug)))
        assert slugs == {"musterstadt", "beispielheim"}
        assert all(user.is_verified for user in db.session.scalars(select(User)))


@pytest.mark.parametrize(
    "email",
    ["admin@trialog.example", "buerger@musterstadt.example", "verwaltung@beispielheim.example"],
)
def test_demo_logins_work_with_the_published_password(app, client, email):
    from app.demo import seed_demo

    with app.app_context():
        seed_demo()
        db.session.commit()
    response = client.post("/login", data={"email": email, "password": "trialog-demo"})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200


def test_seed_demo_refuses_the_production_config(tmp_path):
    result = _flask(
        "seed-demo",
        env={
            "TRIALOG_CONFIG": "production",
            "SECRET_KEY": "x" * 40,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.db'}",
            "PUBLIC_URL": "https://beteiligung.example.de",
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",
        },
    )
    assert result.returncode != 0
    assert "refuses to run with the production configuration" in result.stderr


def test_healthz_answers_503_without_a_database(app, client, monkeypatch):
    from sqlalchemy.orm import Session

    def unreachable(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(Session, "execute", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"
