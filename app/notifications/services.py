"""Recording events, expanding them into notifications, the account list and the preferences.

Requests call ``record`` only: one row in their own transaction, however many people will hear of
it. The scheduler calls ``expand_pending``, which claims each event with an atomic conditional
update (``... WHERE expanded_at IS NULL``) and writes its notifications in the same transaction, so
two runners never expand one event twice (and the unique (user, event) pair would refuse it anyway).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_login import current_user
from sqlalchemy import Select, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.models import User
from app.core.time import utcnow
from app.extensions import db
from app.notifications import kinds
from app.notifications.kinds import Context, EventKind
from app.notifications.models import Delivery, DigestSent, Event, Notification, Preference

RETENTION = timedelta(days=90)
DIGEST_HOUR = 7  # digests leave at 07:00 local time; weekly ones on Mondays
EXPAND_BATCH = 50
CHUNK = 1000  # recipients loaded and written per round, so 5,000 followers stay cheap


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


# --- recording (in the request that caused the event) --------------------------------------------


def link(endpoint: str, **values: Any) -> dict[str, Any]:
    """Where a notification leads: an endpoint and its values, built per use (page or mail)."""
    return {"endpoint": endpoint, "values": values}


def record(
    kind: EventKind,
    *,
    municipality_id: int,
    process_id: int | None = None,
    actor_id: int | None = None,
    object_id: int | None = None,
    payload: dict[str, Any] | None = None,
    target: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
) -> Event | None:
    """Add an event to the current transaction; flushes, never commits.

    With ``dedupe_key`` the event is recorded once: a second call with the same key (a rerun of a
    job, two runners) records nothing and returns None.
    """
    values = dict(
        kind=kind.key,
        municipality_id=municipality_id,
        process_id=process_id,
        actor_id=actor_id,
        object_id=object_id,
        payload={**(payload or {}), "link": target},
        dedupe_key=dedupe_key,
        created_at=utcnow(),
    )
    if dedupe_key is None:
        event = Event(**values)
        db.session.add(event)
        db.session.flush()
        return event
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    event_id = db.session.scalar(
        dialect_insert(Event)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Event.id)
    )
    return db.session.get(Event, event_id) if event_id else None


# --- expanding (in the scheduler) ------------------------------------------------------------------


def mail_due(delivery: Delivery, now: datetime) -> datetime | None:
    """When a notification with this delivery is mailed: now, the next 07:00, the next Monday 07:00."""
    if delivery == Delivery.NEVER:
        return None
    if delivery == Delivery.IMMEDIATELY:
        return now
    zone = _zone()
    local = now.astimezone(zone)
    due = datetime.combine(local.date(), time(DIGEST_HOUR), tzinfo=zone)
    if due <= local:
        due += timedelta(days=1)
    if delivery == Delivery.WEEKLY:
        due += timedelta(days=(7 - due.weekday()) % 7)
    return due.astimezone(now.tzinfo)


def preferences_of(user_ids: Sequence[int], kind_key: str) -> dict[int, Delivery]:
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(Preference.user_id, Preference.delivery).where(
            Preference.kind == kind_key, Preference.user_id.in_(user_ids)
        )
    )
    return {user_id: delivery for user_id, delivery in rows}


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def expand(event: Event, now: datetime) -> int:
    """Write the notifications of one claimed event; returns how many.

    Nobody hears of their own act; deleted accounts hear nothing; each candidate must be able to
    read what the event is about, asked through the permission registry now.
    """
    kind = kinds.get(event.kind)
    if kind is None or kind.audience is None or kind.readable is None:
        return 0
    candidates = sorted(set(kind.audience(event)) - {event.actor_id, None})
    ctx = Context(event)
    written = 0
    for chunk in _chunks(candidates):
        users = db.session.scalars(
            select(User)
            .where(User.id.in_(chunk), User.deleted_at.is_(None))
            .options(selectinload(User.memberships))
        ).all()
        chosen = preferences_of([u.id for u in users], kind.key)
        rows = []
        for user in users:
            if not kind.readable(user, ctx):
                continue
            delivery = chosen.get(user.id, kind.default)
            if kind.direct_mail or not user.is_verified:
                delivery = Delivery.NEVER
            rows.append(
                dict(
                    user_id=user.id,
                    event_id=event.id,
                    kind=kind.key,
                    created_at=event.created_at,
                    delivery=delivery,
                    mail_due_at=mail_due(delivery, now),
                )
            )
        if rows:
            db.session.execute(insert(Notification), rows)
            written += len(rows)
        for user in users:
            db.session.expunge(user)
    return written


def claim_event(event_id: int, now: datetime) -> bool:
    """Mark one event as expanded; True only for the one caller whose update changed the row."""
    result = db.session.execute(
        update(Event)
        .where(Event.id == event_id, Event.expanded_at.is_(None))
        .values(expanded_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def expand_pending(now: datetime, limit: int = EXPAND_BATCH) -> int:
    """Expand up to ``limit`` recorded events, oldest first, one transaction each; returns events."""
    ids = db.session.scalars(
        select(Event.id).where(Event.expanded_at.is_(None)).order_by(Event.id).limit(limit)
    ).all()
    db.session.rollback()
    done = 0
    for event_id in ids:
        if not claim_event(event_id, now):
            db.session.rollback()
            continue
        event = db.session.get(Event, event_id)
        try:
            event.recipient_count = expand(event, now)
            db.session.commit()
        except IntegrityError:
            # Cannot happen while claims work; if it ever does, the unique pair kept the rows
            # single: leave the event marked, log, and go on with the next one.
            db.session.rollback()
            current_app.logger.exception("notification event %s expanded twice", event_id)
            continue
        done += 1
    return done


def may_mail(user: User) -> bool:
    """E-mail only to a confirmed address, and only with the consent to e-mail notifications
    where the privacy domain asks for it (asked at mail time, so a withdrawal applies at once)."""
    if not user.is_verified:
        return False
    try:
        from app.privacy.consents import wants_email
    except ImportError:  # no consent management installed: the preferences decide alone
        return True
    return wants_email(user)


def expand_in_transaction(now: datetime) -> int:
    """Claim and expand every pending event inside the caller's transaction (the demo seeder,
    which commits everything at once); the scheduler uses ``expand_pending`` instead."""
    done = 0
    for event_id in db.session.scalars(
        select(Event.id).where(Event.expanded_at.is_(None)).order_by(Event.id)
    ).all():
        if claim_event(event_id, now):
            event = db.session.get(Event, event_id)
            event.recipient_count = expand(event, now)
            done += 1
    return done


# --- the account list -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """One notification as the list and the mails show it."""

    notification: Notification
    message: str
    target: dict[str, Any] | None

    @property
    def unread(self) -> bool:
        return self.notification.read_at is None


def listing(user: User) -> Select:
    return (
        select(Notification)
        .where(Notification.user_id == user.id)
        .options(joinedload(Notification.event))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def present(notifications: Sequence[Notification]) -> list[Shown]:
    """Messages in the current language; actors' names come from one query for the whole page,
    so a deleted account shows as such."""
    actor_ids = {n.event.actor_id for n in notifications if n.event.actor_id}
    names = {}
    if actor_ids:
        names = {
            user.id: user.public_name
            for user in db.session.scalars(select(User).where(User.id.in_(actor_ids)))
        }
    shown = []
    for n in notifications:
        payload = dict(n.event.payload or {})
        payload.setdefault("actor", names.get(n.event.actor_id, ""))
        if n.event.actor_id in names:
            payload["actor"] = names[n.event.actor_id]
        try:
            message = kinds.message_for(n.kind, payload)
        except (KeyError, ValueError, TypeError):
            message = ""
        shown.append(Shown(n, message, payload.get("link")))
    return shown


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def unread_count_of_current_user() -> int:
    """The header's count (a Jinja call, so pages that never show the header never query)."""
    if not getattr(current_user, "is_authenticated", False):
        return 0
    return unread_count(current_user)


def get_own(user: User, notification_id: int) -> Notification | None:
    """A notification of this person only; another person's id finds nothing."""
    return db.session.scalar(
        select(Notification)
        .where(Notification.id == notification_id, Notification.user_id == user.id)
        .options(joinedload(Notification.event))
    )


def mark_read(notification: Notification, now: datetime | None = None) -> None:
    if notification.read_at is None:
        notification.read_at = now or utcnow()
        db.session.flush()


def mark_all_read(user: User, now: datetime | None = None) -> int:
    return db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount


# --- preferences ----------------------------------------------------------------------------------------


def offered_groups(user: User) -> set[str]:
    """Sections of the preferences page this person sees: back-office and council kinds only for
    those who hold such a role somewhere."""
    from app.notifications.audiences import MODERATION

    roles = {m.role for m in user.memberships}
    groups = {kinds.Group.MINE, kinds.Group.FOLLOWING}
    if roles & MODERATION:
        groups.add(kinds.Group.BACK_OFFICE)
    if any(role.value == "council" for role in roles):
        groups.add(kinds.Group.COUNCIL)
    return groups


def offered_kinds(user: User) -> list[EventKind]:
    groups = offered_groups(user)
    return [kind for kind in kinds.KINDS.values() if kind.group in groups]


def choices_of(user: User) -> dict[str, Delivery]:
    """The person's choice for every kind (their own or the default)."""
    stored = {
        key: delivery
        for key, delivery in db.session.execute(
            select(Preference.kind, Preference.delivery).where(Preference.user_id == user.id)
        )
    }
    return {key: stored.get(key, kind.default) for key, kind in kinds.KINDS.items()}


def set_choice(
    user_id: int, kind_key: str, delivery: Delivery, now: datetime | None = None
) -> None:
    """Store one choice and move the person's not yet mailed notifications of that kind to it.

    Idempotent: setting the same choice twice changes nothing (the one-click unsubscribe relies
    on that).
    """
    kind = kinds.get(kind_key)
    if kind is None or kind.direct_mail:
        return
    now = now or utcnow()
    # One upsert: two saves at once (a double click, a mail client's one-click unsubscribe sent
    # twice) both end with the row, where a look-then-insert let the second fail on the unique key.
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    upsert = dialect_insert(Preference).values(user_id=user_id, kind=kind_key, delivery=delivery)
    db.session.execute(
        upsert.on_conflict_do_update(
            index_elements=["user_id", "kind"], set_={"delivery": upsert.excluded.delivery}
        )
    )
    db.session.execute(
        update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.kind == kind_key,
            Notification.mailed_at.is_(None),
            Notification.delivery != Delivery.NEVER,
        )
        .values(delivery=delivery, mail_due_at=mail_due(delivery, now))
        .execution_options(synchronize_session=False)
    )
    db.session.flush()


def save_choices(user: User, choices: dict[str, Delivery]) -> None:
    current = choices_of(user)
    for key, delivery in choices.items():
        if current.get(key) != delivery:
            set_choice(user.id, key, delivery)


UNSUBSCRIBE_PURPOSE = "notifications.unsubscribe"
UNSUBSCRIBE_MAX_AGE = 60 * 60 * 24 * 400  # links in mails of the last year keep working


def unsubscribe_token(user_id: int, kind_keys: Iterable[str]) -> str:
    from app.core.tokens import make_token

    return make_token(UNSUBSCRIBE_PURPOSE, {"u": user_id, "k": sorted(set(kind_keys))})


def read_unsubscribe_token(token: str) -> tuple[User, list[EventKind]] | None:
    """The person and kinds a signed link names, or None when forged, expired or stale."""
    from app.core.tokens import InvalidToken, read_token

    try:
        data = read_token(UNSUBSCRIBE_PURPOSE, token, UNSUBSCRIBE_MAX_AGE)
    except InvalidToken:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("k"), list):
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    chosen = [kinds.get(key) for key in data["k"] if isinstance(key, str)]
    chosen = [kind for kind in chosen if kind is not None and not kind.direct_mail]
    if user is None or user.deleted_at is not None or not chosen:
        return None
    return user, chosen


def unsubscribe(user: User, chosen: Iterable[EventKind]) -> None:
    for kind in chosen:
        set_choice(user.id, kind.key, Delivery.NEVER)


# --- retention --------------------------------------------------------------------------------------------


def purge_old(now: datetime) -> int:
    """Notifications are kept 90 days (``RETENTION_NOTIFICATION_DAYS``); so are expanded events
    and the digest bookkeeping."""
    days = current_app.config.get("RETENTION_NOTIFICATION_DAYS")
    cutoff = now - (timedelta(days=days) if days is not None else RETENTION)
    removed = db.session.execute(
        delete(Notification).where(Notification.created_at < cutoff)
    ).rowcount
    db.session.execute(
        delete(Event).where(Event.created_at < cutoff, Event.expanded_at.is_not(None))
    )
    db.session.execute(delete(DigestSent).where(DigestSent.sent_at < cutoff))
    return removed
