"""Events and on-site participation: the offline half of the trialog.

Events of a process with registration (limited seats, waiting list, confirmation and reminder
mails), iCalendar feeds per process and municipality, event documentation (protocol, photos),
input gathered on site entered on behalf of participants (single cards, bulk, CSV import) with its
own channel in the consolidated report, and summaries in Leichte Sprache.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the rules, the reminder job, the privacy tables, the blueprint and the demo."""
    from app.events import jobs as _jobs  # noqa: F401  registers the reminder job
    from app.events import policies as _policies  # noqa: F401  registers rules
    from app.events import privacy as _privacy  # noqa: F401  registers export and deletion
    from app.events import registry as _registry  # noqa: F401  names the audit actions
    from app.events import views

    app.register_blueprint(views.bp)
    try:
        from app.demo import register_demo_seeder
    except ImportError:  # the demo registry of an older tree
        return
    from app.events.demo import seed_events

    register_demo_seeder(seed_events)
