"""Demo events for the Marktplatz process of Musterstadt: an upcoming workshop with limited seats
and registrations, a walk across the square that was cancelled (with its reason), a past market
stall with its protocol and the cards gathered there, a letter, and the process summed up in
Leichte Sprache.

Written through the services; no mail is queued. Idempotent: a process with events is left alone.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.contributions.models import Channel
from app.core.time import utcnow
from app.events import onsite, services
from app.events.models import OnsiteEvent, RegistrationMode
from app.extensions import db
from app.municipalities.models import Municipality
from app.processes.models import Process

MARKTPLATZ_SLUG = "neugestaltung-marktplatz"
PETRA = "verwaltung@musterstadt.example"
BERND = "begleitung@musterstadt.example"
REGISTRANTS = ("buerger@musterstadt.example", "rat@musterstadt.example")

EASY_READ = """Der Markt-Platz in Musterstadt soll neu werden.
Die Stadt will wissen: Was wünschen Sie sich?
Zum Beispiel: Bäume. Bänke. Platz zum Spielen.
Sie können Ihre Ideen hier auf der Internet-Seite schreiben.
Sie können auch zur Bürger-Werkstatt kommen.
Dort sprechen wir zusammen über die Ideen.
Der Gemeinde-Rat entscheidet am Ende.
Der Gemeinde-Rat ist eine Gruppe von Menschen.
Die Bürger haben diese Menschen gewählt."""

PROMISE = """Wir lesen jede Idee.
Wir sagen Ihnen, was aus Ihrer Idee wird.
Das machen wir bis zum Herbst."""

PROTOCOL = """<p>Am Infostand auf dem Wochenmarkt haben rund 60 Menschen mit uns gesprochen.
Viele wünschen sich mehr Schatten und Sitzplätze; Marktbeschicker baten darum, die
Stellplätze für Stände zu erhalten.</p>
<ul><li>Pinnwand „Grün“: 14 Karten</li><li>Pinnwand „Verkehr“: 9 Karten</li></ul>"""

CANCELLED_BECAUSE = (
    "Das Planungsbüro ist erst nach der Ideensammlung beauftragt. Die Begehung holen wir mit den "
    "Entwürfen nach; der neue Termin steht dann hier."
)

CARDS = [
    ("proposal", "Trinkbrunnen am Marktplatz", "Ein Trinkbrunnen für heiße Tage, auch für Kinder."),
    (
        "proposal",
        "Fahrradständer am Rand",
        "Überdachte Fahrradständer an der Nordseite des Platzes.",
    ),
    ("comment", "", "Bitte die Stellplätze für die Marktstände beim Umbau mitdenken."),
]
LETTER = (
    "proposal",
    "Mehr Bänke mit Lehne",
    "Ältere Menschen brauchen Bänke mit Lehne und Armstützen.",
)


def seed_events(municipalities: dict[str, Municipality], users: dict[str, User]) -> None:
    town = municipalities.get("musterstadt")
    if town is None:
        return
    process = db.session.scalar(
        select(Process).where(Process.municipality_id == town.id, Process.slug == MARKTPLATZ_SLUG)
    )
    staff = users.get(PETRA)
    if process is None or staff is None:
        return
    if db.session.scalar(
        select(OnsiteEvent.id).where(OnsiteEvent.process_id == process.id).limit(1)
    ):
        return
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    workshop_start = now + timedelta(days=6, hours=18 - now.hour)
    workshop = services.create_event(
        process,
        users.get(BERND, staff),
        services.EventData(
            title="Bürgerwerkstatt Marktplatz",
            description=(
                "<p>Wir sammeln an Thementischen Ideen für den neuen Marktplatz und bringen sie in "
                "eine Reihenfolge. Die Prozessbegleitung moderiert.</p>"
            ),
            starts_at=workshop_start,
            ends_at=workshop_start + timedelta(hours=2, minutes=30),
            address="Bürgersaal im Rathaus, Marktplatz 1, 79999 Musterstadt",
            latitude=48.0004,
            longitude=7.8510,
            accessibility=(
                "Stufenloser Zugang über den Aufzug am Hintereingang, barrierefreies WC, "
                "Induktionsschleife. Gebärdensprache auf Anfrage bis eine Woche vorher."
            ),
            online_url="https://meet.musterstadt.example/buergerwerkstatt",
            registration=RegistrationMode.LIMITED,
            capacity=30,
        ),
    )
    for email in REGISTRANTS:
        person = users.get(email)
        if person is not None:
            services.register(workshop, person, now)
    walk_start = now + timedelta(days=2, hours=17 - now.hour)
    walk = services.create_event(
        process,
        staff,
        services.EventData(
            title="Platzbegehung mit dem Planungsbüro",
            description="<p>Wir gehen gemeinsam über den Platz und sehen uns die Ideen vor Ort an.</p>",
            starts_at=walk_start,
            ends_at=walk_start + timedelta(hours=1, minutes=30),
            address="Treffpunkt am Marktbrunnen",
            accessibility="Der Weg ist eben; Kopfsteinpflaster auf der Nordseite.",
            registration=RegistrationMode.OPEN,
        ),
    )
    services.cancel_event(walk, staff, CANCELLED_BECAUSE, now)
    stall_start = now - timedelta(days=9, hours=now.hour - 8)
    stall = services.create_event(
        process,
        staff,
        services.EventData(
            title="Infostand auf dem Wochenmarkt",
            description="<p>Die Verwaltung informiert am Marktstand und nimmt Ideen auf.</p>",
            starts_at=stall_start,
            ends_at=stall_start + timedelta(hours=4),
            address="Marktplatz, beim Brunnen",
            accessibility="Ebenerdig, im Freien.",
        ),
    )
    services.save_protocol(stall, PROTOCOL)
    cards = [onsite.check_card(onsite.Card(*card)) for card in CARDS]
    onsite.enter_cards(process, staff, onsite.Origin(Channel.EVENT, stall, "Pinnwand"), cards)
    onsite.enter_cards(
        process,
        staff,
        onsite.Origin(Channel.LETTER, None, "Brief vom 3. März"),
        [onsite.check_card(onsite.Card(*LETTER))],
    )
    services.save_easy_read(process, staff, EASY_READ, PROMISE)
    db.session.commit()
