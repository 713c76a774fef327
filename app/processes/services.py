"""The rules of processes and phases: what may happen, and what happens, independent of HTTP.

Services flush, never commit; the request (or the scheduler job) commits once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache
from typing import IO

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import Integer, Select, String, and_, bindparam, case, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, load_only, selectinload

from app.accounts.models import User
from app.contributions import services as contributions
from app.core import audit, request_cache, uploads
from app.core.locks import lock_row
from app.core.sanitize import clean_plain, clean_rich
from app.core.time import UTCDateTime, utcnow
from app.extensions import db
from app.municipalities.models import Municipality
from app.processes import formats
from app.processes.models import (
    DecisionMaker,
    Phase,
    PhaseKind,
    Process,
    ProcessFollow,
    ProcessFormat,
    ProcessState,
    Visibility,
)

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")


# --- errors -------------------------------------------------------------------------------------


class ProcessError(Exception):
    """A process rule refused the action; ``str(error)`` is a message for the person."""


class SlugTaken(ProcessError):
    pass


class PhaseInvalid(ProcessError):
    """The phase's times break the timeline; ``field`` names the form field to show it at."""

    def __init__(self, message: str, field: str = "starts_at") -> None:
        super().__init__(message)
        self.field = field


class ConceptIncomplete(ProcessError):
    """Publishing needs the whole participation concept and a timeline."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(
            _("Before publishing, please complete: %(fields)s.", fields=", ".join(missing))
        )
        self.missing = missing


class NotAllowed(ProcessError):
    pass


class ImageInvalid(ProcessError):
    pass


# --- data ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessData:
    title: str
    slug: str = ""
    summary: str = ""
    description: str = ""
    topic: str = ""
    visibility: Visibility = Visibility.PUBLIC
    contact_name: str = ""
    contact_email: str | None = None
    contact_details: str = ""
    goal: str = ""
    question: str = ""
    open_to_influence: str = ""
    already_fixed: str = ""
    decision_maker: DecisionMaker | None = None
    decision_timing: str = ""
    input_use: str = ""
    feedback_by: date | None = None
    reminder_hours: int | None = None
    image_alt: str = ""
    formats: tuple[str, ...] = ()
    image: IO[bytes] | None = None  # a new image upload
    remove_image: bool = False


@dataclass(frozen=True)
class PhaseData:
    kind: PhaseKind
    title: str
    starts_at: datetime  # aware, any zone; stored in UTC
    ends_at: datetime
    description: str = ""


RICH_FIELDS = ("description", "goal", "question", "open_to_influence", "already_fixed", "input_use")
PLAIN_FIELDS = ("title", "summary", "topic", "contact_name", "contact_details", "decision_timing")

CONCEPT_FIELDS = {
    "summary": _l("Short summary"),
    "goal": _l("Goal"),
    "question": _l("Question to the public"),
    "open_to_influence": _l("What is open to influence"),
    "already_fixed": _l("What is already fixed"),
    "decision_maker": _l("Who decides"),
    "decision_timing": _l("When the decision is taken"),
    "input_use": _l("What happens with the input"),
    "feedback_by": _l("Feedback promised by"),
}


# --- processes ----------------------------------------------------------------------------------


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def slug_from_title(title: str) -> str:
    """An address part from a German title: ``Neugestaltung des Marktplatzes`` → ``neugestaltung-des-marktplatzes``."""
    text = unicodedata.normalize("NFKD", title.lower().translate(_UMLAUTS))
    text = text.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:80].strip("-") or "verfahren"


def get_process(municipality: Municipality, process_id: int) -> Process | None:
    """A process of this municipality only; ids of another municipality find nothing."""
    return db.session.scalar(
        select(Process).where(Process.id == process_id, Process.municipality_id == municipality.id)
    )


# Every page of a process runs it: built once, slug and municipality come as parameters. Phases and
# formats (every format's page asks the phase gate and the formats) come in the same statement: a
# handful of rows (phases times formats) instead of three round trips.
_BY_SLUG = (
    select(Process)
    .where(
        Process.slug == bindparam("slug"), Process.municipality_id == bindparam("municipality_id")
    )
    .options(joinedload(Process.phases), joinedload(Process.format_rows))
)


def get_process_by_slug(municipality: Municipality, slug: str) -> Process | None:
    return (
        db.session.execute(_BY_SLUG, {"slug": slug, "municipality_id": municipality.id})
        .unique()
        .scalar_one_or_none()
    )


def _slug_is_free(municipality_id: int, slug: str, except_id: int | None) -> bool:
    query = select(Process.id).where(
        Process.municipality_id == municipality_id, Process.slug == slug
    )
    if except_id is not None:
        query = query.where(Process.id != except_id)
    return db.session.scalar(query) is None


_BLOCK_TAG = re.compile(r"<(p|ul|ol|blockquote|br)\b", re.IGNORECASE)


def rich_text(text: str | None) -> str:
    """Sanitised HTML from a text area: plain paragraphs (blank-line separated) become ``<p>``."""
    text = clean_plain(text)
    if not text:
        return ""
    if not _BLOCK_TAG.search(text):
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
        text = "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs)
    return str(clean_rich(text))


_EDITABLE_AS_TEXT = re.compile(r"<(ul|ol|blockquote)\b", re.IGNORECASE)


def rich_text_for_editing(html: str | None) -> str:
    """Stored rich text as the text area shows it: paragraphs as blank lines, the rest as is.

    The inverse of ``rich_text`` for what staff usually write, so that editing a text does not
    confront them with ``<p>`` tags; texts with lists keep their HTML.
    """
    if not html or _EDITABLE_AS_TEXT.search(html):
        return html or ""
    text = re.sub(r"</p>\s*<p>", "\n\n", html.strip())
    text = re.sub(r"^<p>|</p>$", "", text)
    return re.sub(r"<br\s*/?>", "\n", text)


def _apply(process: Process, data: ProcessData) -> None:
    if data.image is not None:
        old_key = process.image_key
        try:
            process.image_key = uploads.store_image(data.image, "processes")
        except uploads.ImageTooLarge as exc:
            raise ImageInvalid(str(exc.message)) from exc
        except uploads.InvalidImage as exc:
            raise ImageInvalid(
                _("This file is not a JPEG, PNG or WebP image we can read.")
            ) from exc
        uploads.delete_after_commit(old_key)  # the old image goes once the new one is saved
    elif data.remove_image and process.image_key:
        uploads.delete_after_commit(process.image_key)
        process.image_key = None
    for name in PLAIN_FIELDS:
        setattr(process, name, clean_plain(getattr(data, name)))
    for name in RICH_FIELDS:
        setattr(process, name, rich_text(getattr(data, name)))
    process.visibility = data.visibility
    process.contact_email = clean_plain(data.contact_email) or None
    process.decision_maker = data.decision_maker
    process.feedback_by = data.feedback_by
    process.reminder_hours = data.reminder_hours or None
    process.image_alt = clean_plain(data.image_alt) if process.image_key else ""


def _state(process: Process) -> dict:
    return {
        "title": process.title,
        "slug": process.slug,
        "state": process.state.value,
        "visibility": process.visibility.value,
        "formats": sorted(process.format_keys),
    }


def save_process(
    actor: User, municipality: Municipality, data: ProcessData, process: Process | None = None
) -> Process:
    """Create a draft process or update one; the slug is unique within the municipality."""
    slug = (data.slug or "").strip().lower() or slug_from_title(data.title)
    if not SLUG_PATTERN.match(slug):
        raise SlugTaken(_("Use lower-case letters, digits and hyphens only."))
    if not _slug_is_free(municipality.id, slug, process.id if process else None):
        raise SlugTaken(_("Another process of this municipality already uses this address."))
    before = _state(process) if process else None
    try:
        # A savepoint: losing the slug to a concurrent save undoes this save only, never what the
        # request did before it.
        with db.session.begin_nested():
            if process is None:
                process = Process(municipality=municipality, state=ProcessState.DRAFT)
                db.session.add(process)
            process.slug = slug
            _apply(process, data)
            set_formats(process, data.formats)
    except IntegrityError as exc:  # a concurrent save took the slug between check and flush
        raise SlugTaken(
            _("Another process of this municipality already uses this address.")
        ) from exc
    audit.record(
        actor_id=actor.id,
        action="process.update" if before else "process.create",
        object_type="process",
        object_id=process.id,
        municipality_id=municipality.id,
        before=before,
        after=_state(process),
    )
    return process


def set_formats(process: Process, keys) -> None:
    """Switch on exactly the registered formats in ``keys``."""
    wanted = {key for key in keys if formats.get_format(key) is not None}
    for row in list(process.format_rows):
        if row.key not in wanted:
            process.format_rows.remove(row)
    present = set(process.format_keys)
    for key in sorted(wanted - present):
        process.format_rows.append(ProcessFormat(key=key))


def missing_for_publication(process: Process) -> list[str]:
    missing = [str(label) for name, label in CONCEPT_FIELDS.items() if not getattr(process, name)]
    if not process.phases:
        missing.append(str(_l("at least one phase")))
    return missing


def _lock_state(process: Process) -> None:
    """State changes one after the other: a double click (or the API and a page at once)
    publishes or archives, and audits, once."""
    lock_row(Process, process.id)
    db.session.refresh(process, ["state", "published_at", "archived_at"])


def publish(actor: User, process: Process, now: datetime | None = None) -> None:
    """Publish a draft (or an archived process again) once its concept is complete."""
    _lock_state(process)
    if process.is_published:
        return
    missing = missing_for_publication(process)
    if missing:
        raise ConceptIncomplete(missing)
    before = process.state
    process.state = ProcessState.PUBLISHED
    process.published_at = process.published_at or now or utcnow()
    process.archived_at = None
    audit.record(
        actor_id=actor.id,
        action="process.publish",
        object_type="process",
        object_id=process.id,
        municipality_id=process.municipality_id,
        before={"state": before.value},
        after={"state": process.state.value},
    )


def archive(actor: User, process: Process, now: datetime | None = None) -> None:
    """Archive a process: it stays readable (if it was published) and takes no contributions."""
    _lock_state(process)
    if process.is_archived:
        return
    before = process.state
    process.state = ProcessState.ARCHIVED
    process.archived_at = now or utcnow()
    audit.record(
        actor_id=actor.id,
        action="process.archive",
        object_type="process",
        object_id=process.id,
        municipality_id=process.municipality_id,
        before={"state": before.value},
        after={"state": process.state.value},
    )


def manageable_processes(municipality: Municipality) -> Select:
    """Every process of the municipality, drafts included, newest first (the back office list)."""
    return (
        select(Process)
        .where(Process.municipality_id == municipality.id)
        .options(selectinload(Process.phases))
        .order_by(Process.created_at.desc(), Process.id.desc())
    )


# --- phases -------------------------------------------------------------------------------------


def _format_local(moment: datetime) -> str:
    return format_datetime(moment, "short")


def validate_phase(process: Process, data: PhaseData, phase: Phase | None = None) -> None:
    """Phases end after they start and never overlap; touching (end = next start) is fine."""
    if data.ends_at <= data.starts_at:
        raise PhaseInvalid(_("The end must be after the start."), field="ends_at")
    for other in process.phases:
        if phase is not None and other.id == phase.id:
            continue
        if data.starts_at < other.ends_at and other.starts_at < data.ends_at:
            raise PhaseInvalid(
                _(
                    "This phase overlaps with “%(title)s” (%(start)s to %(end)s). "
                    "Phases follow one another without overlapping.",
                    title=other.title,
                    start=_format_local(other.starts_at),
                    end=_format_local(other.ends_at),
                )
            )


def _lock_timeline(process: Process) -> None:
    """Serialise timeline changes of one process (PostgreSQL row lock; SQLite locks the file)."""
    db.session.execute(select(Process.id).where(Process.id == process.id).with_for_update())


def _phase_state(phase: Phase) -> dict:
    return {
        "kind": phase.kind.value,
        "title": phase.title,
        "starts_at": phase.starts_at.isoformat(),
        "ends_at": phase.ends_at.isoformat(),
    }


def add_phase(actor: User, process: Process, data: PhaseData) -> Phase:
    _lock_timeline(process)
    validate_phase(process, data)
    phase = Phase(kind=data.kind)
    _apply_phase(phase, data)
    process.phases.append(phase)
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="phase.create",
        object_type="phase",
        object_id=phase.id,
        municipality_id=process.municipality_id,
        after=_phase_state(phase),
    )
    return phase


def _apply_phase(phase: Phase, data: PhaseData) -> None:
    phase.kind = data.kind
    phase.title = clean_plain(data.title)
    phase.description = rich_text(data.description)
    phase.starts_at = data.starts_at
    phase.ends_at = data.ends_at


def update_phase(actor: User, phase: Phase, data: PhaseData) -> None:
    """Change a phase; moved times make the scheduler carry out their transitions again."""
    _lock_timeline(phase.process)
    validate_phase(phase.process, data, phase)
    before = _phase_state(phase)
    if data.starts_at != phase.starts_at:
        phase.start_handled_at = None
    if data.ends_at != phase.ends_at:
        phase.end_handled_at = None
        phase.reminder_sent_at = None
    _apply_phase(phase, data)
    phase.process.phases.sort(key=lambda p: (p.starts_at, p.id or 0))
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="phase.update",
        object_type="phase",
        object_id=phase.id,
        municipality_id=phase.process.municipality_id,
        before=before,
        after=_phase_state(phase),
    )


def delete_phase(actor: User, phase: Phase) -> None:
    process = phase.process
    if not process.is_draft and len(process.phases) <= 1:
        raise NotAllowed(_("A published process keeps at least one phase."))
    audit.record(
        actor_id=actor.id,
        action="phase.delete",
        object_type="phase",
        object_id=phase.id,
        municipality_id=process.municipality_id,
        before=_phase_state(phase),
    )
    process.phases.remove(phase)
    db.session.flush()


def get_phase(process: Process, phase_id: int) -> Phase | None:
    return next((p for p in process.phases if p.id == phase_id), None)


# --- who may take part now ----------------------------------------------------------------------


class GateReason(StrEnum):
    OPEN = "open"
    NOT_PUBLISHED = "not_published"
    ARCHIVED = "archived"
    NOT_YET = "not_yet"
    ENDED = "ended"
    NO_PARTICIPATION = "no_participation"
    LOGIN = "login"
    JOIN = "join"
    BLOCKED = "blocked"  # the person is blocked from taking part in this municipality


@dataclass(frozen=True)
class Gate:
    """Whether someone may contribute to a process now, and if not, why and until when."""

    reason: GateReason
    message: str
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    phase: Phase | None = field(default=None, compare=False)

    @property
    def allowed(self) -> bool:
        return self.reason == GateReason.OPEN

    @property
    def participation_open(self) -> bool:
        """The phase is open, whoever asks (anonymous visitors only need to log in)."""
        return self.reason in {
            GateReason.OPEN,
            GateReason.LOGIN,
            GateReason.JOIN,
            GateReason.BLOCKED,
        }


def _is_member(user, municipality: Municipality) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.membership_in(municipality) is not None
    )


def phase_gate(process: Process, now: datetime) -> Gate:
    """Is a participation phase open at ``now``? Computed from the stored phase times."""
    if process.is_draft:
        return Gate(GateReason.NOT_PUBLISHED, _("This process is not published yet."))
    if process.is_archived:
        return Gate(GateReason.ARCHIVED, _("This process is archived; contributions are closed."))
    running = process.open_participation_phase(now)
    if running is not None:
        return Gate(
            GateReason.OPEN,
            # Made when shown: nearly everyone who asks only wants to know that it is open (a
            # support asks twice), and formatting the date was most of the gate's cost.
            _l(
                "Participation is open until %(end)s.",
                end=LazyString(_format_local, running.ends_at),
            ),
            closes_at=running.ends_at,
            phase=running,
        )
    upcoming = process.next_participation_phase(now)
    if upcoming is not None:
        return Gate(
            GateReason.NOT_YET,
            _(
                "Contributions are closed in the current phase. Participation opens on %(start)s.",
                start=_format_local(upcoming.starts_at),
            ),
            opens_at=upcoming.starts_at,
            phase=upcoming,
        )
    ended = process.last_participation_phase(now)
    if ended is not None:
        return Gate(
            GateReason.ENDED,
            _(
                "The participation phase ended on %(end)s; contributions are closed.",
                end=_format_local(ended.ends_at),
            ),
            phase=ended,
        )
    return Gate(GateReason.NO_PARTICIPATION, _("This process has no participation phase."))


def contribution_gate(process: Process, user, now: datetime) -> Gate:
    """May ``user`` propose, comment, support or answer in ``process`` at ``now``?

    Members of the municipality (every role speaks in the trialog) may, while the process is
    published and a participation phase runs. Formats ask this before every contribution; a page
    asks it for every comment's buttons, so a reading request computes it once per process and
    person, and reuses it for later moments until the phase opens or closes
    (``app.core.request_cache``).
    """
    who, where = request_cache.user_key(user), request_cache.row_key(process)
    if who is None or where is None:
        return _contribution_gate(process, user, now)
    return request_cache.memo_in_time(
        ("contribution_gate", where, who),
        now,
        lambda: _contribution_gate(process, user, now),
        changes_at=_gate_changes_at,
    )


def _gate_changes_at(gate: Gate) -> datetime | None:
    """When a gate's answer changes by itself: its phase opens or closes."""
    moments = [m for m in (gate.opens_at, gate.closes_at) if m is not None]
    return min(moments) if moments else None


def _contribution_gate(process: Process, user, now: datetime) -> Gate:
    gate = phase_gate(process, now)
    if not gate.allowed:
        return gate
    if not getattr(user, "is_authenticated", False):
        return Gate(GateReason.LOGIN, _("Log in to take part."), closes_at=gate.closes_at)
    if not _is_member(user, process.municipality):
        return Gate(
            GateReason.JOIN,
            _("Join %(name)s to take part.", name=process.municipality.name),
            closes_at=gate.closes_at,
        )
    refusal = contributions.participation_refusal(user, process)
    if refusal:
        return Gate(GateReason.BLOCKED, refusal, closes_at=gate.closes_at)
    return gate


# --- following ----------------------------------------------------------------------------------


def is_following(user, process: Process) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        db.session.scalar(
            select(ProcessFollow.id).where(
                ProcessFollow.user_id == user.id, ProcessFollow.process_id == process.id
            )
        )
        is not None
    )


def follow(user: User, process: Process) -> None:
    """Follow a process; following twice is harmless (the unique constraint decides)."""
    if is_following(user, process):
        return
    try:
        with db.session.begin_nested():
            db.session.add(ProcessFollow(user_id=user.id, process_id=process.id))
    except IntegrityError:
        pass  # a concurrent request followed first; the savepoint undid only this row


def unfollow(user: User, process: Process) -> None:
    db.session.execute(
        delete(ProcessFollow).where(
            ProcessFollow.user_id == user.id, ProcessFollow.process_id == process.id
        )
    )


def followers(process: Process) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(ProcessFollow, ProcessFollow.user_id == User.id)
            .where(ProcessFollow.process_id == process.id, User.deleted_at.is_(None))
            .order_by(User.id)
        )
    )


# --- the public list ----------------------------------------------------------------------------


class When(StrEnum):
    ALL = ""
    CURRENT = "current"
    UPCOMING = "upcoming"
    PAST = "past"


def sees_members_only(user, municipality: Municipality) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.is_platform_admin or user.membership_in(municipality) is not None
    )


# What a card of the public list shows; the long texts of a process (description, concept)
# stay in the database.
CARD_COLUMNS = (
    Process.municipality_id,
    Process.slug,
    Process.title,
    Process.summary,
    Process.topic,
    Process.image_key,
    Process.state,
    Process.visibility,
)
CARD_PHASE_COLUMNS = (Phase.process_id, Phase.kind, Phase.starts_at, Phase.ends_at)


def public_listing(
    municipality: Municipality,
    user,
    now: datetime,
    when: When = When.ALL,
    topic: str = "",
    *,
    cards: bool = False,
) -> Select:
    """Published and archived processes this person may read: current, then upcoming, then past
    (``listing``'s statement with its values bound, for callers that execute it as it is)."""
    statement, values = listing(municipality, user, now, when, topic, cards=cards)
    return statement.params(**values)


def listing(
    municipality: Municipality,
    user,
    now: datetime,
    when: When = When.ALL,
    topic: str = "",
    *,
    cards: bool = False,
) -> tuple[Select, dict]:
    """``public_listing`` as a statement and the values to execute it with.

    The statement depends only on its shape (who reads, which filters), so it is built once per
    shape and kept: building it anew took about a millisecond of every municipality page.
    """
    statement = _listing_statement(
        sees_members_only(user, municipality), When(when), bool(topic), cards
    )
    values = {"municipality_id": municipality.id, "now": now}
    if topic:
        values["topic"] = topic
    return statement, values


@lru_cache(maxsize=64)
def _listing_statement(members: bool, when: When, by_topic: bool, cards: bool) -> Select:
    """The timeline span comes from one aggregate subquery (over this municipality's phases only)
    and the phases from one ``selectin`` load, so the page's query count does not grow with the
    number of processes. ``cards``: load only the columns a card shows (whoever reads more of a
    process from this list loads it again, row by row)."""
    municipality_id = bindparam("municipality_id", type_=Integer)
    now = bindparam("now", type_=UTCDateTime())
    span = (
        select(
            Phase.process_id.label("process_id"),
            func.min(Phase.starts_at).label("starts_at"),
            func.max(Phase.ends_at).label("ends_at"),
        )
        .join(Process, Process.id == Phase.process_id)
        .where(Process.municipality_id == municipality_id)
        .group_by(Phase.process_id)
        .subquery()
    )
    past = or_(Process.state == ProcessState.ARCHIVED, span.c.ends_at <= now)
    upcoming = and_(
        Process.state == ProcessState.PUBLISHED,
        or_(span.c.starts_at > now, span.c.starts_at.is_(None)),
    )
    current = and_(
        Process.state == ProcessState.PUBLISHED, span.c.starts_at <= now, span.c.ends_at > now
    )
    query = select(Process).where(
        Process.municipality_id == municipality_id,
        Process.state.in_([ProcessState.PUBLISHED, ProcessState.ARCHIVED]),
    )
    if not members:
        query = query.where(Process.visibility == Visibility.PUBLIC)
    query = query.outerjoin(span, span.c.process_id == Process.id)
    if when == When.CURRENT:
        query = query.where(current)
    elif when == When.UPCOMING:
        query = query.where(upcoming, ~past)
    elif when == When.PAST:
        query = query.where(past)
    if by_topic:
        query = query.where(Process.topic == bindparam("topic", type_=String))
    bucket = case((past, 2), (current, 0), else_=1)
    if cards:
        query = query.options(
            load_only(*CARD_COLUMNS),
            selectinload(Process.phases).load_only(*CARD_PHASE_COLUMNS),
        )
    else:
        query = query.options(selectinload(Process.phases))
    return query.order_by(
        bucket,
        case((past, None), else_=span.c.starts_at).asc(),
        span.c.ends_at.desc(),
        Process.id.desc(),
    )


def topics(municipality: Municipality, user) -> list[str]:
    """The topics of the processes this person may read, for the filter (in code point order,
    whichever collation the database uses: the same order as ``topics_of``)."""
    query = select(Process.topic).where(
        Process.municipality_id == municipality.id,
        Process.state.in_([ProcessState.PUBLISHED, ProcessState.ARCHIVED]),
        Process.topic != "",
    )
    if not sees_members_only(user, municipality):
        query = query.where(Process.visibility == Visibility.PUBLIC)
    return sorted(set(db.session.scalars(query.distinct())))


def topics_of(processes) -> list[str]:
    """``topics`` from processes already loaded: the same answer when they are all the processes
    this person may read (an unfiltered list that fits on one page), without asking again."""
    return sorted({process.topic for process in processes if process.topic})
