"""Scheduler jobs: carry out phase starts, phase ends and closing reminders exactly once.

Whether participation is open is always computed from the stored phase times (see
``Process.open_participation_phase``), so access stays right while the scheduler is down. The jobs
carry out the *side effects* of the transitions: an audit entry, the signals other domains listen
to (notifications, which also tell followers that participation closes soon).

Every side effect is claimed with an atomic conditional update (``... WHERE handled IS NULL``) and
happens only when that update changed a row, in the same transaction as the claim; so a second
scheduler, a re-run or a catch-up after downtime never repeats one. The signals are sent before the
commit, so what their receivers record (the notification events) commits with the claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from blinker import Namespace
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from app.core import audit
from app.core.scheduler import periodic
from app.extensions import db
from app.processes.models import Phase, PhaseKind, Process, ProcessState

MAX_REMINDER_HOURS = 24 * 14

signals = Namespace()
phase_started = signals.signal("phase-started")  # sender: the Phase, in its claim's transaction
phase_ended = signals.signal("phase-ended")
phase_closing = signals.signal("phase-closing")  # the closing reminder is due (notifications)


@dataclass
class TransitionReport:
    started: int = 0
    ended: int = 0
    reminded: int = 0


def _published(query):
    return query.join(Phase.process).where(Process.state == ProcessState.PUBLISHED)


def _claim(phase_id: int, column, due, now: datetime) -> bool:
    """Mark one side effect of one phase as handled; True only for the one caller that did it."""
    result = db.session.execute(
        update(Phase)
        .where(Phase.id == phase_id, column.is_(None), due)
        .values({column: now})
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _record(phase: Phase, action: str, at: datetime) -> None:
    audit.record(
        actor_id=None,
        action=action,
        object_type="phase",
        object_id=phase.id,
        municipality_id=phase.process.municipality_id,
        after={"process_id": phase.process_id, "kind": phase.kind.value, "at": at.isoformat()},
    )


@dataclass(frozen=True)
class _Edge:
    """One edge of a phase the scheduler carries out: when it falls due, the column that claims
    it, the audit action, the signal, and the report counter."""

    at: Any  # Phase.starts_at or Phase.ends_at
    handled: Any  # the claim column
    action: str
    signal: Any
    counter: str


START = _Edge(Phase.starts_at, Phase.start_handled_at, "phase.start", phase_started, "started")
END = _Edge(Phase.ends_at, Phase.end_handled_at, "phase.end", phase_ended, "ended")


def handle_edges(edge: _Edge, now: datetime, report: TransitionReport) -> None:
    """Carry out every start (or end) that fell due, each once, in the order they fell due."""
    due = edge.at <= now
    ids = db.session.scalars(
        _published(select(Phase.id)).where(due, edge.handled.is_(None)).order_by(edge.at)
    ).all()
    for phase_id in ids:
        if _claim(phase_id, edge.handled, due, now):
            phase = db.session.get(Phase, phase_id)
            _record(phase, edge.action, getattr(phase, edge.at.key))
            edge.signal.send(phase)
            db.session.commit()
            setattr(report, edge.counter, getattr(report, edge.counter) + 1)
        else:
            db.session.rollback()


def handle_reminders(now: datetime, report: TransitionReport) -> None:
    """Remind followers ``reminder_hours`` before a running participation phase closes."""
    candidates = db.session.scalars(
        _published(select(Phase))
        .where(
            Phase.kind == PhaseKind.PARTICIPATION,
            Phase.reminder_sent_at.is_(None),
            Phase.starts_at <= now,
            Phase.ends_at > now,
            Phase.ends_at <= now + timedelta(hours=MAX_REMINDER_HOURS),
            Process.reminder_hours.is_not(None),
        )
        .options(selectinload(Phase.process))
    ).all()
    due_ids = [
        phase.id
        for phase in candidates
        if phase.ends_at - timedelta(hours=phase.process.reminder_hours) <= now
    ]
    db.session.rollback()
    for phase_id in due_ids:
        if not _claim(phase_id, Phase.reminder_sent_at, Phase.ends_at > now, now):
            db.session.rollback()
            continue
        phase = db.session.get(Phase, phase_id)
        _record(phase, "phase.reminder", now)
        phase_closing.send(phase)
        db.session.commit()
        report.reminded += 1


def handle_due_transitions(now: datetime) -> TransitionReport:
    """Everything that fell due up to ``now`` and was not carried out yet; safe to run anytime."""
    report = TransitionReport()
    handle_edges(START, now, report)
    handle_reminders(now, report)
    handle_edges(END, now, report)
    return report


@periodic("processes.phase_transitions", seconds=60)
def phase_transitions(now: datetime) -> None:
    handle_due_transitions(now)
