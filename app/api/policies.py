"""Who may do what with the API's own objects (personal tokens)."""

from __future__ import annotations

from app.api import services
from app.core.permissions import rule


@rule("api.tokens")
def manage_own_tokens(user, _target: object = None) -> bool:
    """Members who run processes in some municipality create and revoke their own tokens."""
    return bool(services.token_memberships(user))
