"""A municipality's moderation settings: the report threshold that hides, premoderated processes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.accounts.models import User
from app.core import audit
from app.extensions import db
from app.moderation.models import (
    ModerationSettings,
)
from app.municipalities.models import Municipality
from app.processes.models import Process
from app.processes.services import rich_text


def settings_for(municipality: Municipality) -> ModerationSettings | None:
    return db.session.get(ModerationSettings, municipality.id)


def hide_threshold(municipality_id: int) -> int | None:
    return db.session.scalar(
        select(ModerationSettings.hide_threshold).where(
            ModerationSettings.municipality_id == municipality_id
        )
    )


def premoderated_process_ids(municipality: Municipality) -> list[int]:
    return list(
        db.session.scalars(
            select(Process.id)
            .where(Process.municipality_id == municipality.id, Process.premoderated.is_(True))
            .order_by(Process.id)
        )
    )


def processes_of(municipality: Municipality) -> list[Process]:
    """Every process of the municipality (drafts too: pre-moderation is set up before publishing)."""
    return list(
        db.session.scalars(
            select(Process)
            .where(Process.municipality_id == municipality.id)
            .order_by(Process.title, Process.id)
        )
    )


@dataclass(frozen=True)
class SettingsData:
    hide_threshold: int | None
    netiquette: str  # as typed: plain paragraphs or simple HTML; sanitised here
    premoderated: frozenset[int]  # process ids


def _settings_state(settings: ModerationSettings | None, premoderated: list[int]) -> dict:
    return {
        "hide_threshold": settings.hide_threshold if settings else None,
        "netiquette": settings.netiquette if settings else "",
        "premoderated_processes": premoderated,
    }


def save_settings(actor: User, municipality: Municipality, data: SettingsData) -> bool:
    """Store the threshold, the netiquette and which processes are pre-moderated.

    Returns whether anything changed; a change writes one audit entry with before and after.
    """
    settings = settings_for(municipality)
    before = _settings_state(settings, premoderated_process_ids(municipality))
    if settings is None:
        settings = ModerationSettings(municipality_id=municipality.id)
        db.session.add(settings)
    settings.hide_threshold = data.hide_threshold
    settings.netiquette = rich_text(data.netiquette)
    for process in processes_of(municipality):
        process.premoderated = process.id in data.premoderated
    db.session.flush()
    after = _settings_state(settings, premoderated_process_ids(municipality))
    if after == before:
        return False
    audit.record(
        actor_id=actor.id,
        action="moderation.settings",
        object_type="municipality",
        object_id=municipality.id,
        municipality_id=municipality.id,
        before=before,
        after=after,
    )
    return True
