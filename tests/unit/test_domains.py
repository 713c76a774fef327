"""One way for a domain to plug in: ``init_app(app)`` in its package, listed once in ``DOMAINS``."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import app as app_package
from app import DOMAINS, create_app

APP_DIR = Path(app_package.__file__).parent
NOT_DOMAINS = {"core"}  # what every domain uses; it plugs in nothing of its own
# The tenant URL converter must exist before the first domain adds a rule that uses it.
FACTORY_MAY_IMPORT = {"app.municipalities.tenancy"}


def _packages() -> set[str]:
    return {
        f"app.{path.parent.name}"
        for path in APP_DIR.glob("*/__init__.py")
        if path.parent.name not in NOT_DOMAINS
    }


def test_every_domain_package_is_listed_once():
    assert len(DOMAINS) == len(set(DOMAINS))
    assert _packages() - set(DOMAINS) == set(), "add the new package to app.DOMAINS"


def test_every_listed_domain_plugs_in_through_init_app():
    for name in DOMAINS:
        init = getattr(importlib.import_module(name), "init_app", None)
        assert callable(init), f"{name} has no init_app(app)"
        assert list(inspect.signature(init).parameters) == ["app"], name


def test_the_factory_imports_no_domain():
    """A new domain touches no existing module: the factory only loops over ``DOMAINS``."""
    tree = ast.parse(inspect.getsource(create_app))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    } | {
        f"app.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "app"
        for alias in node.names
    }
    domains = {
        name
        for name in imported
        if name.split(".")[:2] and ".".join(name.split(".")[:2]) in DOMAINS
    }
    assert domains - FACTORY_MAY_IMPORT == set(), (
        f"the factory imports domains directly: {sorted(domains)}"
    )


def test_a_new_domain_plugs_in_with_one_entry(monkeypatch):
    """A package with ``init_app`` added to ``DOMAINS`` is called with the app being built."""
    import sys
    import types

    from flask import Blueprint

    called = []
    fake = types.ModuleType("app.fake_domain")

    def init_app(app):
        called.append(app)
        bp = Blueprint("fake_domain", __name__)
        bp.add_url_rule("/fake-domain", "index", lambda: "fake")
        app.register_blueprint(bp)

    fake.init_app = init_app
    monkeypatch.setitem(sys.modules, "app.fake_domain", fake)
    monkeypatch.setattr(app_package, "DOMAINS", (*DOMAINS, "app.fake_domain"))
    built = create_app("testing")
    assert called == [built]
    assert "fake_domain.index" in built.view_functions


def test_demo_seeders_run_in_their_order(app):
    from app.demo import DEMO_SEEDERS

    names = [seeder.__module__ for seeder in DEMO_SEEDERS]
    assert names.index("app.processes.demo") < names.index("app.proposals.demo")
    assert names.index("app.proposals.demo") < names.index("app.comments.demo")
    assert names.index("app.comments.demo") < names.index("app.moderation.demo")
    assert names[-1] == "app.notifications.demo"
