"""Password rules and hashing.

Hashing is Werkzeug's scrypt. The common-password list is zxcvbn's 30,000 most used passwords, so
the list is maintained upstream rather than by us.
"""

from __future__ import annotations

from functools import cache

from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn.frequency_lists import FREQUENCY_LISTS

# Checked against when the e-mail is unknown, so that a login takes as long either way.
_DUMMY_HASH = generate_password_hash("timing-equaliser-not-a-password", method="scrypt")


@cache
def _common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


def hash_password(password: str) -> str:
    """Hash with ``PASSWORD_HASH_METHOD`` (Werkzeug's scrypt; the tests use a cheaper cost)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; never for a missing or empty hash, which costs the same."""
    if not password_hash:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(password_hash, password)


def password_problem(password: str, *, email: str = "", display_name: str = "") -> str | None:
    """Why ``password`` is not acceptable, or ``None`` when it is."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return _("The password must have at least %(n)d characters.", n=minimum)
    if len(password) > 256:
        return _("The password must have at most 256 characters.")
    lowered = password.lower()
    if lowered in _common_passwords() or lowered.strip("0123456789!?.") in _common_passwords():
        return _("This password is on a list of commonly used passwords. Please choose another.")
    personal = {email.lower(), email.lower().split("@")[0], display_name.lower()} - {""}
    if lowered in personal:
        return _("The password must not be your e-mail address or name.")
    return None
