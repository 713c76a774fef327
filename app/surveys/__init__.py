"""Surveys (Umfragen): a builder for staff, accessible answering, results people can read, exports."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the rules, the "surveys" format, the "survey_answer" kind, the pages and the demo
    survey."""
    from app.demo import SEED_SURVEYS, register_demo_seeder
    from app.processes.backoffice import register_back_office_link
    from app.surveys import policies as _policies  # noqa: F401  registers rules
    from app.surveys import registry as _registry  # noqa: F401  format and kind
    from app.surveys import views
    from app.surveys.demo import seed_survey

    app.register_blueprint(views.bp)
    register_back_office_link("surveys", views.surveys_admin_link)
    register_demo_seeder(seed_survey, order=SEED_SURVEYS)
