"""How comments plug into the rest: the "comments" participation format (a process's own
discussion), the contribution kind "comment" (moderation, "my contributions"), and the process as a
thread owner.

Imported once by ``init_app``; registries live per Python process, so a second app in the same
process (the browser tests build one) finds everything registered already.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, select

from app.comments import policies, services
from app.comments import signals as comment_signals
from app.comments.models import Comment, ProcessThread
from app.comments.owners import ThreadOwner, register_thread_owner, resolve_owners
from app.contributions.kinds import Kind, Shown, announces, register_kind
from app.contributions.models import Contribution
from app.extensions import db
from app.municipalities.models import Municipality
from app.processes.formats import Format, get_format, register_format
from app.processes.models import Process, ProcessFormat

FORMAT_KEY = "comments"


def describe_comments(contribution_ids: Iterable[int]) -> dict[int, Shown]:
    """Title, excerpt and stable address of each comment; one query plus one per owner kind.

    The address is the comment's permalink, which finds the right page of its thread when opened
    (pages move as comments are added).
    """
    rows = db.session.execute(
        select(Comment, Municipality.slug)
        .join(Contribution, Contribution.id == Comment.contribution_id)
        .join(Municipality, Municipality.id == Contribution.municipality_id)
        .where(Comment.contribution_id.in_(list(contribution_ids)))
    ).all()
    owners = resolve_owners({comment.thread_id for comment, _slug in rows})
    shown = {}
    for comment, municipality_slug in rows:
        owner = owners.get(comment.thread_id)
        shown[comment.contribution_id] = Shown(
            title=_("Comment on “%(title)s”", title=owner.title) if owner else _("Comment"),
            excerpt=services.excerpt(comment.body),
            text=comment.source,
            url=url_for("comments.permalink", slug=municipality_slug, comment_id=comment.id),
        )
    return shown


def process_threads(thread_ids: list[int]) -> dict[int, ThreadOwner]:
    """The threads that are processes' own discussions, with the address of that page."""
    rows = db.session.execute(
        select(
            ProcessThread.thread_id,
            Process.slug.label("process_slug"),
            Process.title,
            Municipality.slug.label("municipality_slug"),
        )
        .join(Process, Process.id == ProcessThread.process_id)
        .join(Municipality, Municipality.id == Process.municipality_id)
        .where(ProcessThread.thread_id.in_(thread_ids))
    )
    return {
        row.thread_id: ThreadOwner(
            url=url_for(
                "comments.process_thread",
                slug=row.municipality_slug,
                process_slug=row.process_slug,
            ),
            title=row.title,
        )
        for row in rows
    }


def readable_process_threads(_user, thread_id: ColumnElement[int]) -> list[Select]:
    """Search may find comments of a process's discussion while the discussion is switched on
    (its page answers 404 otherwise); reading the process is the caller's gate."""
    return [
        select(ProcessThread.thread_id)
        .join(ProcessFormat, ProcessFormat.process_id == ProcessThread.process_id)
        .where(ProcessThread.thread_id == thread_id, ProcessFormat.key == FORMAT_KEY)
    ]


def _discussion_url(process: Process) -> str:
    return url_for(
        "comments.process_thread", slug=process.municipality.slug, process_slug=process.slug
    )


_placeholder = get_format(FORMAT_KEY)
register_format(
    Format(
        FORMAT_KEY,
        _l("Comments on the process"),
        _placeholder.description if _placeholder else "",
        url=_discussion_url,
        count=services.process_comment_counts,
        count_query=services.process_comment_counts_statement,
    )
)
register_kind(
    Kind(
        services.KIND,
        _l("Comment"),
        describe_comments,
        can_read=policies.can_read_comment,
        announce=announces(Comment, comment_signals.comment_posted),
    )
)
register_thread_owner("process", process_threads, readable=readable_process_threads)
