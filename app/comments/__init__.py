"""Threaded comments on anything commentable: a process's own discussion, proposals, outcomes.

A commentable object holds a ``Thread`` id and shows the thread with the Jinja global
``comment_thread(thread_id)``; it tells comment links where it lives by registering a resolver in
``app.comments.owners``. See ``services`` for the rules.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint, the rules and the Jinja globals (called by the factory)."""
    from flask_babel import lazy_gettext as _l

    from app.core import audit

    audit.label_actions(
        {
            "comment.official_answer": _l("Comment marked as official answer"),
            "comment.official_answer_removed": _l("Official answer mark removed"),
        }
    )

    from app.comments import policies as _policies  # noqa: F401  registers rules
    from app.comments import registry as _registry  # noqa: F401  format, kind, thread owner
    from app.comments.demo import seed_comments
    from app.comments.fragments import cached_card
    from app.comments.views import bp, comment_links, render_thread
    from app.demo import SEED_COMMENTS, register_demo_seeder

    app.register_blueprint(bp)
    app.jinja_env.globals.update(
        comment_thread=render_thread, comment_links=comment_links, cached_comment_card=cached_card
    )
    register_demo_seeder(seed_comments, order=SEED_COMMENTS)
