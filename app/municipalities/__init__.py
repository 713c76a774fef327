"""Municipalities (the tenants), their members and roles."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the rules, the platform back office and the municipality pages."""
    from app.municipalities import platform_views, views
    from app.municipalities import policies as _policies  # noqa: F401  registers rules

    app.register_blueprint(platform_views.bp)
    app.register_blueprint(views.bp)
