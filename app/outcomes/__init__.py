"""Outcomes: the half of the trialog that goes back to participants.

The consolidated report for council and administration, council statements and decisions, the
published outcome of a process, and "Mein Beitrag" (what became of each of my contributions).
Other domains learn of changes through ``signals`` (notifications mails the participants).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the rules, the contribution kind, the scheduler job and the blueprints of the
    outcomes domain."""
    from app.demo import SEED_OUTCOMES, register_demo_seeder
    from app.outcomes import kept as _kept  # noqa: F401  registers the scheduler job
    from app.outcomes import policies as _policies  # noqa: F401  registers rules
    from app.outcomes import registry as _registry  # noqa: F401  registers the contribution kind
    from app.outcomes import views
    from app.outcomes.demo import seed_outcomes

    app.register_blueprint(views.bp)
    app.register_blueprint(views.account_bp)
    register_demo_seeder(seed_outcomes, order=SEED_OUTCOMES)
