"""The one place that decides what a user may do.

Rules are named functions ``(user, target) -> bool`` that domains register in their ``policies``
module. Anything without a registered rule is denied. Views apply rules with ``require``; templates
ask the same names through the ``can`` global, so a button shows exactly when its action is allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort
from flask_login import current_user

from app.extensions import login_manager

Rule = Callable[[Any, Any], bool]
_RULES: dict[str, Rule] = {}


def rule(name: str) -> Callable[[Rule], Rule]:
    """Register ``fn`` as the rule called ``name``; a name can be registered once."""

    def register(fn: Rule) -> Rule:
        if name in _RULES:
            raise ValueError(f"permission rule {name!r} is registered twice")
        _RULES[name] = fn
        return fn

    return register


def allowed(name: str, user: Any, target: Any = None) -> bool:
    check = _RULES.get(name)
    if check is None or user is None:
        return False
    return bool(check(user, target))


def can(name: str, target: Any = None) -> bool:
    """``allowed`` for the current user; the Jinja global of the same name."""
    return allowed(name, current_user, target)


def require(name: str, target: Any = None) -> None:
    """Stop the request unless the current user may do ``name``.

    Anonymous visitors are sent to the login page (they might be allowed once logged in); everyone
    else gets 403.
    """
    if allowed(name, current_user, target):
        return
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    abort(403)


def registered_rules() -> frozenset[str]:
    return frozenset(_RULES)
