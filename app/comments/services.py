"""The rules of comment threads: writing, replying, editing, deleting, reacting, reading a page.

Services flush, never commit; the request commits once. Counters (comments per thread, reactions
per comment) change only through single UPDATE statements whose effect is tied to a row that really
changed, so they stay exact under concurrent requests on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, Select, and_, bindparam, delete, exists, func, or_, select, update
from sqlalchemy.orm import aliased, contains_eager, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts.models import User
from app.comments import owners
from app.comments import signals as comment_signals
from app.comments.models import Comment, CommentReaction, ProcessThread, Reaction
from app.contributions import services as contributions
from app.contributions.models import Contribution, Thread, Visibility
from app.core import audit
from app.core.enums import LabelledEnum
from app.core.pagination import Page
from app.core.roles import ANSWER_ROLES
from app.core.sanitize import clean_plain, plain_text, render_markdown
from app.core.time import utcnow
from app.extensions import db
from app.municipalities.models import Municipality
from app.processes import services as processes
from app.processes.models import PhaseKind, Process

KIND = "comment"
MAX_LENGTH = 5000  # characters of what the author types
EDIT_WINDOW = timedelta(minutes=15)
INDENT_LEVELS = 3  # replies deeper than this are shown flat under the third level
PER_PAGE = 10  # top-level comments per page (each with all its replies)

# Besides members in a participation phase, these roles may still answer in the evaluation phase.
# Who may mark a comment of the administration as its official answer.


class CommentError(Exception):
    """A comment rule refused the action; ``str(error)`` is a message for the person."""


class EditWindowClosed(CommentError):
    pass


class Sort(LabelledEnum):
    OLDEST = "oldest", _l("Oldest first")
    NEWEST = "newest", _l("Newest first")
    AGREED = "agreed", _l("Most agreed")

    @classmethod
    def parse(cls, value: str | None) -> Sort:
        try:
            return cls(value or cls.OLDEST)
        except ValueError:
            return cls.OLDEST


SORT_LABELS = Sort.labels()


# --- text ---------------------------------------------------------------------------------------


def render_body(source: str) -> str:
    """Sanitised HTML from what the author typed.

    Authors write Markdown (blank lines for paragraphs, ``**bold**``, ``*italic*``, ``- lists``,
    ``[links](https://…)``), which needs no editor and no JavaScript; the HTML it produces, and any
    HTML typed directly, then passes the shared sanitiser, whose output alone is ever rendered.
    """
    return render_markdown(source)


def excerpt(body: str, length: int = 160) -> str:
    """Plain text of a sanitised body, cut to ``length`` characters (escaped again on output)."""
    text = " ".join(plain_text(body).split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


# --- who may write ------------------------------------------------------------------------------


def _is_authenticated(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def write_gate(
    process: Process, user, now: datetime, thread: Thread | None = None
) -> processes.Gate:
    """May ``user`` comment in ``process`` (in ``thread``, when given) at ``now``, and if not, why
    and until when.

    Members comment while a participation phase runs (the processes' contribution gate); staff,
    council and facilitators may also answer while the evaluation phase runs. A thread its owner
    has closed (``owners.closed_reason``: a superseded version of a draft text) stays readable and
    takes no more comments from anyone, whatever the phase.
    """
    closed = owners.closed_reason(thread.id) if thread is not None else None
    if closed:
        return processes.Gate(processes.GateReason.ENDED, closed)
    gate = processes.contribution_gate(process, user, now)
    if (
        gate.allowed
        or gate.reason == processes.GateReason.BLOCKED  # a block holds in every phase
        or not process.is_published
        or not _is_authenticated(user)
    ):
        return gate
    current = process.current_phase(now)
    if (
        current is not None
        and current.kind == PhaseKind.EVALUATION
        and user.role_in(process.municipality) in ANSWER_ROLES
    ):
        return processes.Gate(
            processes.GateReason.OPEN,
            _(
                "The evaluation is running: administration, council and facilitation can still "
                "answer until %(end)s.",
                end=format_datetime(current.ends_at, "short"),
            ),
            closes_at=current.ends_at,
            phase=current,
        )
    return gate


def is_author(user, comment: Comment) -> bool:
    return _is_authenticated(user) and comment.contribution.author_id == user.id


def may_still_edit(comment: Comment, now: datetime) -> bool:
    """Authors correct their comments within the first minutes; later the text stands.

    Comments that moderation hid, or that await moderation, are not edited at all: the moderators
    decide about the text that was reported or submitted.
    """
    contribution = comment.contribution
    return (
        contribution.visibility == Visibility.VISIBLE
        and now - contribution.created_at <= EDIT_WINDOW
    )


def edit_refusal(comment: Comment, now: datetime) -> str | None:
    """Why the author cannot change ``comment`` now (None: they can)."""
    visibility = comment.contribution.visibility
    if visibility == Visibility.HIDDEN:
        return _(
            "This comment is hidden by the moderation. It can be edited again once it is restored."
        )
    if visibility == Visibility.PENDING:
        return _(
            "This comment awaits moderation. It can be edited once the moderators have "
            "published it."
        )
    if not may_still_edit(comment, now):
        return _("Comments can be changed within %(minutes)d minutes of writing.", minutes=15)
    return None


def is_answerable(comment: Comment) -> bool:
    """Replies and reactions go to comments others can read (not deleted, hidden or pending)."""
    return comment.contribution.visibility == Visibility.VISIBLE


# --- threads ------------------------------------------------------------------------------------


def get_thread(municipality: Municipality, thread_id: int) -> Thread | None:
    """A thread of this municipality only; ids of another municipality find nothing.

    From the session's identity map when the page has loaded it already (a proposal's page has)."""
    thread = db.session.get(Thread, thread_id)
    return thread if thread is not None and thread.municipality_id == municipality.id else None


def process_of(thread: Thread) -> Process:
    return db.session.get(Process, thread.process_id)


def _insert_ignoring_conflict(model, index_elements: list[str], **values) -> bool:
    """INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL; True if a row was inserted.

    The inserted id comes back through RETURNING: drivers do not agree on the row count of an
    INSERT (psycopg reports -1 here).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = model.__table__
    statement = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=index_elements)
        .returning(table.c.id)
    )
    return db.session.execute(statement).first() is not None


def thread_for_process(process: Process) -> Thread:
    """The thread of the process's own discussion, created the first time it is needed.

    Two first visitors at once both try; the unique process id lets one mapping win and the other
    request's spare thread is removed again.
    """
    found = db.session.scalar(
        select(Thread)
        .join(ProcessThread, ProcessThread.thread_id == Thread.id)
        .where(ProcessThread.process_id == process.id)
    )
    if found is not None:
        return found
    thread = contributions.new_thread(process)
    if not _insert_ignoring_conflict(
        ProcessThread, ["process_id"], process_id=process.id, thread_id=thread.id
    ):
        db.session.delete(thread)
        db.session.flush()
        return db.session.scalar(
            select(Thread)
            .join(ProcessThread, ProcessThread.thread_id == Thread.id)
            .where(ProcessThread.process_id == process.id)
        )
    return thread


def process_comment_counts_statement(process_ids: list[int]) -> Select:
    """Kept comment counts of the processes' own discussions: ``(process_id, n)`` rows."""
    return (
        select(ProcessThread.process_id, Thread.comment_count)
        .join(Thread, Thread.id == ProcessThread.thread_id)
        .where(ProcessThread.process_id.in_(process_ids))
    )


def process_comment_counts(process_ids) -> dict[int, int]:
    """Kept comment counts of the processes' own discussions, for all given ids in one query."""
    ids = list(process_ids)
    if not ids:
        return {}
    rows = db.session.execute(process_comment_counts_statement(ids))
    return {process_id: count for process_id, count in rows}


# --- writing ------------------------------------------------------------------------------------


def get_comment(municipality: Municipality, comment_id: int) -> Comment | None:
    """A comment of this municipality only, with its contribution and author loaded."""
    return db.session.scalar(
        select(Comment)
        .join(Comment.contribution)
        .where(Comment.id == comment_id, Contribution.municipality_id == municipality.id)
        .options(contains_eager(Comment.contribution).joinedload(Contribution.author))
    )


def _same_comment(
    author: User, thread_id: int, parent_id: int | None, text: str, since: datetime
) -> Comment | None:
    """The author's comment with exactly this text at this place written since ``since``."""
    return contributions.latest_repeat(
        Comment,
        author,
        since,
        Comment.thread_id == thread_id,
        Comment.parent_id.is_(None) if parent_id is None else Comment.parent_id == parent_id,
        Comment.source == text,
    )


def post_comment(
    author: User, thread: Thread, process: Process, source: str, parent: Comment | None = None
) -> Comment:
    """A new comment in ``thread`` (a reply when ``parent`` is given); counts it on the thread.

    The caller has checked ``comment.write`` (or ``comment.reply``); guards of other domains
    (blocked authors) may still refuse with ``ContributionRefused``.

    The same text by the same author under the same parent of the same thread, a moment after the
    first (``contributions.REPEAT_WINDOW``: a double click, a retry), stores nothing, counts and
    announces nothing: ``AlreadyWritten`` carries the comment the first request stored.
    """
    if parent is not None and (parent.thread_id != thread.id or not is_answerable(parent)):
        raise CommentError(_("This comment can no longer be answered."))
    closed = owners.closed_reason(thread.id)
    if closed:
        raise CommentError(closed)
    body = render_body(source)
    if not body:
        raise CommentError(_("Please write a comment."))
    text = clean_plain(source)
    parent_id = parent.id if parent else None
    since = contributions.hold_author(author)
    earlier = _same_comment(author, thread.id, parent_id, text, since)
    if earlier is not None:
        raise contributions.AlreadyWritten(earlier)
    contribution = contributions.start_contribution(author, process, KIND)
    comment = Comment(
        contribution=contribution,
        thread_id=thread.id,
        parent_id=parent_id,
        root_id=(parent.root_id or parent.id) if parent else None,
        depth=parent.depth + 1 if parent else 0,
        source=text,
        body=body,
    )
    db.session.add(comment)
    db.session.flush()
    contributions.change_comment_count(thread.id, +1)
    comment_signals.comment_posted.send(comment)
    return comment


def edit_comment(comment: Comment, source: str, now: datetime | None = None) -> None:
    """Change the text within the edit window; the comment then shows when it was edited."""
    refusal = edit_refusal(comment, now or utcnow())
    if refusal:
        raise EditWindowClosed(refusal)
    body = render_body(source)
    if not body:
        raise CommentError(_("Please write a comment."))
    comment.source = clean_plain(source)
    comment.body = body
    contributions.mark_edited(comment.contribution)
    db.session.flush()


def delete_comment(comment: Comment) -> None:
    """The author deletes: the text goes, the row stays (replies keep their place under it).

    Only the request that really changes the visibility uncounts the comment, so a double submit
    cannot count it out twice.
    """
    changed = db.session.execute(
        update(Contribution)
        .where(
            Contribution.id == comment.contribution_id,
            Contribution.visibility != Visibility.DELETED,
        )
        .values(visibility=Visibility.DELETED)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed:
        comment.source = ""
        comment.body = ""
        comment.is_official_answer = False
        contributions.change_comment_count(comment.thread_id, -1)
    db.session.flush()
    db.session.expire(comment.contribution)


def set_official(actor: User, comment: Comment, official: bool) -> None:
    """Mark (or unmark) a comment of the administration as its official answer; audited.

    One conditional ``UPDATE`` changes the mark only where it differs: of two requests at once (a
    double click, two staff) the second finds it set and records nothing, where a read-then-write
    let both through and audit the mark twice.
    """
    before = not official
    changed = db.session.execute(
        update(Comment)
        .where(Comment.id == comment.id, Comment.is_official_answer == before)
        .values(is_official_answer=official)
        .execution_options(synchronize_session=False)
    ).rowcount
    set_committed_value(comment, "is_official_answer", official)
    if changed != 1:
        return
    audit.record(
        actor_id=actor.id,
        action="comment.official_answer" if official else "comment.official_answer_removed",
        object_type="comment",
        object_id=comment.id,
        municipality_id=comment.contribution.municipality_id,
        before={"official": before},
        after={"official": official},
    )
    db.session.flush()


# --- reactions ----------------------------------------------------------------------------------

_COUNTERS = {Reaction.AGREE: "agree_count", Reaction.DISAGREE: "disagree_count"}


def _count(comment_id: int, changes: dict[Reaction, int]) -> None:
    columns = Comment.__table__.c
    db.session.execute(
        update(Comment)
        .where(Comment.id == comment_id)
        .values(
            {
                _COUNTERS[reaction]: columns[_COUNTERS[reaction]] + delta
                for reaction, delta in changes.items()
            }
        )
        .execution_options(synchronize_session=False)
    )


def set_reaction(user: User, comment: Comment, value: Reaction | None) -> None:
    """Agree, disagree or withdraw: one reaction per person and comment (a unique constraint).

    Every counter change follows a statement that really changed a reaction row (its row count),
    and every statement writes before it reads, so concurrent clicks, switches and withdrawals keep
    the counters equal to the rows.
    """
    mine = and_(CommentReaction.comment_id == comment.id, CommentReaction.user_id == user.id)
    if value is None:
        for old in Reaction:
            removed = db.session.execute(
                delete(CommentReaction)
                .where(mine, CommentReaction.value == old)
                .execution_options(synchronize_session=False)
            ).rowcount
            if removed:
                _count(comment.id, {old: -1})
    else:
        other = Reaction.DISAGREE if value == Reaction.AGREE else Reaction.AGREE
        switched = db.session.execute(
            update(CommentReaction)
            .where(mine, CommentReaction.value == other)
            .values(value=value)
            .execution_options(synchronize_session=False)
        ).rowcount
        if switched:
            _count(comment.id, {value: +1, other: -1})
        elif _insert_ignoring_conflict(
            CommentReaction,
            ["comment_id", "user_id"],
            comment_id=comment.id,
            user_id=user.id,
            value=value,
            created_at=utcnow(),
        ):
            _count(comment.id, {value: +1})
    db.session.expire(comment, ["agree_count", "disagree_count"])


def reaction_of(user, comment: Comment) -> Reaction | None:
    if not _is_authenticated(user):
        return None
    return db.session.scalar(
        select(CommentReaction.value).where(
            CommentReaction.comment_id == comment.id, CommentReaction.user_id == user.id
        )
    )


# --- reading ------------------------------------------------------------------------------------


class Shown(StrEnum):
    """How a comment appears to the reader."""

    VISIBLE = "visible"
    OWN_PENDING = "own_pending"  # its author sees it while it awaits moderation
    HIDDEN = "hidden"  # moderation hid it: a placeholder with the reason
    DELETED = "deleted"  # placeholder, only while replies below it are shown
    PENDING = "pending"  # someone else's awaiting moderation: placeholder, only above replies


_ALWAYS_SHOWN = frozenset({Shown.VISIBLE, Shown.OWN_PENDING, Shown.HIDDEN})


def _shown(comment: Comment, user_id: int | None) -> Shown:
    visibility = comment.contribution.visibility
    if visibility == Visibility.VISIBLE:
        return Shown.VISIBLE
    if visibility == Visibility.HIDDEN:
        return Shown.HIDDEN
    if visibility == Visibility.PENDING:
        own = user_id is not None and comment.contribution.author_id == user_id
        return Shown.OWN_PENDING if own else Shown.PENDING
    return Shown.DELETED


def _present(contribution, user_id: int | None):
    """SQL: a comment whose contribution is shown for its own sake to this reader."""
    shown = contribution.visibility.in_([Visibility.VISIBLE, Visibility.HIDDEN])
    if user_id is None:
        return shown
    return or_(
        shown,
        and_(contribution.visibility == Visibility.PENDING, contribution.author_id == user_id),
    )


def _listed_top_level(thread_id, user_id):
    """Top-level comments of a thread that appear: present ones, and placeholders above replies.

    ``thread_id`` and ``user_id`` are values or bound parameters (``_statements``)."""
    reply = aliased(Comment)
    reply_contribution = aliased(Contribution)
    has_present_reply = exists(
        select(reply.id)
        .join(reply_contribution, reply_contribution.id == reply.contribution_id)
        .where(reply.root_id == Comment.id, _present(reply_contribution, user_id))
    )
    return (
        select(Comment)
        .join(Comment.contribution)
        .where(
            Comment.thread_id == thread_id,
            Comment.parent_id.is_(None),
            or_(_present(Contribution, user_id), has_present_reply),
        )
    )


_ORDER = {
    Sort.OLDEST: (Comment.id.asc(),),
    Sort.NEWEST: (Comment.id.desc(),),
    Sort.AGREED: (Comment.agree_count.desc(), Comment.id.asc()),
}


@dataclass
class Node:
    """A comment as placed on the page: its indentation level, replies and the reader's reaction."""

    comment: Comment
    shown: Shown
    level: int
    my_reaction: Reaction | None = None
    reply_to: Comment | None = None  # set for replies flattened under the third level
    replies: list[Node] = field(default_factory=list)
    # the comment rules the reader passes here (``policies.actions_on``; the view fills them in)
    actions: frozenset[str] = frozenset()

    @property
    def nests_replies(self) -> bool:
        """Levels below the third hold their replies; the third holds all deeper ones flat."""
        return self.level < INDENT_LEVELS


@dataclass
class ThreadPage:
    thread: Thread
    sort: Sort
    page: Page
    nodes: list[Node]

    def all_nodes(self) -> list[Node]:
        """Every node of the page, replies included."""
        found: list[Node] = []
        waiting = list(reversed(self.nodes))
        while waiting:
            node = waiting.pop()
            found.append(node)
            waiting.extend(reversed(node.replies))
        return found


def _user_id(user) -> int | None:
    return user.id if _is_authenticated(user) else None


@dataclass(frozen=True)
class _Statements:
    """The statements of a thread page for one kind of reader, built once: thread, reader and
    comment ids are bound parameters (building them anew cost more CPU than running them).

    Each row of a page also carries the number of top-level comments listed (a window count, so a
    full page needs no count statement of its own) and, for a logged-in reader, their reaction
    (an outer join on the one reaction per person and comment), as do the replies' rows."""

    pages: dict[Sort, Select]
    count: Select
    replies: Select


_STATEMENTS: dict[bool, _Statements] = {}


def _with_reaction(statement: Select, user_id) -> Select:
    """``statement``'s comments with the reader's reaction to each (None: no reaction)."""
    return statement.add_columns(CommentReaction.value).outerjoin(
        CommentReaction,
        and_(CommentReaction.comment_id == Comment.id, CommentReaction.user_id == user_id),
    )


def _statements(reader: bool) -> _Statements:
    built = _STATEMENTS.get(reader)
    if built is None:
        user_id = bindparam("user_id", type_=Integer) if reader else None
        listed = _listed_top_level(bindparam("thread_id", type_=Integer), user_id)
        page = listed.add_columns(func.count().over())
        replies = (
            select(Comment)
            .where(Comment.root_id.in_(bindparam("root_ids", expanding=True)))
            .options(joinedload(Comment.contribution).joinedload(Contribution.author))
            .order_by(Comment.id)
        )
        if reader:
            page, replies = _with_reaction(page, user_id), _with_reaction(replies, user_id)
        built = _STATEMENTS[reader] = _Statements(
            pages={
                sort: page.options(
                    contains_eager(Comment.contribution).joinedload(Contribution.author)
                ).order_by(*order)
                for sort, order in _ORDER.items()
            },
            count=listed.with_only_columns(func.count(Comment.id)),
            replies=replies,
        )
    return built


class _CommentsPage(Page):
    """A page of top-level comments that counts them, when it must, without a subquery: from its
    rows' window count, and with a statement of its own only on a page past the last one. Keeps
    the reader's reactions to the comments it shows (``reactions``)."""

    def _query_count(self) -> int:
        if not self._more and (self.items or self.page == 1):
            return self._query_offset + len(self.items)
        if self._listed is not None:
            return self._listed
        session = self._query_args["session"]
        return session.scalar(self._query_args["count_statement"], self._query_args["params"])

    def _query_items(self) -> list[Comment]:
        session = self._query_args["session"]
        statement = self._query_args["select"].limit(self.per_page + 1).offset(self._query_offset)
        rows = session.execute(statement, self._query_args["params"]).unique().all()
        self._more = len(rows) > self.per_page
        self._listed = rows[0][1] if rows else None
        rows = rows[: self.per_page]
        self.reactions = {row[0].id: row[2] for row in rows if len(row) > 2 and row[2] is not None}
        return [row[0] for row in rows]


def load_thread_page(
    thread: Thread, user, sort: Sort = Sort.OLDEST, page: int = 1, per_page: int = PER_PAGE
) -> ThreadPage:
    """One page of top-level comments with all their replies, arranged for display.

    A constant number of queries, however many comments the page shows: the page of top-level
    comments and all their replies, each with contributions, authors and the reader's reactions
    joined in (a page past the last one also counts the comments).
    """
    user_id = _user_id(user)
    statements = _statements(user_id is not None)
    params = {"thread_id": thread.id, "user_id": user_id}
    pagination = _CommentsPage(
        select=statements.pages[sort],
        count_statement=statements.count,
        params=params,
        session=db.session(),
        page=page,
        per_page=per_page,
        max_per_page=None,
        error_out=False,
    )
    tops: list[Comment] = list(pagination.items)
    if not tops:
        return ThreadPage(thread, sort, pagination, [])
    mine: dict[int, Reaction] = dict(pagination.reactions)
    replies: list[Comment] = []
    for row in db.session.execute(
        statements.replies, {"root_ids": [c.id for c in tops], "user_id": user_id}
    ).unique():
        replies.append(row[0])
        if user_id is not None and row[1] is not None:
            mine[row[0].id] = row[1]
    return ThreadPage(thread, sort, pagination, arrange(tops, replies, user_id, mine))


def arrange(
    tops: list[Comment],
    replies: list[Comment],
    user_id: int | None,
    mine: dict[int, Reaction] | None = None,
) -> list[Node]:
    """Nest replies up to the third level and flatten deeper ones there, in the order written.

    A deleted (or someone else's pending) comment stays as a placeholder only while a shown reply
    hangs below it. Works without recursion, so arbitrarily deep threads cannot exhaust the stack:
    a reply always has a higher id than the comment it answers.
    """
    mine = mine or {}
    by_id = {c.id: c for c in (*tops, *replies)}
    shown = {c.id: _shown(c, user_id) for c in by_id.values()}
    kept: dict[int, bool] = {}
    for comment in sorted(by_id.values(), key=lambda c: c.id, reverse=True):
        kept[comment.id] = kept.get(comment.id, False) or shown[comment.id] in _ALWAYS_SHOWN
        if kept[comment.id] and comment.parent_id in by_id:
            kept[comment.parent_id] = True

    nodes = {
        c.id: Node(c, shown[c.id], min(c.depth, INDENT_LEVELS), mine.get(c.id))
        for c in by_id.values()
        if kept[c.id]
    }
    holder: dict[int, int] = {}  # comment at level 3 or deeper -> the level-2 comment holding it
    for comment in sorted(replies, key=lambda c: c.id):
        node = nodes.get(comment.id)
        if node is None or comment.parent_id not in nodes:
            continue
        if comment.depth <= INDENT_LEVELS:
            nodes[comment.parent_id].replies.append(node)
            if comment.depth == INDENT_LEVELS:
                holder[comment.id] = comment.parent_id
        else:
            holder[comment.id] = holder[comment.parent_id]
            node.reply_to = by_id[comment.parent_id]
            nodes[holder[comment.id]].replies.append(node)
    return [nodes[c.id] for c in tops if c.id in nodes]


def node_for(comment: Comment, user) -> Node:
    """A single comment as a node of its own (for the piece returned after writing or reacting)."""
    reply_to = comment.parent if comment.depth > INDENT_LEVELS else None
    return Node(
        comment,
        _shown(comment, _user_id(user)),
        min(comment.depth, INDENT_LEVELS),
        reaction_of(user, comment),
        reply_to=reply_to,
    )


def page_of(comment: Comment, user) -> int:
    """The page (in the default order, oldest first) that shows ``comment``'s branch."""
    root_id = comment.root_id or comment.id
    before = db.session.scalar(
        select(func.count()).select_from(
            _listed_top_level(comment.thread_id, _user_id(user))
            .where(Comment.id < root_id)
            .subquery()
        )
    )
    return before // PER_PAGE + 1
