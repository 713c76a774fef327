"""Surveys (Umfragen): a builder for staff, accessible answering, results people can read, exports."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the rules, the "surveys" format, the "survey_answer" kind, the pages and the demo
    survey."""
    from flask_babel import lazy_gettext as _l

    from app.core import audit

    audit.label_actions(
        {
            "survey.create": _l("Survey created"),
            "survey.update": _l("Survey changed"),
            "survey.publish": _l("Survey published"),
            "survey.unpublish": _l("Survey withdrawn"),
            "survey.delete": _l("Survey deleted"),
            "survey.question_add": _l("Question added"),
            "survey.question_update": _l("Question changed"),
            "survey.question_delete": _l("Question deleted"),
            "survey.option_add": _l("Option added"),
            "survey.option_delete": _l("Option deleted"),
        }
    )

    from app.demo import SEED_SURVEYS, register_demo_seeder
    from app.processes.backoffice import register_back_office_link
    from app.surveys import policies as _policies  # noqa: F401  registers rules
    from app.surveys import registry as _registry  # noqa: F401  format and kind
    from app.surveys import views
    from app.surveys.demo import seed_survey

    app.register_blueprint(views.bp)
    register_back_office_link("surveys", views.surveys_admin_link)
    register_demo_seeder(seed_survey, order=SEED_SURVEYS)
