"""Retention: the scheduler removes personal data the platform no longer needs (Art. 5 (1) e GDPR).

Each period is a setting in ``config.py`` (``RETENTION_*``):
- accounts whose address was never confirmed, after ``RETENTION_UNVERIFIED_DAYS``;
- stored IP addresses, after ``RETENTION_IP_DAYS``: no table stores one today (rate limits count
  per address in their own store, in windows of at most a day); a column that ever does must be
  registered with ``ip_column`` (a test fails otherwise) and is cleared here;
- used and expired one-time credentials: accepted or expired invitations, revoked API tokens, used
  or expired residency codes, and expired data exports (with their file);
- delivered and failed mails (their links and addresses), after ``RETENTION_MAIL_DAYS``.
Notifications are the notifications domain's own job (``notifications.retention``), configured by
``RETENTION_NOTIFICATION_DAYS``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update

from app.core.scheduler import periodic
from app.extensions import db

IP_COLUMN = re.compile(r"(^|_)(ip|ip_address|remote_addr|client_ip)$")


@dataclass(frozen=True)
class IpColumn:
    table: str
    column: str
    time_column: str


_IP_COLUMNS: dict[str, IpColumn] = {}


def ip_column(table: str, column: str, *, time_column: str) -> None:
    """Declare that ``table.column`` stores an IP address, dated by ``time_column``."""
    _IP_COLUMNS[f"{table}.{column}"] = IpColumn(table, column, time_column)


def registered_ip_columns() -> dict[str, IpColumn]:
    return dict(_IP_COLUMNS)


def _days(setting: str) -> timedelta:
    return timedelta(days=current_app.config[setting])


def purge_unverified_accounts(now: datetime) -> int:
    """Accounts never confirmed: nobody could log in with them, and the address may not be theirs."""
    from app.accounts.models import User
    from app.accounts.services import remove_account

    cutoff = now - _days("RETENTION_UNVERIFIED_DAYS")
    stale = db.session.scalars(
        select(User).where(
            User.email_verified_at.is_(None),
            User.deleted_at.is_(None),
            User.created_at < cutoff,
        )
    ).all()
    for user in stale:
        remove_account(user)
    return len(stale)


def purge_ip_addresses(now: datetime) -> int:
    cutoff = now - _days("RETENTION_IP_DAYS")
    cleared = 0
    for entry in _IP_COLUMNS.values():
        table = db.metadata.tables[entry.table]
        column, when = table.c[entry.column], table.c[entry.time_column]
        cleared += db.session.execute(
            update(table).where(column.is_not(None), when < cutoff).values({entry.column: None})
        ).rowcount
    return cleared


def purge_spent_credentials(now: datetime) -> int:
    """One-time credentials that were used, revoked or have expired."""
    from app.api.models import ApiToken
    from app.municipalities.models import Invitation
    from app.privacy.models import DataExport
    from app.residency.models import CodeBatch, ResidencyCode

    removed = 0
    invitation_age = timedelta(seconds=current_app.config["INVITATION_MAX_AGE"])
    removed += db.session.execute(
        delete(Invitation).where(
            or_(Invitation.accepted_at.is_not(None), Invitation.created_at < now - invitation_age)
        )
    ).rowcount
    removed += db.session.execute(
        delete(ApiToken).where(ApiToken.revoked_at < now - _days("RETENTION_MAIL_DAYS"))
    ).rowcount
    spent_batches = select(CodeBatch.id).where(
        or_(CodeBatch.expires_at < now, CodeBatch.voided_at.is_not(None))
    )
    removed += db.session.execute(
        delete(ResidencyCode).where(
            or_(ResidencyCode.used_at.is_not(None), ResidencyCode.batch_id.in_(spent_batches))
        )
    ).rowcount
    removed += db.session.execute(delete(DataExport).where(DataExport.expires_at < now)).rowcount
    return removed


def purge_sent_mails(now: datetime) -> int:
    from app.core.mail import OutgoingMail

    cutoff = now - _days("RETENTION_MAIL_DAYS")
    return db.session.execute(
        delete(OutgoingMail).where(
            or_(OutgoingMail.sent_at < cutoff, OutgoingMail.failed_at < cutoff)
        )
    ).rowcount


def run_retention(now: datetime) -> dict[str, int]:
    """Everything above, in one transaction; the caller commits."""
    return {
        "unverified_accounts": purge_unverified_accounts(now),
        "ip_addresses": purge_ip_addresses(now),
        "credentials": purge_spent_credentials(now),
        "mails": purge_sent_mails(now),
    }


@periodic("privacy.retention", seconds=6 * 3600)
def retention_job(now: datetime) -> None:
    run_retention(now)
    db.session.commit()
