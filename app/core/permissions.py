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

from app.core import request_cache
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
    """Does rule ``name`` let ``user`` act on ``target``?

    A page asks the same question about the same rows many times (a thread asks ``comment.reply``
    and ``comment.react`` for every comment, and each asks ``comment.write`` and ``process.view`` of
    the same process), so a reading request answers each (rule, person, row) once
    (``app.core.request_cache``). Targets that are not database rows with an id are asked every
    time.
    """
    check = _RULES.get(name)
    if check is None or user is None:
        return False
    who = request_cache.user_key(user)
    what = None if target is None else request_cache.row_key(target)
    if who is None or (target is not None and what is None):
        return bool(check(user, target))
    return request_cache.memo(("allowed", name, who, what), lambda: bool(check(user, target)))


def can(name: str, target: Any = None) -> bool:
    """``allowed`` for the current user; the Jinja global of the same name.

    The rules get the user object itself, not Flask-Login's proxy: every attribute a rule reads
    through the proxy looks the user up again (a proposal page asked it about 900 times).
    """
    return allowed(name, _current_user(), target)


def _current_user() -> Any:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def require(name: str, target: Any = None) -> None:
    """Stop the request unless the current user may do ``name``.

    Anonymous visitors are sent to the login page (they might be allowed once logged in); everyone
    else gets 403.
    """
    if allowed(name, _current_user(), target):
        return
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    abort(403)


def registered_rules() -> frozenset[str]:
    return frozenset(_RULES)
