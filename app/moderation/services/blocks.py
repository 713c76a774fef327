"""Blocks: who may not contribute in a municipality, until when and why, checked once per request."""

from __future__ import annotations

from datetime import datetime

from flask import has_request_context, request
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, or_, select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.contributions.models import Contribution
from app.contributions.services import ContributionRefused, Prefetch, add_guard
from app.core import audit
from app.core.locks import lock_row, stamp_once
from app.core.sanitize import clean_plain
from app.core.time import utcnow
from app.extensions import db
from app.moderation import signals as moderation_signals
from app.moderation.models import (
    Block,
)
from app.moderation.services.common import BlockRefused
from app.municipalities.models import Municipality


def _in_force(now: datetime | ColumnElement) -> ColumnElement[bool]:
    return and_(Block.lifted_at.is_(None), or_(Block.until.is_(None), Block.until > now))


def active_block(municipality_id: int, user_id: int, now: datetime | None = None) -> Block | None:
    now = now or utcnow()
    return db.session.scalar(
        select(Block)
        .where(
            Block.municipality_id == municipality_id,
            Block.user_id == user_id,
            _in_force(now),
        )
        .order_by(Block.until.is_(None).desc(), Block.until.desc())
        .limit(1)
    )


def block_message(block: Block, municipality_name: str) -> str:
    if block.until is None:
        return _(
            "You have been blocked from contributing in %(name)s. Reason: %(reason)s",
            name=municipality_name,
            reason=block.reason,
        )
    return _(
        "You have been blocked from contributing in %(name)s until %(date)s. Reason: %(reason)s",
        name=municipality_name,
        date=format_date(block.until, "long"),
        reason=block.reason,
    )


_BLOCKS_SEEN = "trialog.moderation.blocks"


def _request_blocks() -> dict | None:
    """This request's answers to "is X blocked in Y?", or None outside a request.

    Listings ask the participation gate once per card (support buttons, reactions); one query per
    person and municipality and request is enough. Kept on the request itself (not ``g``, which
    tests share across requests), and forgotten when a block is set or lifted.
    """
    return request.environ.setdefault(_BLOCKS_SEEN, {}) if has_request_context() else None


def _forget_blocks() -> None:
    seen = _request_blocks()
    if seen is not None:
        seen.clear()


def block_in_force(municipality_id: int, user_id: int) -> Block | None:
    seen = _request_blocks()
    if seen is None:
        return active_block(municipality_id, user_id)
    key = (municipality_id, user_id)
    if key not in seen:
        seen[key] = active_block(municipality_id, user_id)
    return seen[key]


def refuse_blocked_authors(author: User, process) -> None:
    """The participation guard: a blocked person takes no part in that municipality (only there):
    no proposals, comments, answers, supports, reactions or reports."""
    block = block_in_force(process.municipality_id, author.id)
    if block is not None:
        raise ContributionRefused(block_message(block, process.municipality.name))


def _block_columns() -> list[ColumnElement]:
    """Whether a block is in force, answered inside a statement the write runs anyway."""
    return [
        exists().where(
            Block.municipality_id == bindparam("guard_block_municipality"),
            Block.user_id == bindparam("guard_block_user"),
            _in_force(bindparam("guard_block_now", type_=Block.until.type)),
        )
    ]


def _block_params(author: User, process) -> dict[str, object]:
    return {
        "guard_block_municipality": process.municipality_id,
        "guard_block_user": author.id,
        "guard_block_now": utcnow(),
    }


def _remember_blocks(author: User, process, values) -> None:
    """No block: nothing to ask again this request. A block: the guard loads it for its message."""
    seen = _request_blocks()
    if seen is not None and not values[0]:
        seen[(process.municipality_id, author.id)] = None


add_guard(refuse_blocked_authors, Prefetch(_block_columns, _block_params, _remember_blocks))


def block(
    actor: User,
    municipality: Municipality,
    user: User,
    until: datetime | None,
    reason: str,
    contribution: Contribution | None = None,
) -> Block:
    """Block ``user`` from contributing in ``municipality`` until ``until`` (for good: None)."""
    if user.id == actor.id:
        raise BlockRefused(_("You cannot block yourself."))
    # Blocks of one person one after the other: two moderators at once block (and mail) once.
    lock_row(User, user.id)
    if active_block(municipality.id, user.id) is not None:
        raise BlockRefused(_("This person is already blocked here."))
    reason = clean_plain(reason)
    if not reason:
        raise BlockRefused(_("Please give a reason."))
    _forget_blocks()
    entry = Block(
        municipality_id=municipality.id,
        user_id=user.id,
        until=until,
        reason=reason,
        contribution_id=contribution.id if contribution else None,
        created_by_id=actor.id,
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="moderation.block",
        object_type="user",
        object_id=user.id,
        municipality_id=municipality.id,
        after={"until": until.isoformat() if until else None, "block_id": entry.id},
        reason=reason,
    )
    moderation_signals.blocked.send(entry)
    return entry


def lift_block(actor: User, entry: Block) -> None:
    now = utcnow()
    if not entry.is_active(now):
        raise BlockRefused(_("This block has already ended."))
    # two lifts at once: one of them lifts
    if not stamp_once(entry, "lifted_at", lifted_at=now, lifted_by_id=actor.id):
        raise BlockRefused(_("This block has already ended."))
    _forget_blocks()
    audit.record(
        actor_id=actor.id,
        action="moderation.unblock",
        object_type="user",
        object_id=entry.user_id,
        municipality_id=entry.municipality_id,
        before={"until": entry.until.isoformat() if entry.until else None, "block_id": entry.id},
        after={"lifted_at": now.isoformat()},
    )
    moderation_signals.unblocked.send(entry)


def active_blocks(municipality: Municipality) -> Select:
    return (
        select(Block)
        .where(Block.municipality_id == municipality.id, _in_force(utcnow()))
        .options(joinedload(Block.user))
        .order_by(Block.created_at.desc(), Block.id.desc())
    )
