"""Participation processes: the participation concept, phases on a schedule, the process page."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the rules, the phase job, the pages and the demo processes."""
    from app.demo import SEED_PROCESSES, register_demo_seeder
    from app.processes import backoffice, views
    from app.processes import jobs as _jobs  # noqa: F401  registers scheduler jobs
    from app.processes import policies as _policies  # noqa: F401  registers rules
    from app.processes.demo import seed_processes

    app.register_blueprint(views.bp)
    app.jinja_env.globals["back_office_links"] = backoffice.back_office_links
    register_demo_seeder(seed_processes, order=SEED_PROCESSES)
