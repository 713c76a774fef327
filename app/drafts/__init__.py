"""Draft texts: a plan or statute written in chapters and paragraphs, commented paragraph by
paragraph through the one comment system, published in versions whose paragraphs keep their
identity, with the comments each version answers. See ``services`` for the rules.
"""

from __future__ import annotations

from flask import Flask

# After the processes (it adds its own), before moderation and notifications look at comments.
SEED_DRAFTS = 40


def init_app(app: Flask) -> None:
    """Register the blueprint, the rules, the format, the thread owner and the report section."""
    from app.demo import register_demo_seeder
    from app.drafts import policies as _policies  # noqa: F401  registers rules
    from app.drafts import registry as _registry  # noqa: F401  format, thread owner, report
    from app.drafts.demo import seed_drafts
    from app.drafts.views import bp

    app.register_blueprint(bp)
    register_demo_seeder(seed_drafts, order=SEED_DRAFTS)
