"""A constraint conflict a service expects undoes that service's own rows only (a savepoint),
never what the same request did before it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import func, select

import app as app_package
from app.extensions import db


def test_a_lost_follow_race_keeps_the_requests_earlier_work(
    ctx, make_municipality, make_user, make_process, monkeypatch
):
    from app.accounts.models import User
    from app.processes import services
    from app.processes.models import Process, ProcessFollow

    municipality = make_municipality()
    process = db.session.get(Process, make_process(municipality).id)
    user = db.session.get(User, make_user().id)
    services.follow(user, process)
    user.display_name = "Earlier work of this request"
    # The other request followed between our check and our insert.
    monkeypatch.setattr(services, "is_following", lambda *_: False)
    services.follow(user, process)
    db.session.flush()
    assert user.display_name == "Earlier work of this request"
    assert db.session.scalar(select(func.count()).select_from(ProcessFollow)) == 1


def test_a_slug_taken_meanwhile_keeps_the_requests_earlier_work(
    ctx, make_municipality, make_user, make_process, monkeypatch
):
    from app.accounts.models import User
    from app.municipalities.models import Municipality
    from app.processes import services
    from app.processes.models import Process

    municipality = db.session.get(Municipality, make_municipality().id)
    taken = make_process(municipality)
    user = db.session.get(User, make_user().id)
    user.display_name = "Earlier work of this request"
    monkeypatch.setattr(services, "_slug_is_free", lambda *_: True)  # the check came too early
    data = services.ProcessData(title="Neu", slug=taken.slug)
    with pytest.raises(services.SlugTaken):
        services.save_process(user, municipality, data)
    db.session.flush()
    assert user.display_name == "Earlier work of this request"
    assert db.session.scalar(select(func.count()).select_from(Process)) == 1


def test_no_service_rolls_back_the_whole_session():
    """Only jobs (each run owns its transaction) and error handlers may roll back everything."""
    root = Path(app_package.__file__).parent
    offenders = []
    for path in sorted(root.rglob("services.py")) + sorted(root.rglob("services/*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "rollback"
            ):
                # expand_pending and friends are jobs living in a services module
                function = _enclosing_function(path, node.lineno)
                if not function.endswith(("_pending", "_due")):
                    offenders.append(f"{path.relative_to(root)}:{node.lineno} in {function}")
    assert offenders == []


def _enclosing_function(path: Path, lineno: int) -> str:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    best = ""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.lineno <= lineno <= node.end_lineno:
            best = node.name
    return best
