"""The facilitator network and first consultations (Erstberatung).

A platform-wide directory of process facilitators (profiles reviewed by platform admins), process
architects (a platform role) who answer a municipality's request for a first consultation, propose
facilitators from the directory and fill a participation-concept template that becomes the draft of
the process; the accepted facilitator gets the facilitator role in the municipality.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the rules, the audit labels, the privacy tables, the blueprints and the demo."""
    from app.facilitation import policies as _policies  # noqa: F401  registers rules
    from app.facilitation import privacy as _privacy  # noqa: F401  registers export and deletion
    from app.facilitation import registry as _registry  # noqa: F401  names the audit actions
    from app.facilitation import views

    app.register_blueprint(views.bp)
    app.register_blueprint(views.municipal_bp)
    from app.demo import register_demo_seeder
    from app.facilitation.demo import seed_facilitation

    register_demo_seeder(seed_facilitation)
