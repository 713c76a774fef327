"""Finding proposals: the filtered, sorted, searchable list of a process, and similar titles.

Full-text search uses PostgreSQL's German text search with a GIN index on the very expression
``SEARCH_DOCUMENT``; on SQLite (the embedded default) it falls back to LIKE on the case-folded
``search_text`` column. The random order is each proposal's stored ``random_key``, read from a
point of the visitor's own (their seed) and wrapping around, so it is the same on every page of the
list and for every request of one visitor; ``app.proposals.paging`` walks it through its index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import contains_eager, joinedload

from app.contributions.models import Contribution, Thread, Visibility
from app.core.enums import LabelledEnum
from app.core.roles import TrialogGroup
from app.extensions import db
from app.processes.models import Process
from app.proposals.models import RANDOM_KEYS, SEARCH_DOCUMENT, Proposal, ProposalStatus


class Sort(LabelledEnum):
    RANDOM = "random", _l("Random order")
    NEWEST = "newest", _l("Newest first")
    SUPPORTS = "supports", _l("Most supported")
    COMMENTS = "comments", _l("Most commented")


SORT_LABELS = Sort.labels()

WITHDRAWN = "withdrawn"  # a status filter value besides the official statuses


@dataclass(frozen=True)
class Filters:
    text: str = ""
    category_id: int | None = None
    status: str = ""  # a ProposalStatus value, WITHDRAWN, or "" for all
    group: str = ""  # a TrialogGroup value or ""
    located: bool = False
    sort: Sort = Sort.RANDOM

    @property
    def is_filtered(self) -> bool:
        return bool(self.text or self.category_id or self.status or self.group)


def random_start(seed: int) -> int:
    """Where a visitor's walk through the random order starts (a random key)."""
    return seed % RANDOM_KEYS


def random_order(seed: int) -> tuple:
    """The random order from the visitor's starting point, wrapping around: as an ORDER BY it
    sorts the process (old ``?page=N`` links use it); pages walk the index instead."""
    start = random_start(seed)
    return (case((Proposal.random_key >= start, 0), else_=1), Proposal.random_key, Proposal.id)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def text_condition(text: str):
    """Proposals whose title or description match every word of ``text``."""
    if _dialect() == "postgresql":
        query = func.websearch_to_tsquery(sql_text("'german'::regconfig"), text)
        return SEARCH_DOCUMENT.op("@@")(query)
    return and_(
        *(Proposal.search_text.contains(word, autoescape=True) for word in text.casefold().split())
    )


def listing(process: Process, filters: Filters, seed: int) -> Select:
    """The published proposals of ``process`` as ``filters`` ask, with everything a card shows.

    Author, contribution, thread and category are joined into the same query, so a page of any
    length costs the same number of queries.
    """
    query = (
        select(Proposal)
        .join(Proposal.contribution)
        .join(Proposal.thread)
        .where(
            Proposal.process_id == process.id,
            Proposal.municipality_id == process.municipality_id,
            Contribution.visibility == Visibility.VISIBLE,
        )
        .options(
            contains_eager(Proposal.contribution).joinedload(Contribution.author),
            contains_eager(Proposal.thread),
            joinedload(Proposal.category),
        )
    )
    if filters.text:
        query = query.where(text_condition(filters.text))
    if filters.category_id:
        query = query.where(Proposal.category_id == filters.category_id)
    if filters.status == WITHDRAWN:
        query = query.where(Proposal.withdrawn_at.is_not(None))
    elif filters.status:
        query = query.where(
            Proposal.status == ProposalStatus(filters.status), Proposal.withdrawn_at.is_(None)
        )
    if filters.group:
        query = query.where(Contribution.author_group == TrialogGroup(filters.group))
    if filters.located:
        query = query.where(Proposal.latitude.is_not(None))
    order = {
        Sort.NEWEST: (Proposal.created_at.desc(), Proposal.id.desc()),
        Sort.SUPPORTS: (Proposal.support_count.desc(), Proposal.id.desc()),
        Sort.COMMENTS: (Thread.comment_count.desc(), Proposal.id.desc()),
        Sort.RANDOM: random_order(seed),
    }[filters.sort]
    return query.order_by(*order)


# --- similar titles -----------------------------------------------------------------------------

_WORD = re.compile(r"\w+")
STOPWORDS = frozenset(
    """aber alle allem allen aller alles also auch bitte dann dass denn dies diese diesem diesen
    dieser dieses doch durch eine einem einen einer eines etwa euer gibt haben hier ihre ihrem
    ihren immer jede jedem jeden jeder kein keine mehr mich muss nach neue neuem neuen neuer neues
    noch oder ohne schon sehr sein seine sich sind soll sollen sollte sowie über unser unsere
    unter viel vielleicht wäre weil wenn werden wieder wird wollen zwischen""".split()  # noqa: SIM905
)
SIMILAR_CANDIDATES = 200


def significant_words(text: str) -> list[str]:
    """The words of a title that say something: four letters or more, no common filler words."""
    found: list[str] = []
    for word in _WORD.findall(text.casefold()):
        if len(word) >= 4 and not word.isdigit() and word not in STOPWORDS and word not in found:
            found.append(word)
    return found[:8]


def _stem(word: str) -> str:
    """A crude German stem (Spielplätze → spielplä), enough to find titles about the same thing."""
    return word[: max(4, len(word) - 2)]


def similar_proposals(
    process: Process, title: str, exclude_id: int | None = None, limit: int = 5
) -> list[Proposal]:
    """Published, not withdrawn proposals of the process whose titles resemble ``title``.

    Candidates share a word stem with the title (LIKE on the case-folded text, on any database);
    they are ranked by shared title words, then by how alike the titles read.
    """
    words = significant_words(title)
    if not words:
        return []
    stems = sorted({_stem(word) for word in words})
    query = (
        select(Proposal)
        .join(Proposal.contribution)
        .where(
            Proposal.process_id == process.id,
            Proposal.withdrawn_at.is_(None),
            Contribution.visibility == Visibility.VISIBLE,
            or_(*(Proposal.search_text.contains(stem, autoescape=True) for stem in stems)),
        )
        .order_by(Proposal.created_at.desc())
        .limit(SIMILAR_CANDIDATES)
    )
    if exclude_id is not None:
        query = query.where(Proposal.id != exclude_id)
    wanted = title.casefold()
    scored = []
    for candidate in db.session.scalars(query):
        candidate_title = candidate.title.casefold()
        shared = sum(1 for stem in stems if stem in candidate_title)
        likeness = SequenceMatcher(None, wanted, candidate_title).ratio()
        if shared or likeness >= 0.6:
            scored.append((shared, likeness, candidate))
    scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [candidate for _shared, _likeness, candidate in scored[:limit]]
