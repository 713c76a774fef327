"""The audit log speaks German: every action and field the code records has a label, moments are
shown in local time, and moderators read the log of their moderation decisions."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import app as app_package
from app.core.roles import Role

APP = Path(app_package.__file__).parent


def _recorded() -> tuple[set[str], set[str]]:
    """Actions and before/after keys of every ``audit.record(...)`` call in the code."""
    actions: set[str] = set()
    keys: set[str] = set()
    for path in APP.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        if "audit" not in source:
            continue
        tree = ast.parse(source)
        state_functions = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "record":
                for kw in node.keywords:
                    if kw.arg == "action":
                        actions |= {
                            n.value
                            for n in ast.walk(kw.value)
                            if isinstance(n, ast.Constant) and isinstance(n.value, str)
                        }
                    if kw.arg in ("before", "after") and isinstance(kw.value, ast.Dict):
                        keys |= {k.value for k in kw.value.keys if isinstance(k, ast.Constant)}
                    if kw.arg in ("before", "after") and isinstance(kw.value, ast.Call):
                        func = kw.value.func
                        state_functions.add(getattr(func, "id", getattr(func, "attr", "")))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name in state_functions:
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Dict):
                        keys |= {
                            k.value
                            for k in sub.keys
                            if isinstance(k, ast.Constant) and isinstance(k.value, str)
                        }
    return {a for a in actions if re.fullmatch(r"[a-z_]+\.[a-z_]+", a)}, keys


def test_every_recorded_action_and_field_has_a_label(app):
    from app.core import audit

    actions, keys = _recorded()
    assert actions, "the scan found no audit.record calls"
    assert sorted(actions - audit.labelled_actions()) == []
    with app.test_request_context():
        assert sorted(key for key in keys if audit.field_label(key) == key) == []


def test_values_are_shown_in_local_time_and_words(app):
    from flask_babel import force_locale

    from app.core.audit import value_text

    with app.test_request_context(), force_locale("de"):
        assert value_text("2026-07-01T08:00:00+00:00") == "01.07.2026, 10:00"
        assert value_text("2026-07-01") == "01.07.2026"
        assert value_text(True) == "ja" and value_text(None) == "\u2013"
        assert value_text(["proposals", "surveys"]) == "proposals, surveys"


def test_the_log_page_shows_labels_not_keys(client, login, make_municipality, make_member, app):
    from app.core import audit
    from app.extensions import db

    town = make_municipality(xss=False)
    admin = make_member(town, Role.ADMIN)
    with app.app_context():
        audit.record(
            actor_id=admin.id,
            action="phase.create",
            object_type="phase",
            object_id=7,
            municipality_id=town.id,
            after={"kind": "participation", "starts_at": "2026-07-01T08:00:00+00:00"},
        )
        db.session.commit()
    login(client, admin)
    page = client.get(f"/{town.slug}/admin/audit").get_data(as_text=True)
    assert ">phase.create<" not in page and "starts_at" not in page
    assert "Beginn" in page and "01.07.2026, 10:00" in page and "Phase #7" in page


def test_moderators_read_the_moderation_entries_only(
    client, login, make_municipality, make_member, app
):
    from app.core import audit
    from app.extensions import db

    town = make_municipality(xss=False)
    moderator = make_member(town, Role.MODERATOR)
    with app.app_context():
        for action, object_type in (
            ("moderation.hide", "contribution"),
            ("process.update", "process"),
        ):
            audit.record(
                actor_id=moderator.id,
                action=action,
                object_type=object_type,
                object_id=1,
                municipality_id=town.id,
                after={"title": f"Eintrag {action}"},
            )
        db.session.commit()
    login(client, make_member(town, Role.CITIZEN))
    assert client.get(f"/{town.slug}/admin/audit").status_code == 403
    login(client, moderator)
    response = client.get(f"/{town.slug}/admin/audit")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Eintrag moderation.hide" in page and "Eintrag process.update" not in page
    assert f'href="/{town.slug}/admin/audit"' in client.get(
        f"/{town.slug}/admin/moderation/"
    ).get_data(as_text=True)
