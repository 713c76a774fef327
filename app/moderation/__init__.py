"""Moderation of every kind of contribution: reports, the queue, decisions, blocks, netiquette.

It works on the shared ``Contribution`` row only and shows contributions through the kind registry,
so proposals, comments, survey answers and later kinds are moderated without being imported here.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the rules, the queue and audit log pages and the demo reports."""
    from app.demo import SEED_MODERATION, register_demo_seeder
    from app.moderation import audit_views, views
    from app.moderation import policies as _policies  # noqa: F401  registers rules
    from app.moderation.demo import seed_moderation

    for blueprint in (views.bp, views.account_bp, audit_views.bp, audit_views.platform_bp):
        app.register_blueprint(blueprint)
    register_demo_seeder(seed_moderation, order=SEED_MODERATION)
