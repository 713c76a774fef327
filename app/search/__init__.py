"""Search: one box in the header finds processes, proposals, comments, outcomes and documents of the
current municipality (or of every municipality from the platform's home), only what the searcher
may read.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the two search pages (and, on import, SQLite's folding function)."""
    from app.search import views

    app.register_blueprint(views.bp)
    app.register_blueprint(views.platform_bp)
