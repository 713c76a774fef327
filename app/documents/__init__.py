"""Documents: plans, studies and drafts attached to a process, a phase, an official answer or an
outcome; checked by content, kept in a configurable store, served only to those who may read them.
"""

from __future__ import annotations

from flask import Flask


def document_size(size: int) -> str:
    """A file size as people read it, in the page's language (``1,2 MB``)."""
    from flask_babel import format_decimal

    for unit, factor in (("MB", 1_000_000), ("kB", 1_000)):
        if size >= factor:
            return f"{format_decimal(size / factor, format='#,##0.#')} {unit}"
    return f"{size} B"


def init_app(app: Flask) -> None:
    """Register the rules, the blueprint, the demo documents and the privacy export."""
    from app.demo import SEED_OUTCOMES, register_demo_seeder
    from app.documents import demo, views
    from app.documents import policies as _policies  # noqa: F401  registers rules
    from app.documents import privacy as _privacy  # noqa: F401  registers the export

    app.register_blueprint(views.bp)
    app.jinja_env.filters["document_size"] = document_size
    # After the outcomes seeder: the demo outcome and answers exist to attach to.
    register_demo_seeder(demo.seed_documents, order=SEED_OUTCOMES + 1)
