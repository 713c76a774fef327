"""Demo reports for Musterstadt, so that the moderation queue shows what it is for.

The reports go to contributions the other seeders wrote (of whatever kind), found through the shared
contribution table; without any, nothing is created and the queue shows its empty state. Idempotent:
once Musterstadt has a report, nothing is added.
"""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.contributions.models import Contribution, Visibility
from app.extensions import db
from app.moderation import services
from app.moderation.models import Report, ReportReason
from app.municipalities.models import Municipality

REPORTERS = [
    "buerger@musterstadt.example",
    "rat@musterstadt.example",
    "begleitung@musterstadt.example",
]

# For the newest visible contribution of each kind, in turn: why people report it, what they add.
DEMO_REPORTS = [
    [
        (ReportReason.OFF_TOPIC, "Das gehört eher zum Radverkehrskonzept."),
        (ReportReason.OFF_TOPIC, ""),
    ],
    [(ReportReason.PERSONAL_DATA, "Hier wird ein Nachbar mit vollem Namen genannt.")],
    [(ReportReason.INSULT, "Der Ton ist herablassend.")],
]


def _newest_of_each_kind(municipality: Municipality) -> list[Contribution]:
    """A contribution of each kind, so that the demo queue shows how kinds differ."""
    visible = (
        Contribution.municipality_id == municipality.id,
        Contribution.visibility == Visibility.VISIBLE,
        Contribution.author_id.is_not(None),
    )
    found = []
    for kind in db.session.scalars(
        select(Contribution.kind).where(*visible).distinct().order_by(Contribution.kind)
    ):
        found.append(
            db.session.scalar(
                select(Contribution)
                .where(*visible, Contribution.kind == kind)
                .order_by(Contribution.created_at.desc(), Contribution.id.desc())
                .limit(1)
            )
        )
    return found[: len(DEMO_REPORTS)]


def seed_moderation(municipalities: dict[str, Municipality], users: dict[str, User]) -> None:
    musterstadt = municipalities["musterstadt"]
    if db.session.scalar(
        select(Report.id).where(Report.municipality_id == musterstadt.id).limit(1)
    ):
        return
    for contribution, reports in zip(_newest_of_each_kind(musterstadt), DEMO_REPORTS, strict=False):
        reporters = [
            users[email]
            for email in REPORTERS
            if email in users and users[email].id != contribution.author_id
        ]
        for reporter, (reason, text) in zip(reporters, reports, strict=False):
            services.report(reporter, contribution, reason, text)
    db.session.flush()
