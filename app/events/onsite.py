"""Input gathered off-line, entered by staff and facilitators on behalf of the participants.

Each card becomes an ordinary proposal or comment (so moderation, the report and "what became of
it" treat it like any other), whose contribution has no account behind it, speaks for the
citizens, and carries the channel it came through; an ``OnsiteEntry`` keeps the event or the
note on its origin and who typed it in. The consolidated report counts channels side by side.

A CSV import is parsed and checked completely before anything is stored: the preview lists every
row with its errors, and saving parses the same text again and saves all rows or none.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.models import User
from app.comments import services as comments
from app.comments.models import Comment
from app.contributions import services as contributions
from app.contributions.models import Channel, Contribution, Visibility
from app.core import audit
from app.core.roles import TrialogGroup
from app.core.sanitize import clean_plain, plain_text
from app.events.models import OnsiteEntry, OnsiteEvent
from app.extensions import db
from app.processes.models import Process
from app.processes.services import rich_text
from app.proposals import services as proposals
from app.proposals.models import Proposal

PROPOSAL = "proposal"
COMMENT = "comment"
KIND_WORDS = {
    "proposal": PROPOSAL,
    "vorschlag": PROPOSAL,
    "idee": PROPOSAL,
    "comment": COMMENT,
    "kommentar": COMMENT,
    "anmerkung": COMMENT,
}
HEADER_WORDS = {
    "kind": "kind",
    "art": "kind",
    "title": "title",
    "titel": "title",
    "text": "text",
    "beschreibung": "text",
}
NOTE_MAX = 300
MAX_ROWS = 500
MAX_CSV_BYTES = 512 * 1024


@dataclass
class Card:
    """One piece of on-site input: a proposal (title and text) or a comment (text)."""

    kind: str
    title: str
    text: str
    line: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class Origin:
    """Where a batch of cards came from: an event of the process, or a channel and a note."""

    channel: Channel
    event: OnsiteEvent | None = None
    note: str = ""


def origin_label(channel: str, event: OnsiteEvent | None, note: str = "") -> str:
    """The visible source line: "aus der Veranstaltung „…“ am …", "per Brief", ..."""
    if event is not None:
        label = _(
            "from the event “%(title)s” on %(date)s",
            title=event.title,
            date=format_date(event.starts_at, "medium"),
        )
    elif channel == Channel.LETTER:
        label = _("by letter")
    elif channel == Channel.PHONE:
        label = _("by phone")
    elif channel == Channel.PAPER:
        label = _("on a paper form")
    else:
        label = _("on site")
    return f"{label} ({note})" if note else label


def check_card(card: Card) -> Card:
    card.kind = KIND_WORDS.get(clean_plain(card.kind).casefold(), card.kind)
    card.title = clean_plain(card.title)
    card.text = clean_plain(card.text)
    if card.kind not in (PROPOSAL, COMMENT):
        card.errors.append(_("Kind must be “proposal” or “comment”."))
    if not card.text:
        card.errors.append(_("The text is empty."))
    elif len(card.text) > proposals.TEXT_MAX:
        card.errors.append(_("At most %(max)d characters.", max=proposals.TEXT_MAX))
    if card.kind == PROPOSAL:
        if not card.title:
            card.errors.append(_("A proposal needs a title."))
        elif len(card.title) > proposals.TITLE_MAX:
            card.errors.append(
                _("The title has at most %(max)d characters.", max=proposals.TITLE_MAX)
            )
    return card


def parse_csv(data: str) -> tuple[list[Card], list[str]]:
    """Cards from CSV text with a header row (``kind,title,text`` or ``Art,Titel,Text``; comma or
    semicolon), each checked; plus errors about the file as a whole."""
    if len(data.encode("utf-8")) > MAX_CSV_BYTES:
        return [], [_("The file is too large (at most 512 KB).")]
    data = data.lstrip("\ufeff")
    if not data.strip():
        return [], [_("The file is empty.")]
    try:
        dialect = csv.Sniffer().sniff(data.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(data), dialect)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        return [], [_("The file is empty.")]
    columns = [HEADER_WORDS.get(clean_plain(name).casefold()) for name in header]
    missing = [name for name in ("kind", "text") if name not in columns]
    if missing:
        return [], [
            _("The first row must name the columns: kind, title, text (or Art, Titel, Text).")
        ]
    cards: list[Card] = []
    try:
        for number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(cards) >= MAX_ROWS:
                return cards, [_("At most %(max)d rows per import.", max=MAX_ROWS)]
            values = {col: (row[i] if i < len(row) else "") for i, col in enumerate(columns) if col}
            card = Card(
                values.get("kind", ""), values.get("title", ""), values.get("text", ""), number
            )
            if len(row) > len(columns):
                card.errors.append(_("This row has more cells than the header."))
            cards.append(check_card(card))
    except csv.Error as exc:
        return cards, [_("The file cannot be read as CSV: %(error)s", error=str(exc))]
    if not cards:
        return [], [_("The file has no rows below the header.")]
    return cards, []


def _contribution(process: Process, kind: str, channel: Channel) -> Contribution:
    """A contribution on behalf of participants: no account, the citizens' voice, its channel."""
    contribution = Contribution(
        municipality_id=process.municipality_id,
        process_id=process.id,
        author_id=None,
        author_group=TrialogGroup.CITIZENS,
        kind=kind,
        channel=channel.value,
        visibility=Visibility.VISIBLE,
    )
    db.session.add(contribution)
    db.session.flush()
    return contribution


def _stored_as(card: Card) -> tuple[str, str, str]:
    """What a card is kept as: its kind, title (proposals) and text as the database holds it."""
    if card.kind == PROPOSAL:
        return PROPOSAL, card.title, plain_text(rich_text(card.text))
    return COMMENT, "", card.text


def _same_batch(
    process: Process, actor: User, origin: Origin, note: str, cards: list[Card], since
) -> bool:
    """Are the last entries ``actor`` made in ``process`` since ``since`` exactly these cards,
    from this origin? (The batch sent again: every card, nothing more, the same place.)"""
    rows = db.session.execute(
        select(
            OnsiteEntry.event_id,
            OnsiteEntry.source,
            Contribution.channel,
            Contribution.kind,
            Proposal.title,
            Proposal.description_text,
            Comment.source,
        )
        .join(Contribution, Contribution.id == OnsiteEntry.contribution_id)
        .outerjoin(Proposal, Proposal.contribution_id == Contribution.id)
        .outerjoin(Comment, Comment.contribution_id == Contribution.id)
        .where(
            OnsiteEntry.entered_by_id == actor.id,
            OnsiteEntry.created_at >= since,
            Contribution.process_id == process.id,
        )
        .order_by(OnsiteEntry.id.desc())
        .limit(len(cards))
    ).all()
    place = (origin.event.id if origin.event else None, note, origin.channel.value)
    if len(rows) != len(cards) or any(tuple(row[:3]) != place for row in rows):
        return False
    stored = [
        (PROPOSAL, title or "", text or "") if kind == PROPOSAL else (COMMENT, "", source or "")
        for _event, _source, _channel, kind, title, text, source in rows
    ]
    return sorted(stored) == sorted(_stored_as(card) for card in cards)


def enter_cards(process: Process, actor: User, origin: Origin, cards: Iterable[Card]) -> int:
    """Save checked cards; all or nothing (the caller commits once). Returns how many.

    The same batch sent again by the same person a moment later (``contributions.REPEAT_WINDOW``:
    a double click on "save", a retry): the same cards from the same origin as the last ones they
    entered in this process. It stores, counts and audits nothing, and ``AlreadyWritten`` carries
    the number of cards the first request saved. Two equal cards in one batch (two people wrote
    the same) are both saved.
    """
    cards = list(cards)
    if any(card.errors for card in cards):
        raise ValueError("cards with errors are never saved")
    if origin.event is not None and origin.event.process_id != process.id:
        raise ValueError("the event belongs to another process")
    note = clean_plain(origin.note)[:NOTE_MAX]
    since = contributions.hold_author(actor)
    if cards and _same_batch(process, actor, origin, note, cards, since):
        raise contributions.AlreadyWritten(len(cards))
    thread = None
    for card in cards:
        contribution = _contribution(
            process, "proposal" if card.kind == PROPOSAL else "comment", origin.channel
        )
        if card.kind == PROPOSAL:
            description = rich_text(card.text)
            text = plain_text(description)
            proposal = Proposal(
                municipality_id=process.municipality_id,
                process_id=process.id,
                title=card.title,
                description=description,
                description_text=text,
                search_text=f"{card.title}\n{text}".casefold(),
                contribution=contribution,
                thread=contributions.new_thread(process),
            )
            db.session.add(proposal)
        else:
            if thread is None:
                thread = comments.thread_for_process(process)
            db.session.add(
                Comment(
                    contribution=contribution,
                    thread_id=thread.id,
                    depth=0,
                    source=card.text,
                    body=comments.render_body(card.text),
                )
            )
            contributions.change_comment_count(thread.id, +1)
        db.session.add(
            OnsiteEntry(
                municipality_id=process.municipality_id,
                contribution_id=contribution.id,
                event_id=origin.event.id if origin.event else None,
                source=note,
                entered_by_id=actor.id,
            )
        )
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="onsite.enter",
        object_type="process",
        object_id=process.id,
        municipality_id=process.municipality_id,
        after={
            "channel": origin.channel.value,
            "event_id": origin.event.id if origin.event else None,
            "note": note,
            "proposals": sum(1 for card in cards if card.kind == PROPOSAL),
            "comments": sum(1 for card in cards if card.kind == COMMENT),
        },
    )
    return len(cards)


def entries_of(process: Process, limit: int = 100) -> list[tuple[OnsiteEntry, Contribution]]:
    """The latest on-site entries of a process, for the staff page."""
    return list(
        db.session.execute(
            select(OnsiteEntry, Contribution)
            .join(Contribution, Contribution.id == OnsiteEntry.contribution_id)
            .where(
                Contribution.process_id == process.id,
                OnsiteEntry.municipality_id == process.municipality_id,
            )
            .order_by(OnsiteEntry.id.desc())
            .limit(limit)
        ).all()
    )


def origin_of(contribution: Contribution) -> str | None:
    """The source line of an on-site contribution, or None for online ones."""
    if contribution.channel == Channel.ONLINE:
        return None
    entry = db.session.scalar(
        select(OnsiteEntry).where(OnsiteEntry.contribution_id == contribution.id)
    )
    if entry is None:
        return origin_label(contribution.channel, None)
    event = db.session.get(OnsiteEvent, entry.event_id) if entry.event_id else None
    return origin_label(contribution.channel, event, entry.source)


def count_for_event(event: OnsiteEvent) -> int:
    """How many visible contributions were entered from this event."""
    from sqlalchemy import func

    return (
        db.session.scalar(
            select(func.count(OnsiteEntry.id))
            .join(Contribution, Contribution.id == OnsiteEntry.contribution_id)
            .where(OnsiteEntry.event_id == event.id, Contribution.visibility == Visibility.VISIBLE)
        )
        or 0
    )
