"""What every part of moderation shares: its errors, who moderates, and loading scoped to the
municipality."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.contributions.models import Contribution
from app.core import audit
from app.core.roles import MODERATOR_ROLES
from app.extensions import db
from app.moderation.models import (
    ACTION_LABELS,
    Action,
    Block,
    ReviewRequest,
)
from app.municipalities.models import Municipality
from app.processes.models import Process

HISTORY_LIMIT = 20


audit.label_actions(
    {
        **{f"moderation.{action.value}": ACTION_LABELS[action] for action in Action},
        "moderation.block": _l("Author blocked"),
        "moderation.unblock": _l("Block lifted"),
        "moderation.settings": _l("Moderation settings changed"),
    }
)


class ModerationError(Exception):
    """A moderation rule refused the action; the message says why, in the person's language."""


class ReportRefused(ModerationError):
    pass


class AlreadyReported(ReportRefused):
    pass


class DecisionRefused(ModerationError):
    pass


class ReviewRefused(ModerationError):
    pass


class BlockRefused(ModerationError):
    pass


def may_moderate(user, municipality: Municipality) -> bool:
    """Moderators, staff, facilitators and admins of the municipality, and platform admins."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_platform_admin or user.role_in(municipality) in MODERATOR_ROLES


def get_contribution(municipality: Municipality, contribution_id: int) -> Contribution | None:
    return db.session.scalar(
        select(Contribution).where(
            Contribution.id == contribution_id, Contribution.municipality_id == municipality.id
        )
    )


def get_process(contribution: Contribution) -> Process:
    return db.session.get(Process, contribution.process_id)


def get_review(municipality: Municipality, review_id: int) -> ReviewRequest | None:
    return db.session.scalar(
        select(ReviewRequest).where(
            ReviewRequest.id == review_id, ReviewRequest.municipality_id == municipality.id
        )
    )


def get_block(municipality: Municipality, block_id: int) -> Block | None:
    return db.session.scalar(
        select(Block).where(Block.id == block_id, Block.municipality_id == municipality.id)
    )
