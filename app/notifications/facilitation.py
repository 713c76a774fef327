"""Notification kinds of the facilitator network (``app/facilitation/signals.py``).

- a new first-consultation request: the process architects hear of it;
- a facilitator proposed: the requesting municipality's staff and admins hear of it;
- a facilitator accepted: that person hears that they now accompany the municipality's process.

Kept apart from ``kinds``/``audiences``/``receivers`` so the domain's whole wiring is one module;
``receivers.connect`` calls ``connect`` here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import User
from app.core.roles import OFFICIAL_ROLES
from app.extensions import db
from app.notifications import kinds
from app.notifications.audiences import affected_user, in_municipality, members_with, own
from app.notifications.kinds import Context, EventKind, Group
from app.notifications.models import Delivery, Event
from app.notifications.services import link, record

CONSULTATION_REQUESTED = kinds.register(
    EventKind(
        "consultation_requested",
        _l("New requests for a first consultation"),
        Group.MINE,
        Delivery.IMMEDIATELY,
        lambda p: _("%(municipality)s requests a first consultation: “%(topic)s”.", **p),
    )
)
FACILITATOR_PROPOSED = kinds.register(
    EventKind(
        "facilitator_proposed",
        _l("Facilitators proposed for your consultation requests"),
        Group.BACK_OFFICE,
        Delivery.IMMEDIATELY,
        lambda p: _("A facilitator was proposed for “%(topic)s”: %(name)s.", **p),
    )
)
FACILITATOR_ACCEPTED = kinds.register(
    EventKind(
        "facilitator_accepted",
        _l("Municipalities accepting you as facilitator"),
        Group.MINE,
        Delivery.IMMEDIATELY,
        lambda p: _("%(municipality)s accepted you as facilitator for “%(topic)s”.", **p),
    )
)


def architects(event: Event) -> Iterable[int]:
    return list(db.session.scalars(select(User.id).where(User.is_process_architect.is_(True))))


def reads_as_architect(user: User, ctx: Context) -> bool:
    return bool(user.is_process_architect or user.is_platform_admin)


def on_consultation_requested(request, **_: Any) -> None:
    record(
        CONSULTATION_REQUESTED,
        municipality_id=request.municipality_id,
        actor_id=request.requested_by_id,
        object_id=request.id,
        payload={"municipality": request.municipality.name, "topic": request.topic},
        target=link("facilitation.desk_show", request_id=request.id),
        dedupe_key=f"consultation:{request.id}:requested",
    )


def on_facilitator_proposed(request, facilitator_id: int, actor_id: int | None = None, **_: Any):
    person = db.session.get(User, facilitator_id)
    record(
        FACILITATOR_PROPOSED,
        municipality_id=request.municipality_id,
        actor_id=actor_id,
        object_id=request.id,
        payload={"topic": request.topic, "name": person.display_name if person else ""},
        target=link(
            "consultations.municipal_show",
            slug=request.municipality.slug,
            request_id=request.id,
        ),
        dedupe_key=f"consultation:{request.id}:proposed:{facilitator_id}",
    )


def on_facilitator_accepted(request, actor_id: int | None = None, **_: Any) -> None:
    record(
        FACILITATOR_ACCEPTED,
        municipality_id=request.municipality_id,
        actor_id=actor_id,
        object_id=request.id,
        payload={
            "municipality": request.municipality.name,
            "topic": request.topic,
            "user_id": request.facilitator_id,
        },
        target=link("municipalities.backoffice", slug=request.municipality.slug),
        dedupe_key=f"consultation:{request.id}:accepted",
    )


def connect() -> None:
    """Give the kinds their audiences and subscribe the receivers (idempotent)."""
    from app.facilitation import signals

    kinds.attach(CONSULTATION_REQUESTED.key, architects, reads_as_architect)
    kinds.attach(
        FACILITATOR_PROPOSED.key, members_with(OFFICIAL_ROLES), in_municipality(OFFICIAL_ROLES)
    )
    kinds.attach(FACILITATOR_ACCEPTED.key, affected_user, own)
    signals.consultation_requested.connect(on_consultation_requested)
    signals.facilitator_proposed.connect(on_facilitator_proposed)
    signals.facilitator_accepted.connect(on_facilitator_accepted)
