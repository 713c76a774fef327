"""Shared set-up of the moderation and audit tests: a municipality with one member per role, a
process, contributions of a test kind, and helpers that report and decide through the services.

Moderation knows contributions only through the shared row and the kind registry, so the tests
register a kind of their own; its titles and excerpts carry the XSS payload like every factory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from app.core.roles import Role

KIND = "moderation-test"
XSS = "<script>window.__xss=1</script>"


def _describe(ids):
    from app.contributions.kinds import Shown

    return {i: Shown(f"Beitrag {i}{XSS}", f"Auszug {i}{XSS}", f"/beitrag/{i}#c{i}") for i in ids}


def _can_read(user, contribution) -> bool:
    """Like the real kinds: published contributions, where their process is readable."""
    from app.contributions.models import Visibility
    from app.core.permissions import allowed
    from app.extensions import db
    from app.processes.models import Process

    process = db.session.get(Process, contribution.process_id)
    return contribution.visibility == Visibility.VISIBLE and allowed("process.view", user, process)


def ensure_test_kind() -> None:
    from app.contributions import kinds

    if kinds.kind(KIND) is None:
        kinds.register_kind(kinds.Kind(KIND, "Testbeitrag", _describe, can_read=_can_read))


@dataclass
class Scene:
    town: Any
    other: Any
    process: Any
    users: dict[str, Any]
    author: Any
    ids: dict[str, int] = field(default_factory=dict)


ROLES = {
    "citizen": Role.CITIZEN,
    "staff": Role.STAFF,
    "moderator": Role.MODERATOR,
    "council": Role.COUNCIL,
    "facilitator": Role.FACILITATOR,
    "admin": Role.ADMIN,
}


@pytest.fixture
def scene(app, make_municipality, make_member, make_user, make_process) -> Scene:
    ensure_test_kind()
    town = make_municipality()
    other = make_municipality()
    users = {name: make_member(town, role) for name, role in ROLES.items()}
    users["other_staff"] = make_member(other, Role.STAFF)
    users["other_admin"] = make_member(other, Role.ADMIN)
    users["platform_admin"] = make_user(is_platform_admin=True)
    author = make_member(town, Role.CITIZEN)
    return Scene(town, other, make_process(town), users, author)


def contribute(app, author, process, kind: str = KIND) -> int:
    """A new contribution by ``author`` in ``process`` through the shared service; its id."""
    from app.accounts.models import User
    from app.contributions.services import start_contribution
    from app.extensions import db
    from app.processes.models import Process

    with app.app_context():
        contribution = start_contribution(
            db.session.get(User, author.id), db.session.get(Process, process.id), kind
        )
        db.session.commit()
        return contribution.id


def report(app, reporter, contribution_id: int, reason: str = "insult", text: str = ""):
    from app.accounts.models import User
    from app.contributions.models import Contribution
    from app.extensions import db
    from app.moderation import services
    from app.moderation.models import ReportReason

    with app.app_context():
        outcome = services.report(
            db.session.get(User, reporter.id),
            db.session.get(Contribution, contribution_id),
            ReportReason(reason),
            text,
        )
        db.session.commit()
        return outcome.report.id


def decide(app, action: str, actor, contribution_id: int, *args) -> int:
    """Call the decision service ``action`` (keep, hide, restore, approve, reject); the decision id."""
    from app.accounts.models import User
    from app.contributions.models import Contribution
    from app.extensions import db
    from app.moderation import services

    with app.app_context():
        decision = getattr(services, action)(
            db.session.get(User, actor.id), db.session.get(Contribution, contribution_id), *args
        )
        db.session.commit()
        return decision.id


def set_threshold(app, town, threshold: int | None) -> None:
    from app.extensions import db
    from app.moderation.models import ModerationSettings

    with app.app_context():
        settings = db.session.get(ModerationSettings, town.id)
        if settings is None:
            settings = ModerationSettings(municipality_id=town.id)
            db.session.add(settings)
        settings.hide_threshold = threshold
        db.session.commit()


def contribution_state(app, contribution_id: int) -> tuple[str, str]:
    from app.contributions.models import Contribution
    from app.extensions import db

    with app.app_context():
        contribution = db.session.get(Contribution, contribution_id)
        return contribution.visibility.value, contribution.hidden_reason


def audit_actions(app, **where) -> list[str]:
    from sqlalchemy import select

    from app.core.audit import AuditEntry
    from app.extensions import db

    with app.app_context():
        statement = select(AuditEntry.action).order_by(AuditEntry.id)
        for name, value in where.items():
            statement = statement.where(getattr(AuditEntry, name) == value)
        return list(db.session.scalars(statement))


def route_matrix_ids(app, make_member, municipality, process) -> dict[str, int]:
    """Rows the permission matrix needs for the moderation routes, by someone outside its actors:
    a reported contribution, a hidden one whose author asked for a review, and a block."""
    from app.accounts.models import User
    from app.extensions import db
    from app.moderation import services
    from app.municipalities.models import Municipality

    ensure_test_kind()
    author = make_member(municipality)
    reporter = make_member(municipality)
    reported = contribute(app, author, process)
    report(app, reporter, reported)
    hidden = contribute(app, author, process)
    decision = decide(app, "hide", reporter, hidden, "Beleidigung")
    with app.app_context():
        owner = db.session.get(User, author.id)
        review = services.request_review(
            owner, services.get_own_decision(owner, decision), "Bitte noch einmal ansehen"
        )
        block = services.block(
            db.session.get(User, reporter.id),
            db.session.get(Municipality, municipality.id),
            owner,
            None,
            "Wiederholte Beleidigungen",
        )
        db.session.commit()
        return {
            "reported": reported,
            "hidden_decision": decision,
            "review": review.id,
            "block": block.id,
        }
