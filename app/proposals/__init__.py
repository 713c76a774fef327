"""Proposals: submit, support, find, and an official answer for each."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the rules, the "proposals" format, the kinds "proposal" and "statement", the owner
    of each proposal's comment thread, the pages and the demo proposals."""
    from flask_babel import lazy_gettext as _l

    from app.core import audit

    audit.label_actions(
        {
            "proposal.status": _l("Proposal status changed"),
            "proposal_settings.update": _l("Answer promise and categories changed"),
        }
    )

    from app.demo import SEED_PROPOSALS, register_demo_seeder
    from app.moderation import signals as moderation_signals
    from app.proposals import counts, views
    from app.proposals import policies as _policies  # noqa: F401  registers rules
    from app.proposals import registry as _registry  # noqa: F401  format, kinds, thread owner
    from app.proposals.demo import seed_proposals

    counts.init_app()  # kept list counts, moved on every flush that changes a proposal
    moderation_signals.decided.connect(counts.on_moderation_decided)
    app.register_blueprint(views.bp)  # before the CSP is built: it adds the map tile host
    register_demo_seeder(seed_proposals, order=SEED_PROPOSALS)
