"""The legal pages every municipality publishes, and the platform operator's own.

Imprint, privacy policy, accessibility statement and terms of use start as templates with the
platform's facts filled in (the municipality's name and contact, the operator, the retention periods
of ``config.py``, the data protection authority of the federal state). A municipality admin (for
the platform's own pages, a platform admin) edits them in Markdown; every save is a new version,
sanitised, kept for the history, and recorded in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import markdown
from flask import current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.core import audit
from app.core.sanitize import clean_document, clean_plain
from app.core.time import utcnow
from app.extensions import db
from app.municipalities.models import FederalState, Municipality
from app.privacy.models import LegalDocument, LegalKind

LABELS = {
    LegalKind.IMPRINT: _l("Imprint"),
    LegalKind.PRIVACY: _l("Privacy policy"),
    LegalKind.ACCESSIBILITY: _l("Accessibility statement"),
    LegalKind.TERMS: _l("Terms of use"),
}
# How often a save takes the next number again when another save took it at the same moment.
# Each refusal means another save committed that number, so this many saves at once all succeed.
SAVE_ATTEMPTS = 5
# Versions of these documents can ask everyone to accept them again (platform pages only).
CONSENT_KINDS = frozenset({LegalKind.TERMS, LegalKind.PRIVACY})

# The data protection supervisory authority of each federal state (Art. 77 GDPR): for public bodies
# of the state and its municipalities.
SUPERVISORY_AUTHORITIES = {
    FederalState.BW: (
        "Landesbeauftragter für den Datenschutz und die Informationsfreiheit Baden-Württemberg",
        "https://www.baden-wuerttemberg.datenschutz.de",
    ),
    FederalState.BY: (
        "Bayerischer Landesbeauftragter für den Datenschutz",
        "https://www.datenschutz-bayern.de",
    ),
    FederalState.BE: (
        "Berliner Beauftragte für Datenschutz und Informationsfreiheit",
        "https://www.datenschutz-berlin.de",
    ),
    FederalState.BB: (
        "Landesbeauftragte für den Datenschutz und für das Recht auf Akteneinsicht Brandenburg",
        "https://www.lda.brandenburg.de",
    ),
    FederalState.HB: (
        "Landesbeauftragte für Datenschutz und Informationsfreiheit der Freien Hansestadt Bremen",
        "https://www.datenschutz.bremen.de",
    ),
    FederalState.HH: (
        "Hamburgischer Beauftragter für Datenschutz und Informationsfreiheit",
        "https://datenschutz-hamburg.de",
    ),
    FederalState.HE: (
        "Hessischer Beauftragter für Datenschutz und Informationsfreiheit",
        "https://datenschutz.hessen.de",
    ),
    FederalState.MV: (
        "Landesbeauftragter für Datenschutz und Informationsfreiheit Mecklenburg-Vorpommern",
        "https://www.datenschutz-mv.de",
    ),
    FederalState.NI: (
        "Landesbeauftragte für den Datenschutz Niedersachsen",
        "https://www.lfd.niedersachsen.de",
    ),
    FederalState.NW: (
        "Landesbeauftragte für Datenschutz und Informationsfreiheit Nordrhein-Westfalen",
        "https://www.ldi.nrw.de",
    ),
    FederalState.RP: (
        "Landesbeauftragter für den Datenschutz und die Informationsfreiheit Rheinland-Pfalz",
        "https://www.datenschutz.rlp.de",
    ),
    FederalState.SL: (
        "Unabhängiges Datenschutzzentrum Saarland",
        "https://www.datenschutz.saarland.de",
    ),
    FederalState.SN: (
        "Sächsische Datenschutz- und Transparenzbeauftragte",
        "https://www.datenschutz.sachsen.de",
    ),
    FederalState.ST: (
        "Landesbeauftragter für den Datenschutz Sachsen-Anhalt",
        "https://datenschutz.sachsen-anhalt.de",
    ),
    FederalState.SH: (
        "Unabhängiges Landeszentrum für Datenschutz Schleswig-Holstein",
        "https://www.datenschutzzentrum.de",
    ),
    FederalState.TH: (
        "Thüringer Landesbeauftragter für den Datenschutz und die Informationsfreiheit",
        "https://www.tlfdi.de",
    ),
}
SCHLICHTUNGSSTELLE = ("Schlichtungsstelle nach dem BGG", "https://www.schlichtungsstelle-bgg.de")


@dataclass(frozen=True)
class Page:
    """What a legal page shows: its text, and which version of when (0: the built-in template)."""

    kind: LegalKind
    body: Markup
    version: int
    updated_at: datetime | None


def _municipality_id(municipality: Municipality | None) -> int | None:
    return municipality.id if municipality is not None else None


def _scope(municipality: Municipality | None, kind: LegalKind):
    municipality_id = _municipality_id(municipality)
    column = LegalDocument.municipality_id
    where = column.is_(None) if municipality_id is None else column == municipality_id
    return select(LegalDocument).where(where, LegalDocument.kind == kind)


def current(municipality: Municipality | None, kind: LegalKind) -> LegalDocument | None:
    return db.session.scalar(_scope(municipality, kind).order_by(LegalDocument.version.desc()))


def version(
    municipality: Municipality | None, kind: LegalKind, number: int
) -> LegalDocument | None:
    return db.session.scalar(_scope(municipality, kind).where(LegalDocument.version == number))


def history(municipality: Municipality | None, kind: LegalKind) -> list[LegalDocument]:
    return list(
        db.session.scalars(_scope(municipality, kind).order_by(LegalDocument.version.desc()))
    )


def facts(municipality: Municipality | None) -> dict:
    """The platform's facts the templates fill in."""
    config = current_app.config
    state = municipality.federal_state if municipality is not None else FederalState.BW
    authority, authority_url = SUPERVISORY_AUTHORITIES[state]
    return {
        "municipality": municipality,
        "operator_name": config["OPERATOR_NAME"],
        "operator_address": config["OPERATOR_ADDRESS"],
        "operator_email": config["OPERATOR_EMAIL"],
        "dpo_contact": config["DPO_CONTACT"],
        "contact_email": (municipality.contact_email if municipality else None)
        or config["OPERATOR_EMAIL"],
        "authority": authority,
        "authority_url": authority_url,
        "schlichtungsstelle": SCHLICHTUNGSSTELLE,
        "retention": {
            "unverified": config["RETENTION_UNVERIFIED_DAYS"],
            "ip": config["RETENTION_IP_DAYS"],
            "mail": config["RETENTION_MAIL_DAYS"],
            "notifications": config["RETENTION_NOTIFICATION_DAYS"],
            "export_hours": config["DATA_EXPORT_VALID_HOURS"],
        },
        "map_tiles": config.get("MAP_TILE_URL") or "",
        "today": date.today(),
    }


def default_source(municipality: Municipality | None, kind: LegalKind) -> str:
    """The built-in Markdown template of ``kind`` with the platform's facts filled in."""
    return render_template(f"privacy/legal/{kind.value}.md", **facts(municipality))


def to_html(source: str) -> Markup:
    converted = markdown.markdown(clean_plain(source), extensions=["sane_lists", "nl2br"])
    return clean_document(converted)


def page(municipality: Municipality | None, kind: LegalKind) -> Page:
    document = current(municipality, kind)
    if document is None:
        return Page(kind, to_html(default_source(municipality, kind)), 0, None)
    return Page(kind, Markup(document.body), document.version, document.created_at)  # noqa: S704  stored sanitised


def page_context(municipality: Municipality | None, kind: str) -> dict:
    """What ``privacy/legal_page.html`` shows for ``kind`` (a ``LegalKind`` value)."""
    legal_kind = LegalKind(kind)
    return {
        "municipality": municipality,
        "page": page(municipality, legal_kind),
        "label": LABELS[legal_kind],
    }


def source_for_editing(municipality: Municipality | None, kind: LegalKind) -> str:
    document = current(municipality, kind)
    return document.source if document is not None else default_source(municipality, kind)


def _highest(municipality: Municipality | None, kind: LegalKind) -> int:
    """The highest version number of the page (0 before the first save)."""
    return (
        db.session.scalar(
            select(func.max(LegalDocument.version)).where(_scope(municipality, kind).whereclause)
        )
        or 0
    )


class VersionConflict(Exception):
    """Other versions of the same page were saved at the same moment, every time this save tried:
    nothing was stored; ``str(error)`` asks the person to send it again."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Someone else saved a new version of this page at the same moment. Nothing was "
                "saved; please send the text again."
            )
        )


def save_version(
    municipality: Municipality | None,
    kind: LegalKind,
    source: str,
    *,
    actor,
    note: str = "",
    asks_consent: bool = False,
) -> LegalDocument:
    """Store a new version (sanitised) and its audit entry; flushes, never commits.

    Only the platform's terms and privacy policy can ask everyone to accept again.

    The number is the scope's highest plus one; the database keeps it unique per page and scope
    (the platform's pages, ``municipality_id`` NULL, included: migration 0023). Two saves at the
    same moment read the same highest number: the later one's insert is refused, undone to its
    savepoint, and takes the next number (each save is a version of its own, both stay in the
    history). ``VersionConflict`` if that happens ``SAVE_ATTEMPTS`` times in a row.
    """
    source = clean_plain(source)
    body = str(to_html(source))
    for _attempt in range(SAVE_ATTEMPTS):
        previous = _highest(municipality, kind)
        document = LegalDocument(
            municipality_id=_municipality_id(municipality),
            kind=kind,
            version=previous + 1,
            source=source,
            body=body,
            note=clean_plain(note)[:200],
            asks_consent=bool(asks_consent and municipality is None and kind in CONSENT_KINDS),
            created_by_id=actor.id,
            created_at=utcnow(),
        )
        try:
            with db.session.begin_nested():
                db.session.add(document)
        except IntegrityError:
            if version(municipality, kind, previous + 1) is None:  # refused for another reason
                raise
            continue
        break
    else:
        raise VersionConflict()
    audit.record(
        actor_id=actor.id,
        action="legal.updated",
        object_type="legal_document",
        object_id=document.id,
        municipality_id=_municipality_id(municipality),
        before={"kind": kind.value, "version": previous} if previous else None,
        after={
            "kind": kind.value,
            "version": document.version,
            "asks_consent": document.asks_consent,
        },
        reason=document.note,
    )
    return document
