"""Municipalities (the tenants), their members and roles."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the rules, the platform back office and the municipality pages."""
    from flask_babel import lazy_gettext as _l

    from app.core import audit

    audit.label_actions(
        {
            "invitation.create": _l("Invitation sent"),
            "invitation.accept": _l("Invitation accepted"),
            "membership.role": _l("Role changed"),
            "membership.remove": _l("Member removed"),
            "municipality.create": _l("Municipality created"),
            "municipality.update": _l("Municipality changed"),
            "municipality.activate": _l("Municipality activated"),
            "municipality.deactivate": _l("Municipality deactivated"),
        }
    )

    from app.municipalities import platform_views, views
    from app.municipalities import policies as _policies  # noqa: F401  registers rules

    app.register_blueprint(platform_views.bp)
    app.register_blueprint(views.bp)
