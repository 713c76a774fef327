"""Demo notifications: Bea Bürgerin (the demo citizen) finds unread news of several kinds.

The other seeders' acts already recorded events through the domains' signals; this seeder lets the
citizen follow Musterstadt's published processes, records a few events about her own contributions
(a reply, a phase change, a closing reminder; official answers come from the proposals seeder), tells
the council of a process in its evaluation phase, and expands everything at once, as the scheduler
would. Idempotent: every demo event has a unique key, and only pending events expand.
"""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.comments.models import Comment
from app.contributions.models import Contribution, Visibility
from app.core.time import utcnow
from app.extensions import db
from app.municipalities.models import Municipality
from app.notifications import kinds, services
from app.notifications.services import link
from app.processes import services as processes
from app.processes.models import PhaseKind, Process, ProcessState

CITIZEN = "buerger@musterstadt.example"
COUNCIL = "rat@musterstadt.example"


def _own(citizen: User, kind: str):
    return (
        select(Contribution.id)
        .where(
            Contribution.author_id == citizen.id,
            Contribution.kind == kind,
            Contribution.visibility == Visibility.VISIBLE,
        )
        .order_by(Contribution.id)
    )


def seed_notifications(municipalities: dict[str, Municipality], users: dict[str, User]) -> None:
    citizen, council = users.get(CITIZEN), users.get(COUNCIL)
    town = municipalities.get("musterstadt")
    if citizen is None or town is None:
        return
    now = utcnow()
    published = db.session.scalars(
        select(Process)
        .where(Process.municipality_id == town.id, Process.state == ProcessState.PUBLISHED)
        .order_by(Process.id)
    ).all()
    for process in published:
        processes.follow(citizen, process)
    slug = town.slug

    comment = db.session.scalar(
        select(Comment).where(Comment.contribution_id.in_(_own(citizen, "comment"))).limit(1)
    )
    if comment is not None and council is not None:
        process = db.session.get(Process, comment.contribution.process_id)
        services.record(
            kinds.COMMENT_REPLY,
            municipality_id=town.id,
            process_id=process.id,
            actor_id=council.id,
            object_id=comment.id,
            payload={"title": process.title, "parent_id": comment.id},
            target=link("comments.permalink", slug=slug, comment_id=comment.id),
            dedupe_key=f"demo:reply:{comment.id}",
        )

    for process in published:
        phase = process.current_phase(now)
        if phase is None:
            continue
        target = link("processes.show", slug=slug, process_slug=process.slug)
        services.record(
            kinds.PROCESS_PHASE,
            municipality_id=town.id,
            process_id=process.id,
            object_id=phase.id,
            payload={"process": process.title, "phase": phase.title},
            target=target,
            dedupe_key=f"demo:phase:{phase.id}",
        )
        if phase.kind == PhaseKind.PARTICIPATION:
            services.record(
                kinds.PHASE_CLOSING,
                municipality_id=town.id,
                process_id=process.id,
                object_id=phase.id,
                payload={
                    "process": process.title,
                    "phase": phase.title,
                    "ends_at": phase.ends_at.isoformat(),
                },
                target=target,
                dedupe_key=f"demo:closing:{phase.id}",
            )
        if phase.kind == PhaseKind.EVALUATION:  # the council members hear of it (Rita's list)
            services.record(
                kinds.PROCESS_EVALUATION,
                municipality_id=town.id,
                process_id=process.id,
                object_id=phase.id,
                payload={"process": process.title, "phase": phase.title},
                target=target,
                dedupe_key=f"demo:evaluation:{phase.id}",
            )
    db.session.flush()
    services.expand_in_transaction(now)
