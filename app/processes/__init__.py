"""Participation processes: the participation concept, phases on a schedule, the process page."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the rules, the phase job, the pages and the demo processes."""
    from flask_babel import lazy_gettext as _l

    from app.core import audit

    audit.label_actions(
        {
            "process.create": _l("Process created"),
            "process.update": _l("Process changed"),
            "process.publish": _l("Process published"),
            "process.archive": _l("Process archived"),
            "phase.create": _l("Phase added"),
            "phase.update": _l("Phase changed"),
            "phase.delete": _l("Phase deleted"),
            "phase.start": _l("Phase started"),
            "phase.end": _l("Phase ended"),
            "phase.reminder": _l("Closing reminder sent"),
        }
    )

    from app.demo import SEED_PROCESSES, register_demo_seeder
    from app.processes import backoffice, views
    from app.processes import jobs as _jobs  # noqa: F401  registers scheduler jobs
    from app.processes import policies as _policies  # noqa: F401  registers rules
    from app.processes.demo import seed_processes

    app.register_blueprint(views.bp)
    app.jinja_env.globals["back_office_links"] = backoffice.back_office_links
    register_demo_seeder(seed_processes, order=SEED_PROCESSES)
