"""Rules for municipalities, memberships and invitations."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from app.accounts.models import User
from app.core import audit
from app.core.locks import lock_row, stamp_once
from app.core.permissions import allowed
from app.core.roles import Role
from app.core.sanitize import clean_plain
from app.core.time import utcnow
from app.core.tokens import InvalidToken, make_token, read_token
from app.extensions import db
from app.municipalities.models import FederalState, Invitation, Membership, Municipality
from app.municipalities.tenancy import RESERVED_SLUGS

INVITE = "invitation"


class MembershipError(Exception):
    """A membership rule refused the action."""


class LastAdmin(MembershipError):
    pass


class SlugTaken(MembershipError):
    pass


class InvitationForOtherEmail(MembershipError):
    pass


@dataclass(frozen=True)
class MunicipalityData:
    name: str
    slug: str
    federal_state: FederalState
    ags: str | None = None
    contact: str = ""
    contact_email: str | None = None
    description: str = ""


def active_municipalities():
    """The select statement of municipalities listed publicly, by name."""
    return select(Municipality).where(Municipality.is_active.is_(True)).order_by(Municipality.name)


def slug_is_free(slug: str, *, except_id: int | None = None) -> bool:
    if slug in RESERVED_SLUGS:
        return False
    query = select(Municipality.id).where(Municipality.slug == slug)
    if except_id is not None:
        query = query.where(Municipality.id != except_id)
    return db.session.scalar(query) is None


def save_municipality(
    actor: User, data: MunicipalityData, municipality: Municipality | None = None
) -> Municipality:
    """Create or change a municipality; ``SlugTaken`` when its address is taken or reserved.

    The address is checked first, and the unique key decides between two admins who both found
    it free at the same moment: the later insert is undone to its savepoint and told the address
    is taken, as the check would have said a moment later.
    """
    if not slug_is_free(data.slug, except_id=municipality.id if municipality else None):
        raise SlugTaken(data.slug)
    before = _municipality_state(municipality) if municipality else None
    try:
        with db.session.begin_nested():
            if municipality is None:
                municipality = Municipality()
                db.session.add(municipality)
            municipality.name = clean_plain(data.name)
            municipality.slug = data.slug
            municipality.federal_state = data.federal_state
            municipality.ags = clean_plain(data.ags) or None
            municipality.contact = clean_plain(data.contact)
            municipality.contact_email = clean_plain(data.contact_email) or None
            municipality.description = clean_plain(data.description)
    except IntegrityError:
        if slug_is_free(data.slug, except_id=municipality.id if before else None):
            raise  # refused for another reason
        raise SlugTaken(data.slug) from None
    audit.record(
        actor_id=actor.id,
        action="municipality.update" if before else "municipality.create",
        object_type="municipality",
        object_id=municipality.id,
        municipality_id=municipality.id,
        before=before,
        after=_municipality_state(municipality),
    )
    return municipality


def set_active(actor: User, municipality: Municipality, active: bool) -> None:
    if municipality.is_active == active:
        return
    municipality.is_active = active
    audit.record(
        actor_id=actor.id,
        action="municipality.activate" if active else "municipality.deactivate",
        object_type="municipality",
        object_id=municipality.id,
        municipality_id=municipality.id,
        before={"is_active": not active},
        after={"is_active": active},
    )


def _municipality_state(m: Municipality) -> dict:
    return {
        "name": m.name,
        "slug": m.slug,
        "federal_state": m.federal_state.value if m.federal_state else None,
        "ags": m.ags,
        "is_active": m.is_active,
    }


def join(user: User, municipality: Municipality) -> Membership:
    """Join as citizen; joining twice is harmless, in parallel requests too (the unique
    membership decides; the loser's savepoint is rolled back and it finds the winner's row)."""
    existing = user.membership_in(municipality)
    if existing is not None:
        return existing
    membership = Membership(user_id=user.id, municipality_id=municipality.id, role=Role.CITIZEN)
    try:
        with db.session.begin_nested():
            db.session.add(membership)
    except IntegrityError:
        membership = db.session.scalar(
            select(Membership).where(
                Membership.user_id == user.id, Membership.municipality_id == municipality.id
            )
        )
        if membership is None:  # the conflict was something else
            raise
    db.session.expire(user, ["memberships"])
    return membership


def members_query(municipality: Municipality, role: Role | None = None):
    query = (
        select(Membership)
        .join(Membership.user)
        .options(contains_eager(Membership.user))
        .where(Membership.municipality_id == municipality.id, User.deleted_at.is_(None))
        .order_by(func.lower(User.display_name), Membership.id)
    )
    if role is not None:
        query = query.where(Membership.role == role)
    return query


def get_membership(municipality: Municipality, membership_id: int) -> Membership | None:
    """A membership of this municipality only; ids of other municipalities find nothing."""
    return db.session.scalar(
        select(Membership).where(
            Membership.id == membership_id, Membership.municipality_id == municipality.id
        )
    )


def _admin_count(municipality: Municipality) -> int:
    return db.session.scalar(
        select(func.count(Membership.id)).where(
            Membership.municipality_id == municipality.id, Membership.role == Role.ADMIN
        )
    )


def _guard_last_admin(membership: Membership) -> None:
    """Refuse to take away the municipality's last admin.

    The municipality's row is locked first, so two admins demoting or removing each other at the
    same moment are counted one after the other: one of them stays admin.
    """
    if membership.role != Role.ADMIN:
        return
    lock_row(Municipality, membership.municipality_id)
    if _admin_count(membership.municipality) <= 1:
        raise LastAdmin()


def change_role(actor: User, membership: Membership, role: Role) -> None:
    if membership.role == role:
        return
    _guard_last_admin(membership)
    before = membership.role
    membership.role = role
    audit.record(
        actor_id=actor.id,
        action="membership.role",
        object_type="membership",
        object_id=membership.id,
        municipality_id=membership.municipality_id,
        before={"user_id": membership.user_id, "role": before.value},
        after={"user_id": membership.user_id, "role": role.value},
    )


def remove_member(actor: User, membership: Membership) -> None:
    _guard_last_admin(membership)
    audit.record(
        actor_id=actor.id,
        action="membership.remove",
        object_type="membership",
        object_id=membership.id,
        municipality_id=membership.municipality_id,
        before={"user_id": membership.user_id, "role": membership.role.value},
    )
    db.session.delete(membership)


def invite(
    actor: User, municipality: Municipality, email: str, role: Role
) -> tuple[Invitation, str]:
    """Record an invitation and return it with the token for the mailed link."""
    invitation = Invitation(
        municipality=municipality, email=clean_plain(email).lower(), role=role, invited_by=actor
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="invitation.create",
        object_type="invitation",
        object_id=invitation.id,
        municipality_id=municipality.id,
        after={"email": invitation.email, "role": role.value},
    )
    return invitation, make_token(INVITE, {"id": invitation.id})


def invitation_for_token(municipality: Municipality, token: str) -> Invitation:
    """The open invitation a mailed link names.

    An invitation speaks for the admin who sent it, so it holds only while they may still invite:
    otherwise an admin about to be removed could invite an address of their own and come back
    through the link after the removal (or after deleting their account).
    """
    payload = read_token(INVITE, token, current_app.config["INVITATION_MAX_AGE"])
    invitation = db.session.get(Invitation, payload.get("id"))
    if (
        invitation is None
        or invitation.municipality_id != municipality.id
        or invitation.accepted_at is not None
    ):
        raise InvalidToken("unknown or used")
    inviter = invitation.invited_by
    if inviter is None or not allowed("municipality.manage_members", inviter, municipality):
        raise InvalidToken("the inviter may no longer invite")
    return invitation


def accept_invitation(user: User, invitation: Invitation) -> Membership:
    """Give ``user`` the invited role; only the invited address may accept, and only once.

    The invitation is claimed with one conditional update first, so of several posts at once (a
    double click, two tabs) one accepts and the others get ``InvalidToken``; the membership then
    comes from ``join`` (the unique membership decides a race with a plain join).
    """
    if user.email != invitation.email:
        raise InvitationForOtherEmail()
    now = utcnow()
    if not stamp_once(invitation, "accepted_at", accepted_at=now):
        raise InvalidToken("accepted meanwhile")
    db.session.expire(user, ["memberships"])  # read after the claim: what others committed
    membership = user.membership_in(invitation.municipality)
    before = membership.role.value if membership else None
    if membership is None:
        membership = join(user, invitation.municipality)
    if membership.role != invitation.role:
        if before is not None:
            _guard_last_admin(membership)
        membership.role = invitation.role
    db.session.flush()
    audit.record(
        actor_id=user.id,
        action="invitation.accept",
        object_type="membership",
        object_id=membership.id,
        municipality_id=invitation.municipality_id,
        before={"role": before} if before else None,
        after={"role": invitation.role.value},
    )
    return membership
