"""Scheduler jobs: expand events, mail what is due (at once or as digests), keep 90 days, deadlines.

Every side effect is claimed with an atomic conditional update in the transaction that carries it
out, so any number of runners (a standby scheduler that took over, a manual run) never expand an
event twice, never mail a notification twice, and never send a person two digests for one period:
- an event is claimed by ``expanded_at`` (``services.claim_event``);
- a person's due notifications are claimed by one ``UPDATE ... SET mailed_at WHERE mailed_at IS
  NULL ... RETURNING``: a second runner's update waits for the first one's row locks and then finds
  nothing left;
- a digest additionally inserts its (person, cadence, period) row, unique in the database; a
  notification that arrives after its period's digest went out moves on to the next period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from app.accounts.models import User
from app.core.scheduler import periodic
from app.extensions import db
from app.notifications import mails, services
from app.notifications.models import Delivery, DigestSent, Notification

MAIL_USERS_PER_RUN = 200
COMMIT_EVERY = 50  # people per transaction: one commit each would dominate on a big fan-out
DEADLINE_WARNING = timedelta(days=3)


@dataclass
class MailReport:
    mails: int = 0
    notifications: int = 0
    postponed: int = 0


def _insert_digest(user_id: int, cadence: Delivery, period, now: datetime) -> bool:
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    inserted = db.session.scalar(
        insert(DigestSent)
        .values(user_id=user_id, cadence=cadence, period=period, sent_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "cadence", "period"])
        .returning(DigestSent.id)
    )
    return inserted is not None


def _claim_due(user_id: int, now: datetime) -> list[int]:
    return list(
        db.session.scalars(
            update(Notification)
            .where(
                Notification.user_id == user_id,
                Notification.mailed_at.is_(None),
                Notification.mail_due_at <= now,
                Notification.delivery != Delivery.NEVER,
            )
            .values(mailed_at=now)
            .returning(Notification.id)
            .execution_options(synchronize_session=False)
        )
    )


def mail_user(user_id: int, now: datetime, report: MailReport) -> None:
    """Claim and mail one person's due notifications; the caller commits."""
    claimed = _claim_due(user_id, now)
    if not claimed:
        return
    user = db.session.get(User, user_id)
    rows = db.session.scalars(
        select(Notification)
        .where(Notification.id.in_(claimed))
        .order_by(Notification.created_at, Notification.id)
    ).all()
    if user is None or user.deleted_at is not None or not services.may_mail(user):
        return  # claimed and so never mailed: the account has gone, or wants no e-mail at all
    zone = services._zone()
    groups: dict[Delivery, list[Notification]] = {}
    for row in rows:
        groups.setdefault(row.delivery, []).append(row)
    for cadence, items in groups.items():
        if cadence in {Delivery.DAILY, Delivery.WEEKLY}:
            period = max(item.mail_due_at for item in items).astimezone(zone).date()
            if not _insert_digest(user_id, cadence, period, now):
                # This period's digest went out already: the late ones wait for the next one.
                db.session.execute(
                    update(Notification)
                    .where(Notification.id.in_([item.id for item in items]))
                    .values(mailed_at=None, mail_due_at=services.mail_due(cadence, now))
                    .execution_options(synchronize_session=False)
                )
                report.postponed += len(items)
                continue
        mails.send_batch(user, items, cadence)
        report.mails += 1
        report.notifications += len(items)


def send_due(now: datetime, limit: int = MAIL_USERS_PER_RUN) -> MailReport:
    """Mail everyone whose notifications are due, one transaction per person."""
    report = MailReport()
    user_ids = db.session.scalars(
        select(Notification.user_id)
        .where(
            Notification.mailed_at.is_(None),
            Notification.mail_due_at <= now,
            Notification.delivery != Delivery.NEVER,
        )
        .distinct()
        .limit(limit)
    ).all()
    db.session.rollback()
    try:
        for position, user_id in enumerate(user_ids, 1):
            mail_user(user_id, now, report)
            if position % COMMIT_EVERY == 0:
                db.session.commit()  # claims and their queued mails commit together
        db.session.commit()
    except Exception:
        db.session.rollback()  # nothing of the uncommitted batch was claimed or queued
        raise
    return report


def record_answer_deadlines(now: datetime) -> int:
    """Tell the back office about proposals whose promised answer is due within three days.

    Once per proposal and deadline: the event's unique key carries the due date, so a rerun records
    nothing, and a deadline that moved (a support taken back and given again) is told again.
    """
    from app.notifications import receivers
    from app.processes.models import Process, ProcessState
    from app.proposals import promise as promises

    recorded = 0
    processes = db.session.scalars(
        select(Process).where(Process.state == ProcessState.PUBLISHED)
    ).all()
    for process in processes:
        promise = promises.promise_for(process)
        if promise is None:
            continue
        waiting = db.session.scalars(promises.due_listing(process, promise)).all()
        due = promises.due_dates(process, promise, [p.id for p in waiting])
        for proposal in waiting:
            deadline = due.get(proposal.id)
            due_soon = deadline is not None and deadline - DEADLINE_WARNING <= now
            if due_soon and receivers.answer_deadline(proposal, deadline) is not None:
                recorded += 1
    db.session.commit()
    return recorded


@periodic("notifications.expand", seconds=30)
def expand_events(now: datetime) -> None:
    services.expand_pending(now)


@periodic("notifications.mail", seconds=60)
def mail_notifications(now: datetime) -> None:
    send_due(now)


@periodic("notifications.answer_deadlines", seconds=3600)
def answer_deadlines(now: datetime) -> None:
    record_answer_deadlines(now)


@periodic("notifications.retention", seconds=24 * 3600)
def retention(now: datetime) -> None:
    services.purge_old(now)
    db.session.commit()


def run_all(now: datetime) -> MailReport:
    """Everything the jobs do, in order: for tests, the demo and the benchmark."""
    while services.expand_pending(now):
        pass
    report = MailReport()
    while True:
        step = send_due(now)
        report.mails += step.mails
        report.notifications += step.notifications
        report.postponed += step.postponed
        if not step.mails and not step.postponed:
            return report
