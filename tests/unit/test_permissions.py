from __future__ import annotations

import pytest

from app.core.permissions import allowed, registered_rules, rule


class _Anyone:
    is_authenticated = True
    is_platform_admin = True


def test_an_unregistered_rule_denies_everyone():
    assert not allowed("no.such.rule", _Anyone())


def test_a_rule_name_cannot_be_registered_twice(app):
    assert "platform.manage" in registered_rules()
    with pytest.raises(ValueError, match="registered twice"):
        rule("platform.manage")(lambda user, target: True)


def test_a_missing_user_is_denied(app):
    assert not allowed("platform.manage", None)
