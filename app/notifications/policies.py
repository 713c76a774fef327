"""Who may do what with notifications: each person reads and manages only their own.

The list and the preferences belong to the logged-in account; a notification of someone else is
not found at all (``services.get_own`` scopes by owner), so there is nothing to deny per row. The
one-click unsubscribe link needs no login: its signature names the person and the kinds.
"""

from __future__ import annotations

from app.core.permissions import rule


@rule("notifications.own")
def own_notifications(user, _target=None) -> bool:
    """Read the list, mark read, choose how to be told: any active account, for itself."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_active
