"""Residency verification: processes limited to verified residents, letter codes, in person."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from app.core import audit

    audit.label_actions(
        {
            "residency.rule_changed": _l("Residents-only setting changed"),
            "residency.codes_generated": _l("Residency codes generated"),
            "residency.codes_voided": _l("Residency codes voided"),
            "residency.verified": _l("Residency verified"),
            "residency.revoked": _l("Residency verification revoked"),
        }
    )

    from app.residency import policies as _policies  # noqa: F401  registers rules
    from app.residency import services, views

    app.register_blueprint(views.bp)
    app.register_blueprint(views.account_bp)

    def residency_unverified(municipality) -> bool:
        """For templates: the current person could take part once verified here."""
        from flask_login import current_user

        return bool(
            municipality is not None
            and getattr(current_user, "is_authenticated", False)
            and not services.is_verified(current_user, municipality.id)
        )

    app.jinja_env.globals["residency_unverified"] = residency_unverified
