"""Who may do what in comment threads; views ask with ``require``, templates with ``can``.

Reading a thread is reading its process (``process.view``). Writing follows the process's phases
and the thread's owner, which may close a thread (see ``services.write_gate``); editing and deleting belong to the author; the official-answer mark
belongs to the administration.
"""

from __future__ import annotations

from app.comments import services
from app.comments.models import Comment
from app.contributions.models import Thread, Visibility
from app.core.permissions import allowed, rule
from app.core.roles import OFFICIAL_ROLES, TrialogGroup
from app.core.time import utcnow
from app.extensions import db
from app.processes.models import Process


def _process_of(comment: Comment) -> Process:
    # The thread page has the process loaded already: this is an identity-map hit, not a query.
    return db.session.get(Process, comment.contribution.process_id)


def can_read_comment(user, contribution) -> bool:
    """``contribution.read`` for comments: a published comment in a thread of a readable process."""
    if contribution.visibility != Visibility.VISIBLE:
        return False
    process = db.session.get(Process, contribution.process_id)
    return process is not None and allowed("process.view", user, process)


@rule("comment.write")
def write(user, thread: Thread) -> bool:
    """Start a comment in ``thread``: members in participation, answers in evaluation, never in a
    thread its owner has closed (``services.write_gate``)."""
    if not isinstance(thread, Thread):
        return False
    process = db.session.get(Process, thread.process_id)
    return (
        process is not None
        and allowed("process.view", user, process)
        and services.write_gate(process, user, utcnow(), thread).allowed
    )


@rule("comment.reply")
def reply(user, comment: Comment) -> bool:
    return services.is_answerable(comment) and write(user, comment.thread)


@rule("comment.react")
def react(user, comment: Comment) -> bool:
    """Agree or disagree with someone else's comment, while one may write in the thread."""
    return (
        services.is_answerable(comment)
        and not services.is_author(user, comment)
        and write(user, comment.thread)
    )


@rule("comment.edit")
def edit(user, comment: Comment) -> bool:
    return services.is_author(user, comment) and services.may_still_edit(comment, utcnow())


@rule("comment.delete")
def delete(user, comment: Comment) -> bool:
    return (
        services.is_author(user, comment) and comment.contribution.visibility != Visibility.DELETED
    )


@rule("comment.mark_official")
def mark_official(user, comment: Comment) -> bool:
    """Staff mark what the administration wrote as its official answer (or take the mark back)."""
    if not getattr(user, "is_authenticated", False):
        return False
    process = _process_of(comment)
    return (
        comment.contribution.author_group == TrialogGroup.ADMINISTRATION
        and comment.contribution.visibility == Visibility.VISIBLE
        and user.role_in(process.municipality) in OFFICIAL_ROLES
        and allowed("process.view", user, process)
    )
