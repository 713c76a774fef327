"""What every kind of contribution shares: the contribution row, comment threads, kind registry.

A proposal, a comment or a free-text survey answer each join one ``Contribution`` row (one to one,
by a real foreign key). Moderation, the audit log, "my contributions" and the consolidated figures
read that one table and never the concrete models; a kind tells them how to show itself through the
registry in ``kinds``.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the rules on contributions (edit windows, visibility) shared by every kind."""
    from app.contributions import policies as _policies  # noqa: F401  registers rules
