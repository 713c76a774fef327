"""Platform-wide pages: home, legal pages, language switch, health check."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the platform-wide pages (called by the factory, see ``app.DOMAINS``)."""
    from app.site import views

    app.register_blueprint(views.bp)
