"""Data export (Art. 15 and 20 GDPR): everything the platform holds about a person, as JSON in a ZIP.

A request row is written when the person asks; small accounts are prepared at once, the rest by the
scheduler's ``privacy.exports`` job, which claims each request with an atomic update so that two
runners never build one twice. The finished file is offered to its owner only, for
``DATA_EXPORT_VALID_HOURS``; then the retention job removes it.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from app.accounts.models import User
from app.core.locks import lock_row
from app.core.scheduler import periodic
from app.core.time import utcnow
from app.extensions import db
from app.privacy import exporters as _exporters  # noqa: F401  registers the sections
from app.privacy.models import DataExport, ExportState
from app.privacy.registry import exporters

STALE_AFTER = timedelta(minutes=30)  # a claim older than this belonged to a runner that died


class ExportPending(Exception):
    """An export is already being prepared for this person."""


def build_sections(user: User, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Every registered section for ``user``; ``progress`` hears the percentage done."""
    registered = sorted(exporters().values(), key=lambda e: e.section)
    sections: dict[str, Any] = {}
    for index, exporter in enumerate(registered, start=1):
        sections[exporter.section] = exporter.func(user)
        if progress is not None:
            progress(int(index * 100 / len(registered)))
    return sections


def zip_sections(user: User, sections: dict[str, Any], now: datetime) -> bytes:
    """One JSON file per section plus an index; readable by people and by programs."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        index = {
            "platform": current_app.config.get("SITE_NAME", "Trialog"),
            "account_id": user.id,
            "generated_at": now.isoformat(),
            "sections": {name: f"{name}.json" for name in sections},
        }
        archive.writestr("index.json", json.dumps(index, ensure_ascii=False, indent=2))
        for name, data in sections.items():
            archive.writestr(
                f"{name}.json", json.dumps(data, ensure_ascii=False, indent=2, default=str)
            )
    return buffer.getvalue()


def _account_size(user: User) -> int:
    from app.contributions.models import Contribution

    return (
        db.session.scalar(
            select(func.count(Contribution.id)).where(Contribution.author_id == user.id)
        )
        or 0
    )


def open_export(user: User) -> DataExport | None:
    """The person's export that is pending, running, or ready and still valid."""
    now = utcnow()
    for export in db.session.scalars(
        select(DataExport).where(DataExport.user_id == user.id).order_by(DataExport.id.desc())
    ):
        if export.state in {ExportState.PENDING, ExportState.RUNNING}:
            return export
        if export.state == ExportState.READY and export.expires_at and export.expires_at > now:
            return export
    return None


def request_export(user: User) -> DataExport:
    """Ask for an export; small accounts get it at once, large ones from the scheduler.

    Flushes, never commits.
    """
    lock_row(User, user.id)  # two clicks at once ask once: the second finds the first's export
    current = open_export(user)
    if current is not None and current.state in {ExportState.PENDING, ExportState.RUNNING}:
        raise ExportPending
    export = DataExport(user_id=user.id, state=ExportState.PENDING, progress=0)
    db.session.add(export)
    db.session.flush()
    if _account_size(user) <= current_app.config["DATA_EXPORT_INLINE_LIMIT"]:
        _prepare(export, user, utcnow())
    return export


def _prepare(export: DataExport, user: User, now: datetime) -> None:
    def progress(percent: int) -> None:
        export.progress = percent

    sections = build_sections(user, progress)
    content = zip_sections(user, sections, now)
    export.content = content
    export.size = len(content)
    export.state = ExportState.READY
    export.progress = 100
    export.ready_at = now
    export.expires_at = now + timedelta(hours=current_app.config["DATA_EXPORT_VALID_HOURS"])
    db.session.flush()


def _claim(export_id: int, now: datetime) -> bool:
    result = db.session.execute(
        update(DataExport)
        .where(
            DataExport.id == export_id,
            (DataExport.state == ExportState.PENDING)
            | (
                (DataExport.state == ExportState.RUNNING)
                & (DataExport.started_at < now - STALE_AFTER)
            ),
        )
        .values(state=ExportState.RUNNING, started_at=now, progress=0)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def prepare_pending(now: datetime, limit: int = 5) -> int:
    """Build waiting exports, one transaction each; returns how many became ready."""
    ids = db.session.scalars(
        select(DataExport.id)
        .where(DataExport.state.in_([ExportState.PENDING, ExportState.RUNNING]))
        .order_by(DataExport.id)
        .limit(limit)
    ).all()
    db.session.rollback()
    done = 0
    for export_id in ids:
        if not _claim(export_id, now):
            db.session.rollback()
            continue
        db.session.commit()  # others see "running" while it is built
        export = db.session.get(DataExport, export_id)
        user = db.session.get(User, export.user_id)
        try:
            _prepare(export, user, now)
            db.session.commit()
            done += 1
        except Exception:
            db.session.rollback()
            db.session.execute(
                update(DataExport)
                .where(DataExport.id == export_id)
                .values(state=ExportState.FAILED)
            )
            db.session.commit()
            raise
    return done


def export_for_owner(user: User, export_id: int) -> DataExport | None:
    """The export ``export_id`` if it is ``user``'s; anyone else's is None (so 404)."""
    return db.session.scalar(
        select(DataExport).where(DataExport.id == export_id, DataExport.user_id == user.id)
    )


def downloadable(export: DataExport, now: datetime) -> bool:
    return (
        export.state == ExportState.READY
        and export.expires_at is not None
        and export.expires_at > now
    )


@periodic("privacy.exports", seconds=60)
def exports_job(now: datetime) -> None:
    prepare_pending(now)
