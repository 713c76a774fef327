"""The kinds of events people can be told about: label, default e-mail choice, audience, message.

A kind says *who* hears of an event (``audience``: candidate user ids, from one or two queries),
whether each of them may *read* what it is about (``readable``, asked through the permission
registry at expansion time, so a members-only process, an internal result or another municipality
never leaks into a notification), and *what* it says (``message``: one plain-text line in the
current language, built from the event's payload, so the list needs no query per row).

The rules common to every kind live in ``services.expand``: the actor never hears of their own act,
deleted accounts hear nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask_babel import LazyString, format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.notifications.models import Delivery, Event

if TYPE_CHECKING:
    from app.accounts.models import User


class Group:
    """Sections of the preferences page."""

    MINE = "mine"
    FOLLOWING = "following"
    BACK_OFFICE = "back_office"
    COUNCIL = "council"


GROUP_LABELS = {
    Group.MINE: _l("About your contributions"),
    Group.FOLLOWING: _l("Processes you follow or took part in"),
    Group.BACK_OFFICE: _l("For the administration and moderation"),
    Group.COUNCIL: _l("For council members"),
}


@dataclass
class Context:
    """What ``readable`` needs of one event, loaded once per event for all its recipients."""

    event: Event
    objects: dict[str, Any] = field(default_factory=dict)


Audience = Callable[[Event], Iterable[int]]
Readable = Callable[["User", Context], bool]
Message = Callable[[dict[str, Any]], str]
Offered = Callable[["User"], bool]


@dataclass(frozen=True)
class EventKind:
    key: str
    label: LazyString
    group: str
    default: Delivery
    message: Message
    # Filled by ``audiences`` (which imports the domains) when the app starts.
    audience: Audience | None = None
    readable: Readable | None = None
    # Moderation mails the statement of reasons itself (a legal duty, see ``receivers``): these
    # kinds appear in the account list only, and their e-mail cannot be switched off here.
    direct_mail: bool = False


def _when(value: str | None) -> str:
    return format_datetime(datetime.fromisoformat(value), "medium") if value else ""


def _day(value: str | None) -> str:
    return format_date(datetime.fromisoformat(value), "long") if value else ""


def _status(value: str | None) -> str:
    from app.proposals.models import ProposalStatus

    try:
        return ProposalStatus(value).label
    except ValueError:
        return value or ""


KINDS: dict[str, EventKind] = {}


def register(kind: EventKind) -> EventKind:
    if kind.key in KINDS:
        raise ValueError(f"notification kind {kind.key!r} is registered twice")
    KINDS[kind.key] = kind
    return kind


def get(key: str) -> EventKind | None:
    return KINDS.get(key)


def message_for(kind_key: str, payload: dict[str, Any]) -> str:
    kind = KINDS.get(kind_key)
    return kind.message(payload) if kind else ""


# --- the kinds ------------------------------------------------------------------------------------
# Replies and answers come at once by default, everything else in the daily digest.

COMMENT_REPLY = register(
    EventKind(
        "comment_reply",
        _l("Replies to your comments"),
        Group.MINE,
        Delivery.IMMEDIATELY,
        lambda p: _("%(actor)s replied to your comment on “%(title)s”.", **p),
    )
)
PROPOSAL_COMMENT = register(
    EventKind(
        "proposal_comment",
        _l("Comments on your proposals"),
        Group.MINE,
        Delivery.DAILY,
        lambda p: _("%(actor)s commented on your proposal “%(title)s”.", **p),
    )
)
PROPOSAL_ANSWER = register(
    EventKind(
        "proposal_answer",
        _l("Official answers and status changes of proposals you wrote or support"),
        Group.MINE,
        Delivery.IMMEDIATELY,
        lambda p: _(
            "Official answer to the proposal “%(title)s”: %(status)s.",
            title=p["title"],
            status=_status(p.get("status")),
        ),
    )
)
PROPOSAL_STATEMENT = register(
    EventKind(
        "proposal_statement",
        _l("Council statements and decisions on proposals you wrote or support"),
        Group.MINE,
        Delivery.DAILY,
        lambda p: (
            _("The council recorded a decision on the proposal “%(title)s”.", title=p["title"])
            if p.get("decision")
            else _("%(actor)s (council) stated a position on the proposal “%(title)s”.", **p)
        ),
    )
)
PROCESS_PROPOSAL = register(
    EventKind(
        "process_proposal",
        _l("New proposals in processes you follow"),
        Group.FOLLOWING,
        Delivery.DAILY,
        lambda p: _("New proposal in “%(process)s”: “%(title)s”.", **p),
    )
)
PROCESS_PHASE = register(
    EventKind(
        "process_phase",
        _l("Phase changes in processes you follow"),
        Group.FOLLOWING,
        Delivery.DAILY,
        lambda p: _("“%(process)s” has entered a new phase: %(phase)s.", **p),
    )
)
PHASE_CLOSING = register(
    EventKind(
        "phase_closing",
        _l("Participation closing soon in processes you follow"),
        Group.FOLLOWING,
        Delivery.DAILY,
        lambda p: _(
            "Participation in “%(process)s” closes on %(end)s.",
            process=p["process"],
            end=_when(p.get("ends_at")),
        ),
    )
)
PROCESS_COUNCIL = register(
    EventKind(
        "process_council",
        _l("Council statements and decisions on processes you follow or took part in"),
        Group.FOLLOWING,
        Delivery.DAILY,
        lambda p: (
            _("The council recorded a decision on “%(process)s”.", process=p["process"])
            if p.get("decision")
            else _("%(actor)s (council) wrote a statement on “%(process)s”.", **p)
        ),
    )
)
DRAFT_VERSION = register(
    EventKind(
        "draft_version",
        _l("New versions of draft texts in processes you follow"),
        Group.FOLLOWING,
        Delivery.DAILY,
        lambda p: _(
            "Version %(number)s of the draft text “%(title)s” in “%(process)s” has been published.",
            number=p["number"],
            title=p["title"],
            process=p["process"],
        ),
    )
)
OUTCOME_PUBLISHED = register(
    EventKind(
        "outcome_published",
        _l("Outcomes of processes you took part in"),
        Group.FOLLOWING,
        Delivery.IMMEDIATELY,
        lambda p: _("The outcome of “%(process)s” has been published.", **p),
    )
)
CONTRIBUTION_HIDDEN = register(
    EventKind(
        "contribution_hidden",
        _l("Your contribution was hidden or not published"),
        Group.MINE,
        Delivery.IMMEDIATELY,
        lambda p: _("Your contribution “%(title)s” was hidden by the moderation.", **p),
        direct_mail=True,
    )
)
CONTRIBUTION_RESTORED = register(
    EventKind(
        "contribution_restored",
        _l("Your contribution is visible again"),
        Group.MINE,
        Delivery.IMMEDIATELY,
        lambda p: _("Your contribution “%(title)s” is visible again.", **p),
        direct_mail=True,
    )
)
BLOCK_SET = register(
    EventKind(
        "block_set",
        _l("You were blocked from contributing"),
        Group.MINE,
        Delivery.IMMEDIATELY,
        lambda p: _("You cannot contribute in %(municipality)s for now.", **p),
        direct_mail=True,
    )
)
BLOCK_LIFTED = register(
    EventKind(
        "block_lifted",
        _l("A block on you was lifted"),
        Group.MINE,
        Delivery.IMMEDIATELY,
        lambda p: _("You can contribute in %(municipality)s again.", **p),
    )
)
REPORT_NEW = register(
    EventKind(
        "report_new",
        _l("New reports in the moderation queue"),
        Group.BACK_OFFICE,
        Delivery.DAILY,
        lambda p: _("New report in the moderation queue: “%(title)s”.", **p),
    )
)
CONTRIBUTION_PENDING = register(
    EventKind(
        "contribution_pending",
        _l("Contributions awaiting review"),
        Group.BACK_OFFICE,
        Delivery.DAILY,
        lambda p: _("A contribution awaits review: “%(title)s”.", **p),
    )
)
ANSWER_DEADLINE = register(
    EventKind(
        "answer_deadline",
        _l("Proposals reaching their answer deadline"),
        Group.BACK_OFFICE,
        Delivery.DAILY,
        lambda p: _(
            "The official answer to the proposal “%(title)s” is due on %(due)s.",
            title=p["title"],
            due=_day(p.get("due")),
        ),
    )
)
PROCESS_EVALUATION = register(
    EventKind(
        "process_evaluation",
        _l("Processes entering evaluation"),
        Group.COUNCIL,
        Delivery.DAILY,
        lambda p: _("“%(process)s” has entered its evaluation phase.", **p),
    )
)


def attach(key: str, audience: Audience, readable: Readable) -> None:
    """Give a registered kind its audience and read check (``audiences`` does this at start)."""
    kind = KINDS[key]
    object.__setattr__(kind, "audience", audience)
    object.__setattr__(kind, "readable", readable)


def offered(kind: EventKind, groups: set[str]) -> bool:
    return kind.group in groups
