"""The rules of draft texts: writing and importing the working version, publishing it, starting
the next version, marking how comments were taken in, and the figures of the reading page and the
report.

Services flush, never commit; the request commits once. Pages read a version with a fixed number of
queries, whatever its length: chapters with paragraphs (two), comment figures of all its threads
(one ``GROUP BY``), the answered comments of the previous version (one).
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import and_, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app.accounts.models import User
from app.comments.models import Comment
from app.contributions import services as contributions
from app.contributions.models import Contribution, Thread, Visibility
from app.core import audit
from app.core.locks import lock_row
from app.core.roles import TrialogGroup
from app.core.sanitize import clean_plain
from app.core.time import utcnow
from app.drafts import signals, text
from app.drafts.models import (
    CommentHandling,
    Draft,
    DraftChapter,
    DraftParagraph,
    DraftVersion,
    Handling,
)
from app.extensions import db
from app.municipalities.models import Municipality
from app.processes.models import Process

FORMAT_KEY = "drafts"
MAX_PARAGRAPHS = 2000
MAX_REASON = 2000


class DraftError(Exception):
    """A rule refused the action; ``str(error)`` is a message for the person."""


def new_identity() -> str:
    return uuid.uuid4().hex


# --- loading ------------------------------------------------------------------------------------


def get_draft(municipality: Municipality, draft_id: int) -> Draft | None:
    """A draft of this municipality only; ids of another municipality find nothing."""
    return db.session.scalar(
        select(Draft)
        .where(Draft.id == draft_id, Draft.municipality_id == municipality.id)
        .options(selectinload(Draft.versions))
    )


def drafts_of(process: Process, *, published_only: bool = True) -> list[Draft]:
    drafts = list(
        db.session.scalars(
            select(Draft)
            .where(Draft.process_id == process.id)
            .options(selectinload(Draft.versions))
            .order_by(Draft.id)
        )
    )
    return [d for d in drafts if d.current is not None] if published_only else drafts


def count_per_process(process_ids: Iterable[int]) -> dict[int, int]:
    """Draft texts with a published version, per process, in one query."""
    ids = list(process_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Draft.process_id, func.count(func.distinct(Draft.id)))
        .join(DraftVersion, DraftVersion.draft_id == Draft.id)
        .where(Draft.process_id.in_(ids), DraftVersion.published_at.is_not(None))
        .group_by(Draft.process_id)
    )
    return dict(rows.all())


def titles(draft_ids: Iterable[int]) -> dict[int, str]:
    """The title of each draft's latest published version (or of its first, unpublished one)."""
    ids = list(draft_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(DraftVersion.draft_id, DraftVersion.title, DraftVersion.published_at)
        .where(DraftVersion.draft_id.in_(ids))
        .order_by(DraftVersion.draft_id, DraftVersion.number)
    )
    found: dict[int, str] = {}
    for draft_id, title, published_at in rows:
        if published_at is not None or draft_id not in found:
            found[draft_id] = title
    return found


def version_of(draft: Draft, number: int) -> DraftVersion | None:
    return next((v for v in draft.versions if v.number == number), None)


def chapters_of(version: DraftVersion) -> list[DraftChapter]:
    """The chapters with their paragraphs: two queries, however long the text."""
    return list(
        db.session.scalars(
            select(DraftChapter)
            .where(DraftChapter.version_id == version.id)
            .options(selectinload(DraftChapter.paragraphs))
            .order_by(DraftChapter.position)
        )
    )


def get_chapter(draft: Draft, chapter_id: int) -> DraftChapter | None:
    return db.session.scalar(
        select(DraftChapter)
        .join(DraftVersion, DraftVersion.id == DraftChapter.version_id)
        .where(DraftChapter.id == chapter_id, DraftVersion.draft_id == draft.id)
    )


def get_paragraph(draft: Draft, paragraph_id: int) -> DraftParagraph | None:
    return db.session.scalar(
        select(DraftParagraph)
        .join(DraftVersion, DraftVersion.id == DraftParagraph.version_id)
        .where(DraftParagraph.id == paragraph_id, DraftVersion.draft_id == draft.id)
        .options(joinedload(DraftParagraph.chapter))
    )


# --- writing ------------------------------------------------------------------------------------


def _require_title(title: str) -> str:
    title = clean_plain(title)[:200]
    if not title:
        raise DraftError(_("Please give the draft text a title."))
    return title


def create_draft(actor: User, process: Process, title: str, introduction_source: str = "") -> Draft:
    """A new draft text with its first (working) version, still empty.

    The same draft created again by the same person a moment later
    (``contributions.REPEAT_WINDOW``: a double click, a retry) is not created twice:
    ``AlreadyWritten`` carries the draft the first request created (whose creator the audit log
    names; a draft keeps no author of its own).
    """
    title = _require_title(title)
    introduction_source = clean_plain(introduction_source)
    since = contributions.hold_author(actor)
    earlier = db.session.scalar(
        select(Draft)
        .join(DraftVersion, DraftVersion.draft_id == Draft.id)
        .join(
            audit.AuditEntry,
            and_(
                audit.AuditEntry.action == "draft.create",
                audit.AuditEntry.object_type == "draft",
                audit.AuditEntry.object_id == Draft.id,
            ),
        )
        .where(
            Draft.process_id == process.id,
            Draft.created_at >= since,
            audit.AuditEntry.actor_id == actor.id,
            DraftVersion.number == 1,
            DraftVersion.title == title,
            DraftVersion.introduction_source == introduction_source,
        )
        .order_by(Draft.id.desc())
        .limit(1)
    )
    if earlier is not None:
        raise contributions.AlreadyWritten(earlier)
    draft = Draft(municipality_id=process.municipality_id, process_id=process.id)
    draft.versions.append(
        DraftVersion(
            number=1,
            title=title,
            introduction_source=introduction_source,
            introduction=text.render(introduction_source),
        )
    )
    db.session.add(draft)
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="draft.create",
        object_type="draft",
        object_id=draft.id,
        municipality_id=draft.municipality_id,
        after={"title": draft.versions[0].title},
    )
    return draft


def _previous(draft: Draft, version: DraftVersion) -> DraftVersion | None:
    earlier = [v for v in draft.versions if v.is_published and v.number < version.number]
    return earlier[-1] if earlier else None


def _lock(draft: Draft) -> None:
    """Changes of a draft's versions one after the other: a double click on "publish" publishes
    once, two clicks on "new version" start one, and each sees the versions as the other left
    them."""
    lock_row(Draft, draft.id)
    db.session.scalars(  # the versions as committed now, also those already loaded
        select(DraftVersion)
        .where(DraftVersion.draft_id == draft.id)
        .execution_options(populate_existing=True)
    ).all()
    db.session.expire(draft, ["versions"])


def save_working(
    actor: User,
    draft: Draft,
    *,
    title: str,
    introduction_source: str,
    body_source: str,
    change_note: str = "",
) -> DraftVersion:
    """Replace the working version's text; paragraphs that continue one of the previous published
    version (same or similar words) keep its identity.

    Only the working version is ever written: published versions stand as they were commented.
    """
    _lock(draft)
    version = draft.working
    if version is None:
        raise DraftError(_("Start a new version before changing the text."))
    _preface, parsed = text.parse_body(body_source)
    if sum(len(c.paragraphs) for c in parsed) > MAX_PARAGRAPHS:
        raise DraftError(_("The text has too many paragraphs."))
    version.title = _require_title(title)
    version.introduction_source = clean_plain(introduction_source)
    version.introduction = text.render(version.introduction_source)
    version.body_source = text.text_of(parsed)
    version.change_note = clean_plain(change_note)
    for chapter in list(version.chapters):
        version.chapters.remove(chapter)
    db.session.flush()

    previous = _previous(draft, version)
    old_chapters = chapters_of(previous) if previous else []
    chapter_ids = text.match(
        [(c.identity, c.heading) for c in old_chapters], [c.heading for c in parsed]
    )
    old_paragraphs = [p for c in old_chapters for p in c.paragraphs]
    new_paragraphs = [p for c in parsed for p in c.paragraphs]
    paragraph_ids = text.match(
        [(p.identity, p.text) for p in old_paragraphs], [p.text for p in new_paragraphs]
    )
    position = 0
    for index, parsed_chapter in enumerate(parsed):
        chapter = DraftChapter(
            position=index + 1,
            identity=chapter_ids[index] or new_identity(),
            heading=parsed_chapter.heading,
        )
        version.chapters.append(chapter)
        for parsed_paragraph in parsed_chapter.paragraphs:
            chapter.paragraphs.append(
                DraftParagraph(
                    version=version,
                    position=position + 1,
                    identity=paragraph_ids[position] or new_identity(),
                    source=parsed_paragraph.source,
                    body=parsed_paragraph.body,
                    text=parsed_paragraph.text,
                )
            )
            position += 1
    db.session.flush()
    return version


def publish(actor: User, draft: Draft) -> DraftVersion:
    """Publish the working version: it gets its comment threads and becomes what people read."""
    _lock(draft)
    version = draft.working
    if version is None:
        raise DraftError(_("There is no new version to publish."))
    chapters = chapters_of(version)
    if not any(c.paragraphs for c in chapters):
        raise DraftError(_("Write at least one chapter with a paragraph before publishing."))
    process = draft.process
    pieces: list = [version, *chapters, *(p for c in chapters for p in c.paragraphs)]
    threads = [
        Thread(municipality_id=process.municipality_id, process_id=process.id) for _ in pieces
    ]
    db.session.add_all(threads)
    db.session.flush()
    for piece, thread in zip(pieces, threads, strict=True):
        piece.thread_id = thread.id
    version.published_at = utcnow()
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="draft.publish",
        object_type="draft",
        object_id=draft.id,
        municipality_id=draft.municipality_id,
        after={"version": version.number, "title": version.title},
    )
    signals.version_published.send(version, actor_id=actor.id)
    return version


def start_version(actor: User, draft: Draft) -> DraftVersion:
    """A new working version, starting as a copy of the current one (identities carried over)."""
    _lock(draft)
    if draft.working is not None:
        raise DraftError(_("A new version is already being written."))
    current = draft.current
    if current is None:
        raise DraftError(_("Publish the first version before starting another."))
    version = DraftVersion(
        number=current.number + 1,
        title=current.title,
        introduction_source=current.introduction_source,
        introduction=current.introduction,
        body_source=current.body_source,
    )
    draft.versions.append(version)
    db.session.flush()
    for chapter in chapters_of(current):
        copy = DraftChapter(
            position=chapter.position, identity=chapter.identity, heading=chapter.heading
        )
        version.chapters.append(copy)
        for paragraph in chapter.paragraphs:
            copy.paragraphs.append(
                DraftParagraph(
                    version=version,
                    position=paragraph.position,
                    identity=paragraph.identity,
                    source=paragraph.source,
                    body=paragraph.body,
                    text=paragraph.text,
                )
            )
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="draft.new_version",
        object_type="draft",
        object_id=draft.id,
        municipality_id=draft.municipality_id,
        after={"version": version.number},
    )
    return version


def import_text(filename: str, data: bytes) -> text.ParsedText:
    """Parse an uploaded Word (.docx) or Markdown (.md, .txt) file; nothing is saved."""
    name = (filename or "").lower()
    if name.endswith(".docx"):
        parsed = text.parse_docx(data)
    elif name.endswith((".md", ".markdown", ".txt")):
        parsed = text.parse_markdown(text.decode_text_file(data))
    else:
        raise text.TextInvalid(_("Please choose a Word file (.docx) or a Markdown file (.md)."))
    if not parsed.chapters:
        raise text.TextInvalid(
            _("The file has no headings: headings become the chapters of the draft.")
        )
    return parsed


# --- where a thread stands ----------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """What a thread of a draft is about: the whole text, a chapter or a paragraph of a version."""

    draft_id: int
    version_number: int
    kind: str  # "text", "chapter" or "paragraph"
    id: int  # the version, chapter or paragraph
    identity: str  # "" for the whole text
    position: int  # chapter or paragraph number (0 for the whole text)
    label: str


def places(thread_ids: Iterable[int]) -> dict[int, Place]:
    """The places of these threads, three queries for any number."""
    ids = list(thread_ids)
    if not ids:
        return {}
    found: dict[int, Place] = {}
    for version in db.session.scalars(select(DraftVersion).where(DraftVersion.thread_id.in_(ids))):
        found[version.thread_id] = Place(
            version.draft_id, version.number, "text", version.id, "", 0, _("The whole text")
        )
    for chapter, version in db.session.execute(
        select(DraftChapter, DraftVersion)
        .join(DraftVersion, DraftVersion.id == DraftChapter.version_id)
        .where(DraftChapter.thread_id.in_(ids))
    ):
        found[chapter.thread_id] = Place(
            version.draft_id,
            version.number,
            "chapter",
            chapter.id,
            chapter.identity,
            chapter.position,
            _("Chapter %(number)d: %(heading)s", number=chapter.position, heading=chapter.heading),
        )
    for paragraph, version in db.session.execute(
        select(DraftParagraph, DraftVersion)
        .join(DraftVersion, DraftVersion.id == DraftParagraph.version_id)
        .where(DraftParagraph.thread_id.in_(ids))
    ):
        found[paragraph.thread_id] = Place(
            version.draft_id,
            version.number,
            "paragraph",
            paragraph.id,
            paragraph.identity,
            paragraph.position,
            _("Paragraph %(number)d", number=paragraph.position),
        )
    return found


def superseded_threads(thread_ids: Iterable[int]) -> dict[int, str]:
    """The threads of versions that a later published version replaced, with why they are closed.

    Their comments answer the text their authors read, so they stay readable; new comments belong
    to the current version (a comment on a superseded paragraph would answer a text nobody reads
    any more). The comment system asks this through the thread-owner registry. Four queries for any
    number of threads.
    """
    where = places(thread_ids)
    if not where:
        return {}
    current = dict(
        db.session.execute(
            select(DraftVersion.draft_id, func.max(DraftVersion.number))
            .where(
                DraftVersion.draft_id.in_({p.draft_id for p in where.values()}),
                DraftVersion.published_at.is_not(None),
            )
            .group_by(DraftVersion.draft_id)
        ).all()
    )
    reason = _(
        "A newer version of this text has been published: the comments here stay readable, "
        "new comments go to the current version."
    )
    return {
        thread_id: reason
        for thread_id, place in where.items()
        if place.version_number < current.get(place.draft_id, place.version_number)
    }


def version_threads(version: DraftVersion, chapters: list[DraftChapter]) -> list[int]:
    ids = [version.thread_id] if version.thread_id else []
    for chapter in chapters:
        if chapter.thread_id:
            ids.append(chapter.thread_id)
        ids.extend(p.thread_id for p in chapter.paragraphs if p.thread_id)
    return ids


def draft_threads(draft: Draft) -> list[int]:
    """Every thread of every published version of ``draft``: three small queries."""
    version_ids = [v.id for v in draft.versions]
    if not version_ids:
        return []
    ids = [v.thread_id for v in draft.versions if v.thread_id]
    ids += db.session.scalars(
        select(DraftChapter.thread_id).where(
            DraftChapter.version_id.in_(version_ids), DraftChapter.thread_id.is_not(None)
        )
    ).all()
    ids += db.session.scalars(
        select(DraftParagraph.thread_id).where(
            DraftParagraph.version_id.in_(version_ids), DraftParagraph.thread_id.is_not(None)
        )
    ).all()
    return ids


# --- comment figures ----------------------------------------------------------------------------


@dataclass
class ThreadFigures:
    """Visible comments of one thread, by trialog group, and how many staff have handled."""

    by_group: dict[TrialogGroup, int] = field(default_factory=dict)
    handled: dict[Handling, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_group.values())

    @property
    def unhandled(self) -> int:
        return self.total - sum(self.handled.values())

    @property
    def groups(self) -> list[tuple[TrialogGroup, int]]:
        return [(g, self.by_group[g]) for g in TrialogGroup if self.by_group.get(g)]


def figures(thread_ids: Iterable[int]) -> dict[int, ThreadFigures]:
    """Comment counts by group and handling for many threads: one ``GROUP BY`` query."""
    ids = list(thread_ids)
    result: dict[int, ThreadFigures] = defaultdict(ThreadFigures)
    if not ids:
        return result
    rows = db.session.execute(
        select(
            Comment.thread_id,
            Contribution.author_group,
            CommentHandling.outcome,
            func.count(Comment.id),
        )
        .join(Contribution, Contribution.id == Comment.contribution_id)
        .outerjoin(CommentHandling, CommentHandling.comment_id == Comment.id)
        .where(Comment.thread_id.in_(ids), Contribution.visibility == Visibility.VISIBLE)
        .group_by(Comment.thread_id, Contribution.author_group, CommentHandling.outcome)
    )
    for thread_id, group, outcome, count in rows:
        entry = result[thread_id]
        entry.by_group[group] = entry.by_group.get(group, 0) + count
        if outcome is not None:
            entry.handled[outcome] = entry.handled.get(outcome, 0) + count
    return result


# --- handling -----------------------------------------------------------------------------------


def comment_in_draft(draft: Draft, comment_id: int) -> Comment | None:
    """A comment in one of this draft's threads (with its contribution), or None."""
    threads = draft_threads(draft)
    if not threads:
        return None
    return db.session.scalar(
        select(Comment)
        .join(Comment.contribution)
        .where(Comment.id == comment_id, Comment.thread_id.in_(threads))
        .options(contains_eager(Comment.contribution))
    )


def set_handling(
    actor: User, draft: Draft, comment: Comment, outcome: Handling | None, reason: str = ""
) -> CommentHandling | None:
    """Mark how ``comment`` was taken into the next version (None takes the mark back); audited.

    A comment not adopted needs a reason: the person who wrote it is owed one.
    """
    reason = clean_plain(reason)[:MAX_REASON]
    if outcome in (Handling.NOT_ADOPTED, Handling.PARTLY) and not reason:
        raise DraftError(_("Please give a reason when a comment is not or only partly adopted."))
    if comment.contribution.visibility != Visibility.VISIBLE:
        raise DraftError(_("Only published comments can be marked."))
    handling = db.session.scalar(
        select(CommentHandling).where(CommentHandling.comment_id == comment.id)
    )
    before = {"outcome": handling.outcome.value, "reason": handling.reason} if handling else None
    if outcome is None:
        if handling is not None:
            db.session.delete(handling)
    else:
        if handling is None:
            handling = CommentHandling(
                municipality_id=draft.municipality_id, draft_id=draft.id, comment_id=comment.id
            )
            db.session.add(handling)
        handling.outcome = outcome
        handling.reason = reason
        handling.decided_by_id = actor.id
        handling.decided_at = utcnow()
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="draft.comment_handling",
        object_type="comment",
        object_id=comment.id,
        municipality_id=draft.municipality_id,
        before=before,
        after={"outcome": outcome.value, "reason": reason} if outcome else None,
    )
    if outcome is not None:
        signals.comment_handled.send(handling)
    return handling if outcome is not None else None


@dataclass(frozen=True)
class Answered:
    """A comment on the previous version, with staff's mark, shown beside what it led to."""

    comment: Comment
    handling: CommentHandling


def answered(draft: Draft, version: DraftVersion) -> dict[str, list[Answered]]:
    """The handled comments on the version before ``version``, by the identity of the paragraph or
    chapter they were about ("" for the whole text). One query (plus one for the places)."""
    previous = _previous(draft, version)
    if previous is None:
        return {}
    where = places(draft_threads(draft))
    wanted = [t for t, p in where.items() if p.version_number == previous.number]
    if not wanted:
        return {}
    rows = db.session.execute(
        select(Comment, CommentHandling)
        .join(CommentHandling, CommentHandling.comment_id == Comment.id)
        .join(Comment.contribution)
        .where(Comment.thread_id.in_(wanted), Contribution.visibility == Visibility.VISIBLE)
        .options(contains_eager(Comment.contribution).joinedload(Contribution.author))
        .order_by(Comment.id)
    ).all()
    result: dict[str, list[Answered]] = defaultdict(list)
    for comment, handling in rows:
        result[where[comment.thread_id].identity].append(Answered(comment, handling))
    return result


@dataclass
class HandlingItem:
    place: Place
    comment: Comment
    handling: CommentHandling | None


def comments_to_handle(draft: Draft, version: DraftVersion) -> list[HandlingItem]:
    """Every visible top-level and reply comment on ``version``, in the order of the text."""
    chapters = chapters_of(version)
    threads = version_threads(version, chapters)
    if not threads:
        return []
    where = places(threads)
    rows = db.session.execute(
        select(Comment, CommentHandling)
        .join(Comment.contribution)
        .outerjoin(CommentHandling, CommentHandling.comment_id == Comment.id)
        .where(Comment.thread_id.in_(threads), Contribution.visibility == Visibility.VISIBLE)
        .options(contains_eager(Comment.contribution).joinedload(Contribution.author))
    ).all()
    order = {"text": 0, "chapter": 1, "paragraph": 2}
    items = [HandlingItem(where[c.thread_id], c, h) for c, h in rows]
    items.sort(key=lambda i: (order[i.place.kind], i.place.position, i.comment.id))
    return items


# --- the report ---------------------------------------------------------------------------------


@dataclass
class ReportRow:
    place: Place
    excerpt: str
    figures: ThreadFigures


def report(draft: Draft, version: DraftVersion) -> list[ReportRow]:
    """Every commented piece of ``version`` with its figures, the most discussed first."""
    chapters = chapters_of(version)
    threads = version_threads(version, chapters)
    counted = figures(threads)
    where = places(threads)
    excerpts: dict[int, str] = {}
    for chapter in chapters:
        if chapter.thread_id:
            excerpts[chapter.thread_id] = chapter.heading
        for paragraph in chapter.paragraphs:
            if paragraph.thread_id:
                excerpts[paragraph.thread_id] = _cut(paragraph.text)
    if version.thread_id:
        excerpts[version.thread_id] = version.title
    rows = [
        ReportRow(where[t], excerpts.get(t, ""), counted[t])
        for t in threads
        if t in where and counted[t].total
    ]
    rows.sort(key=lambda r: (-r.figures.total, r.place.kind != "text", r.place.position))
    return rows


def _cut(words: str, length: int = 160) -> str:
    return words if len(words) <= length else words[: length - 1].rstrip() + "…"


def export_csv(draft: Draft) -> str:
    """All visible comments on every version, with the place they refer to and staff's mark."""
    threads = draft_threads(draft)
    where = places(threads)
    rows = (
        db.session.execute(
            select(Comment, CommentHandling)
            .join(Comment.contribution)
            .outerjoin(CommentHandling, CommentHandling.comment_id == Comment.id)
            .where(Comment.thread_id.in_(threads), Contribution.visibility == Visibility.VISIBLE)
            .options(contains_eager(Comment.contribution))
            .order_by(Comment.id)
        ).all()
        if threads
        else []
    )
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        [
            _("Version"),
            _("Refers to"),
            _("Number"),
            _("Paragraph key"),
            _("Comment"),
            _("Reply to"),
            _("Group"),
            _("Written"),
            _("Text"),
            _("Handling"),
            _("Reason"),
        ]
    )
    for comment, handling in rows:
        place = where[comment.thread_id]
        writer.writerow(
            [
                place.version_number,
                place.label,
                place.position or "",
                place.identity,
                comment.id,
                comment.parent_id or "",
                comment.contribution.author_group.label,
                comment.contribution.created_at.isoformat(timespec="minutes"),
                _csv_safe(text.plain(comment.body)),
                handling.outcome.label if handling else "",
                _csv_safe(handling.reason) if handling else "",
            ]
        )
    return out.getvalue()


def _csv_safe(value: str) -> str:
    """No spreadsheet formulas from user text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


# --- the diff -----------------------------------------------------------------------------------


@dataclass
class DiffEntry:
    """One paragraph of the comparison: "same", "changed", "added" or "removed"."""

    state: str
    old: DraftParagraph | None
    new: DraftParagraph | None
    pieces: list[text.Piece] = field(default_factory=list)


@dataclass
class DiffChapter:
    heading: str
    old_heading: str | None  # set when the heading changed
    state: str  # "same", "changed", "added", "removed"
    entries: list[DiffEntry] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return sum(1 for e in self.entries if e.state != "same")


def diff(old: DraftVersion, new: DraftVersion) -> list[DiffChapter]:
    """``new`` paragraph by paragraph against ``old``, following identities.

    A removed paragraph stands after the last paragraph of the new text that preceded it in the old
    one, so the reader sees it where it used to be.
    """
    old_chapters = chapters_of(old)
    new_chapters = chapters_of(new)
    old_by_identity = {p.identity: p for c in old_chapters for p in c.paragraphs}
    new_identities = {p.identity for c in new_chapters for p in c.paragraphs}
    old_chapter_by_identity = {c.identity: c for c in old_chapters}

    # Removed paragraphs, keyed by the identity of the surviving paragraph before them.
    after: dict[str, list[DraftParagraph]] = defaultdict(list)
    orphans_by_chapter: dict[str, list[DraftParagraph]] = defaultdict(list)
    for chapter in old_chapters:
        anchor = ""
        for paragraph in chapter.paragraphs:
            if paragraph.identity in new_identities:
                anchor = paragraph.identity
            elif anchor:
                after[anchor].append(paragraph)
            else:
                orphans_by_chapter[chapter.identity].append(paragraph)

    result: list[DiffChapter] = []
    for chapter in new_chapters:
        before = old_chapter_by_identity.pop(chapter.identity, None)
        if before is None:
            state, old_heading = "added", None
        elif before.heading != chapter.heading:
            state, old_heading = "changed", before.heading
        else:
            state, old_heading = "same", None
        entry = DiffChapter(chapter.heading, old_heading, state)
        entry.entries.extend(
            DiffEntry("removed", p, None) for p in orphans_by_chapter.pop(chapter.identity, [])
        )
        for paragraph in chapter.paragraphs:
            previous = old_by_identity.get(paragraph.identity)
            if previous is None:
                entry.entries.append(DiffEntry("added", None, paragraph))
            elif previous.text == paragraph.text:
                entry.entries.append(DiffEntry("same", previous, paragraph))
            else:
                entry.entries.append(
                    DiffEntry(
                        "changed",
                        previous,
                        paragraph,
                        text.word_diff(previous.text, paragraph.text),
                    )
                )
            entry.entries.extend(
                DiffEntry("removed", p, None) for p in after.pop(paragraph.identity, [])
            )
        result.append(entry)
    for chapter in old_chapter_by_identity.values():  # chapters that are gone
        removed = DiffChapter(chapter.heading, None, "removed")
        removed.entries.extend(
            DiffEntry("removed", p, None)
            for p in chapter.paragraphs
            if p.identity not in new_identities
        )
        result.append(removed)
    leftovers = [p for ps in (*after.values(), *orphans_by_chapter.values()) for p in ps]
    if leftovers:  # removed paragraphs whose chapter moved on without them
        result[-1].entries.extend(DiffEntry("removed", p, None) for p in leftovers)
    return result
