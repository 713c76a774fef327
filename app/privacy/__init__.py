"""Privacy (GDPR): data export, erasure rules, retention jobs, consents, legal pages."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from app.core import audit

    audit.label_actions(
        {
            "legal.updated": _l("Legal page changed"),
        }
    )

    from app.privacy import exports as _exports  # noqa: F401  registers sections and the job
    from app.privacy import legal_views, views
    from app.privacy import policies as _policies  # noqa: F401  registers rules
    from app.privacy import retention as _retention  # noqa: F401  registers the retention job

    app.register_blueprint(views.bp)
    app.register_blueprint(legal_views.bp)
    app.register_blueprint(legal_views.platform_bp)
