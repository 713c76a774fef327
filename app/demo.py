"""The demo data behind ``flask seed-demo``: Musterstadt, Beispielheim and one login per role.

Idempotent: running it again finds what exists and adds only what is missing. Each domain adds its
demo content from its ``init_app`` with ``register_demo_seeder``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from app.accounts.models import User
from app.accounts.passwords import hash_password
from app.core.roles import Role
from app.core.time import utcnow
from app.extensions import db
from app.municipalities.models import FederalState, Membership, Municipality

DEMO_PASSWORD = "trialog-demo"  # noqa: S105  the published demo login


@dataclass(frozen=True)
class DemoLogin:
    email: str
    name: str
    municipality: str | None
    role: Role | None
    platform_admin: bool = False


DEMO_MUNICIPALITIES = {
    "musterstadt": dict(
        name="Musterstadt",
        ags="08999001",
        federal_state=FederalState.BW,
        contact="Rathaus Musterstadt, Marktplatz 1, 79999 Musterstadt\nTelefon 07999 123-0",
        contact_email="beteiligung@musterstadt.example",
        description=(
            "Musterstadt gestaltet ihre Zukunft gemeinsam: Verwaltung, Gemeinderat und "
            "Bürgerschaft arbeiten hier im Trialog an Plänen und Entscheidungen."
        ),
    ),
    "beispielheim": dict(
        name="Beispielheim",
        ags="08999002",
        federal_state=FederalState.BW,
        contact="Bürgermeisteramt Beispielheim, Hauptstraße 5, 79998 Beispielheim",
        contact_email="rathaus@beispielheim.example",
        description="Die Gemeinde Beispielheim lädt zur Mitwirkung an ihren Vorhaben ein.",
    ),
}

DEMO_LOGINS = [
    DemoLogin("admin@trialog.example", "Plattform-Admin", None, None, platform_admin=True),
    DemoLogin("verwaltung@musterstadt.example", "Petra Verwaltung", "musterstadt", Role.STAFF),
    DemoLogin("moderation@musterstadt.example", "Moritz Moderation", "musterstadt", Role.MODERATOR),
    DemoLogin("rat@musterstadt.example", "Rita Gemeinderätin", "musterstadt", Role.COUNCIL),
    DemoLogin("rat2@musterstadt.example", "Konrad Gemeinderat", "musterstadt", Role.COUNCIL),
    DemoLogin(
        "begleitung@musterstadt.example", "Bernd Begleitung", "musterstadt", Role.FACILITATOR
    ),
    DemoLogin("buerger@musterstadt.example", "Bea Bürgerin", "musterstadt", Role.CITIZEN),
    DemoLogin("verwaltung@beispielheim.example", "Valentin Verwaltung", "beispielheim", Role.STAFF),
    DemoLogin("buerger@beispielheim.example", "Ben Bürger", "beispielheim", Role.CITIZEN),
    # a freelance process facilitator in the platform's directory (app/facilitation/demo.py)
    DemoLogin("kompass@trialog.example", "Clara Kompass", None, None),
]

Seeder = Callable[[dict[str, Municipality], dict[str, User]], None]
DEMO_SEEDERS: list[Seeder] = []
_SEEDER_ORDER: dict[Seeder, int] = {}

# Where the existing seeders stand; a new domain's seeder takes the default (between the formats
# and the comments), so comments, moderation and notifications can build on what it wrote.
SEED_PROCESSES, SEED_SURVEYS, SEED_PROPOSALS, SEED_DEFAULT = 10, 20, 30, 50
SEED_COMMENTS, SEED_MODERATION, SEED_OUTCOMES, SEED_NOTIFICATIONS = 60, 70, 80, 90


def register_demo_seeder(seeder: Seeder, *, order: int = SEED_DEFAULT) -> Seeder:
    """Have ``seed_demo`` call ``seeder(municipalities, users)``, lower ``order`` first.

    Called from a domain's ``init_app``; registering the same seeder again (a second app in the
    same process) changes nothing.
    """
    if seeder not in _SEEDER_ORDER:
        _SEEDER_ORDER[seeder] = order
        DEMO_SEEDERS.append(seeder)
        DEMO_SEEDERS.sort(key=lambda known: _SEEDER_ORDER.get(known, SEED_DEFAULT))
    return seeder


def _municipality(slug: str) -> Municipality:
    municipality = db.session.scalar(select(Municipality).where(Municipality.slug == slug))
    if municipality is None:
        municipality = Municipality(slug=slug, **DEMO_MUNICIPALITIES[slug])
        db.session.add(municipality)
        db.session.flush()
    return municipality


def _user(login: DemoLogin, password_hash: str) -> User:
    user = db.session.scalar(select(User).where(User.email == login.email))
    if user is None:
        now = utcnow()
        user = User(
            email=login.email,
            display_name=login.name,
            password_hash=password_hash,
            email_verified_at=now,
            consented_at=now,
            is_platform_admin=login.platform_admin,
        )
        db.session.add(user)
        db.session.flush()
    return user


def seed_demo() -> dict[str, User]:
    municipalities = {slug: _municipality(slug) for slug in DEMO_MUNICIPALITIES}
    password_hash = hash_password(DEMO_PASSWORD)
    users: dict[str, User] = {}
    for login in DEMO_LOGINS:
        user = _user(login, password_hash)
        users[login.email] = user
        if login.municipality and user.membership_in(municipalities[login.municipality]) is None:
            db.session.add(
                Membership(
                    user=user, municipality=municipalities[login.municipality], role=login.role
                )
            )
    db.session.flush()
    for seeder in DEMO_SEEDERS:
        seeder(municipalities, users)
    return users


def is_empty() -> bool:
    return db.session.scalar(select(Municipality.id).limit(1)) is None
