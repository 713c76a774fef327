"""Notifications: domains record events, the scheduler tells the people concerned.

A request only records an ``Event`` row in its own transaction (through the signals each domain
sends, see ``receivers``); the scheduler process expands events into per-recipient
``Notification`` rows and mails them at once or as daily or weekly digests (``jobs``).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint, the receivers, the jobs, the policies and the header count."""
    from app.demo import SEED_NOTIFICATIONS, register_demo_seeder
    from app.notifications import jobs as _jobs  # noqa: F401  registers scheduler jobs
    from app.notifications import policies as _policies  # noqa: F401  registers rules
    from app.notifications import receivers, services, views
    from app.notifications.demo import seed_notifications

    receivers.connect()
    app.register_blueprint(views.bp)
    app.register_blueprint(views.unsubscribe_bp)

    @app.context_processor
    def _unread_notifications() -> dict:
        return {"unread_notifications": services.unread_count_of_current_user}

    register_demo_seeder(seed_notifications, order=SEED_NOTIFICATIONS)
