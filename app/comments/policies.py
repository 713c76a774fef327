"""Who may do what in comment threads; views ask with ``require``; a thread page gets the
answers for all its comments at once from ``actions_on``, which asks the same rules.

Reading a thread is reading its process (``process.view``). Writing follows the process's phases
and the thread's owner, which may close a thread (see ``services.write_gate``); editing and deleting belong to the author; the official-answer mark
belongs to the administration.
"""

from __future__ import annotations

from collections.abc import Iterable

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


# The per-comment rules split in two: what they ask about the whole thread (may this person write
# here at all? do they mark official answers in this process?) and what they ask about the comment.
# ``actions_on`` asks the first part once for a page of comments; the rules ask it per comment.
# Both go through the same helpers, so the buttons of a thread and the rules cannot drift apart.

COMMENT_ACTIONS = (
    "comment.reply",
    "comment.react",
    "comment.edit",
    "comment.delete",
    "comment.mark_official",
)


def _marks_official(user, process: Process) -> bool:
    """Does ``user`` mark official answers in ``process`` (whatever the comment)?"""
    return (
        getattr(user, "is_authenticated", False)
        and user.role_in(process.municipality) in OFFICIAL_ROLES
        and allowed("process.view", user, process)
    )


def _replies(comment: Comment, may_write: bool) -> bool:
    return may_write and services.is_answerable(comment)


def _reacts(user, comment: Comment, may_write: bool) -> bool:
    return may_write and services.is_answerable(comment) and not services.is_author(user, comment)


def _edits(user, comment: Comment, now) -> bool:
    return services.is_author(user, comment) and services.may_still_edit(comment, now)


def _deletes(user, comment: Comment) -> bool:
    return (
        services.is_author(user, comment) and comment.contribution.visibility != Visibility.DELETED
    )


def _is_official_candidate(comment: Comment) -> bool:
    contribution = comment.contribution
    return (
        contribution.author_group == TrialogGroup.ADMINISTRATION
        and contribution.visibility == Visibility.VISIBLE
    )


@rule("comment.reply")
def reply(user, comment: Comment) -> bool:
    return _replies(comment, allowed("comment.write", user, comment.thread))


@rule("comment.react")
def react(user, comment: Comment) -> bool:
    """Agree or disagree with someone else's comment, while one may write in the thread."""
    return _reacts(user, comment, allowed("comment.write", user, comment.thread))


@rule("comment.edit")
def edit(user, comment: Comment) -> bool:
    return _edits(user, comment, utcnow())


@rule("comment.delete")
def delete(user, comment: Comment) -> bool:
    return _deletes(user, comment)


@rule("comment.mark_official")
def mark_official(user, comment: Comment) -> bool:
    """Staff mark what the administration wrote as its official answer (or take the mark back)."""
    return _is_official_candidate(comment) and _marks_official(user, _process_of(comment))


def actions_on(
    user, thread: Thread, process: Process, comments: Iterable[Comment]
) -> dict[int, frozenset[str]]:
    """The comment rules ``user`` passes, for each of a page's comments of ``thread``.

    The same answers as ``allowed(name, user, comment)`` for each name of ``COMMENT_ACTIONS``
    (a test compares them), with what the rules ask about the thread and the process asked once
    instead of once per comment and button. A comment of another thread or process is asked rule
    by rule.
    """
    may_write = allowed("comment.write", user, thread)
    marks = _marks_official(user, process)
    now = utcnow()
    found: dict[int, frozenset[str]] = {}
    for comment in comments:
        if comment.thread_id != thread.id or comment.contribution.process_id != process.id:
            found[comment.id] = frozenset(
                name for name in COMMENT_ACTIONS if allowed(name, user, comment)
            )
            continue
        names = []
        if _replies(comment, may_write):
            names.append("comment.reply")
        if _reacts(user, comment, may_write):
            names.append("comment.react")
        if _edits(user, comment, now):
            names.append("comment.edit")
        if _deletes(user, comment):
            names.append("comment.delete")
        if marks and _is_official_candidate(comment):
            names.append("comment.mark_official")
        found[comment.id] = frozenset(names)
    return found
