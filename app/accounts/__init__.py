"""Accounts: registration, login, verification, password reset, profile and privacy."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the account pages (called by the factory, see ``app.DOMAINS``)."""
    from app.accounts import views

    app.register_blueprint(views.bp)
