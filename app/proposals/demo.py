"""Demo proposals for Musterstadt.

The Marktplatz process gets a dozen ideas with supports, places on the map, official answers, a
merged and a withdrawn proposal, a council statement, and the answer promise with its categories.
The Freibad process (in its evaluation phase) gets the ideas its participation phase gathered, with
supports from all three groups and one answer "under review", for the council to read.

Written through the services, with times moved into each process's participation phase so that
the answer promise has something to count. Idempotent: a process that has proposals is left as it
is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.core.time import utcnow
from app.extensions import db
from app.municipalities.models import Municipality
from app.processes.models import Process
from app.proposals import services
from app.proposals.models import Proposal, ProposalStatus

MARKTPLATZ_SLUG = "neugestaltung-marktplatz"
FREIBAD_SLUG = "zukunft-freibad"
THRESHOLD, DAYS = 3, 14
CATEGORIES = [
    "Grün und Schatten",
    "Sitzen und Aufenthalt",
    "Wochenmarkt und Feste",
    "Spielen",
    "Wege und Verkehr",
]

BEA = "buerger@musterstadt.example"
PETRA = "verwaltung@musterstadt.example"
RITA = "rat@musterstadt.example"
BERND = "begleitung@musterstadt.example"
MORITZ = "moderation@musterstadt.example"
KONRAD = "rat2@musterstadt.example"

INFOSTAND = "\n\nAufgenommen am Infostand auf dem Wochenmarkt."


@dataclass(frozen=True)
class Answer:
    status: ProposalStatus
    office: str
    text: str
    hours_ago: int
    merged_into: str = ""  # the key of the proposal it joins


@dataclass(frozen=True)
class Idea:
    key: str
    author: str
    hours_ago: int
    title: str
    text: str
    category: str
    supporters: tuple[str, ...] = ()
    place: tuple[float, float, str] | None = None
    answers: tuple[Answer, ...] = field(default=())
    withdrawn: bool = False


IDEAS = [
    Idea(
        "baeume",
        BEA,
        160,
        "Schattenspendende Bäume an der Südseite",
        "Im Sommer heizt sich der Platz stark auf. Eine Reihe großer Laubbäume vor den Geschäften "
        "an der Südseite würde Schatten spenden und den Platz <strong>spürbar kühler</strong> "
        "machen.\n\nDarunter könnten Bänke stehen, auf denen man auch mittags sitzen kann.",
        "Grün und Schatten",
        (RITA, BERND, MORITZ, PETRA),
        (48.00035, 7.85092, "Südseite des Marktplatzes, vor den Geschäften"),
        (
            Answer(
                ProposalStatus.UNDER_REVIEW,
                "Stadtplanungsamt",
                "Vielen Dank für den Vorschlag. Unter der Südseite verlaufen Fernwärme- und "
                "Wasserleitungen. Wir klären mit dem Tiefbauamt, wo Bäume genug Wurzelraum "
                "hätten, und antworten mit dem Ergebnis.",
                30,
            ),
        ),
    ),
    Idea(
        "trinkbrunnen",
        BEA,
        150,
        "Trinkbrunnen neben dem historischen Marktbrunnen",
        "Ein Trinkbrunnen mit frischem Leitungswasser hilft an heißen Tagen allen, besonders "
        "Kindern und älteren Menschen. Er sollte barrierefrei erreichbar sein.",
        "Sitzen und Aufenthalt",
        (RITA, BERND, MORITZ),
        (48.00012, 7.85021, "Beim Marktbrunnen"),
        (
            Answer(
                ProposalStatus.ACCEPTED,
                "Stadtplanungsamt",
                "Der Vorschlag wird angenommen: Ein barrierefreier Trinkbrunnen wird in die "
                "Planung aufgenommen. Die Stadtwerke haben den Wasseranschluss am Marktbrunnen "
                "bereits geprüft.",
                26,
            ),
        ),
    ),
    Idea(
        "baenke",
        BERND,
        140,
        "Mehr Sitzbänke mit Rücken- und Armlehnen",
        "Mehrere Seniorinnen wünschen sich Bänke, von denen man gut wieder aufstehen kann: mit "
        "Rückenlehne und Armlehnen, verteilt über den ganzen Platz." + INFOSTAND,
        "Sitzen und Aufenthalt",
        (BEA, RITA, MORITZ, PETRA),
        None,
        (
            Answer(
                ProposalStatus.ACCEPTED,
                "Stadtplanungsamt",
                "Angenommen. Das Planungsbüro erhält die Vorgabe, mindestens zwölf Bänke mit "
                "Rücken- und Armlehnen vorzusehen, davon die Hälfte im Schatten.",
                20,
            ),
        ),
    ),
    Idea(
        "mittwochsmarkt",
        RITA,
        130,
        "Wochenmarkt zusätzlich am Mittwochnachmittag",
        "Viele Berufstätige schaffen es am Samstagvormittag nicht auf den Markt. Ein kleiner "
        "Feierabendmarkt am Mittwoch von 15 bis 19 Uhr würde den Platz unter der Woche beleben.",
        "Wochenmarkt und Feste",
        (BEA, BERND),
    ),
    Idea(
        "autofrei",
        MORITZ,
        120,
        "Autofreier Marktplatz an Samstagen",
        "Samstags sollten auf dem ganzen Platz keine Autos mehr fahren, damit Markt und "
        "Spaziergang ohne Verkehr möglich sind.",
        "Wege und Verkehr",
        (BEA,),
        None,
        (
            Answer(
                ProposalStatus.REJECTED,
                "Ordnungsamt",
                "Ein vollständiges Fahrverbot ist nicht möglich: Rettungsdienst und "
                "Lieferverkehr müssen den Platz erreichen (siehe „Was bereits feststeht“). "
                "Die Durchfahrt für den übrigen Verkehr ist an Markttagen bereits gesperrt.",
                40,
            ),
        ),
    ),
    Idea(
        "wasserspiel",
        BEA,
        110,
        "Wasserspiel für Kinder",
        "Bodendüsen, zwischen denen Kinder im Sommer laufen können, wären ein Magnet für "
        "Familien. Abends und im Winter bleibt die Fläche einfach begehbar.",
        "Spielen",
        (RITA, BERND, PETRA),
        (48.00071, 7.85118, "Östlicher Teil des Platzes"),
    ),
    Idea(
        "fahrradbuegel",
        BERND,
        100,
        "Fahrradbügel am Rand des Platzes",
        "Wer mit dem Rad zum Markt kommt, findet keinen Platz zum Anschließen. Gewünscht sind "
        "überdachte Fahrradbügel an der Ecke zur Kirchgasse." + INFOSTAND,
        "Wege und Verkehr",
        (BEA,),
        (47.99982, 7.84968, "Ecke Kirchgasse"),
    ),
    Idea(
        "toilette",
        BEA,
        90,
        "Öffentliche Toilette am Rathaus",
        "Eine barrierefreie öffentliche Toilette fehlt in der ganzen Innenstadt. Im Erdgeschoss "
        "des Rathauses gäbe es einen geeigneten Raum.",
        "Sitzen und Aufenthalt",
        (BERND, MORITZ),
        (48.00098, 7.85049, "Rathaus, Nordseite"),
    ),
    Idea(
        "buehne",
        BERND,
        80,
        "Kleine Bühne für Musik und Feste",
        "Der Musikverein und die Schulen wünschen sich eine feste, überdachte Bühne für "
        "Platzkonzerte, Schulfeste und das Stadtfest." + INFOSTAND,
        "Wochenmarkt und Feste",
        (BEA, RITA),
    ),
    Idea(
        "baeume-parkplaetze",
        MORITZ,
        70,
        "Mehr Bäume statt Parkplätze",
        "Statt der Parkplätze an der Südseite sollten dort Bäume gepflanzt werden.",
        "Grün und Schatten",
        (BEA,),
        None,
        (
            Answer(
                ProposalStatus.MERGED,
                "Stadtplanungsamt",
                "Dieses Anliegen deckt sich mit dem Vorschlag „Schattenspendende Bäume an der "
                "Südseite“. Wir führen beide zusammen; Unterstützungen und Kommentare bleiben "
                "hier sichtbar.",
                12,
                merged_into="baeume",
            ),
        ),
    ),
    Idea(
        "barrierefrei",
        BERND,
        60,
        "Barrierefreie Wege über das Kopfsteinpflaster",
        "Mit Rollator, Rollstuhl oder Kinderwagen ist das Kopfsteinpflaster kaum zu queren. "
        "Zwei Bänder aus glatten Platten quer über den Platz würden helfen, ohne das Bild "
        "des Platzes zu zerstören." + INFOSTAND,
        "Wege und Verkehr",
        (BEA, RITA, MORITZ, PETRA),
        (48.00030, 7.85003, "Von der Kirchgasse zum Rathaus"),
    ),
    Idea(
        "weihnachtsmarkt",
        BEA,
        40,
        "Weihnachtsmarkt bis Silvester verlängern",
        "Der Weihnachtsmarkt könnte bis Silvester bleiben.",
        "Wochenmarkt und Feste",
        (),
        withdrawn=True,
    ),
]

# The Freibad's participation phase ran from 42 to 4 days before seeding (app/processes/demo.py):
# these ideas came in between, and nobody supports anything after it.
FREIBAD_CATEGORIES = ["Becken und Angebote", "Preise und Öffnungszeiten", "Umwelt und Energie"]
FREIBAD_IDEAS = [
    Idea(
        "naturbecken",
        BEA,
        38 * 24,
        "Naturbecken statt gechlortem Wasser",
        "Ein Teil der Wasserfläche als Naturbecken, das sich mit Pflanzen selbst reinigt: "
        "angenehmer für die Haut und günstiger im Betrieb.",
        "Umwelt und Energie",
        (RITA, BERND, MORITZ, KONRAD),
    ),
    Idea(
        "familienkarte",
        BEA,
        33 * 24,
        "Familien-Saisonkarte zum halben Preis",
        "Für Familien mit mehreren Kindern ist der Eintritt zu teuer. Eine Saisonkarte für die "
        "ganze Familie würde helfen, dass alle Kinder schwimmen lernen.",
        "Preise und Öffnungszeiten",
        (RITA, BERND, PETRA),
        answers=(
            Answer(
                ProposalStatus.UNDER_REVIEW,
                "Amt für Sport und Bäder",
                "Die Kämmerei rechnet die Einnahmeausfälle für drei Preismodelle durch; die "
                "Zahlen gehen mit dem Bericht an den Gemeinderat.",
                2 * 24,
            ),
        ),
    ),
    Idea(
        "fruehschwimmen",
        BERND,
        27 * 24,
        "Frühschwimmen ab 6 Uhr",
        "Berufstätige möchten vor der Arbeit ihre Bahnen ziehen. Vorschlag aus dem Infoabend: "
        "zwei Bahnen werktags ab 6 Uhr öffnen.",
        "Preise und Öffnungszeiten",
        (BEA, KONRAD),
    ),
    Idea(
        "solar",
        MORITZ,
        20 * 24,
        "Solarthermie auf dem Dach der Umkleiden",
        "Die Dachflächen der Umkleiden reichen, um das Beckenwasser im Frühjahr und Herbst mit "
        "Sonnenwärme zu heizen. So verlängert sich die Saison ohne höhere Energiekosten.",
        "Umwelt und Energie",
        (BEA, RITA, PETRA),
    ),
    Idea(
        "schulschwimmen",
        BERND,
        12 * 24,
        "Schwimmunterricht der Grundschulen sichern",
        "Die drei Grundschulen brauchen im Sommer feste Zeiten im Lehrschwimmbecken. Das neue "
        "Bad sollte ein eigenes, flaches Becken dafür haben.",
        "Becken und Angebote",
        (BEA, RITA, MORITZ, PETRA, KONRAD),
    ),
    Idea(
        "beachvolleyball",
        BEA,
        6 * 24,
        "Beachvolleyballfeld erhalten",
        "Das Feld auf der Liegewiese wird jeden Abend genutzt und sollte bleiben.",
        "Becken und Angebote",
        (MORITZ,),
    ),
]

STATEMENT = (
    "barrierefrei",
    RITA,
    "Die Fraktion unterstützt diesen Vorschlag ausdrücklich. Barrierefreiheit muss bei der "
    "Umgestaltung von Anfang an mitgedacht werden; wir werden im Gemeinderat beantragen, die "
    "Mittel dafür im Haushalt 2027 vorzusehen.",
)


def _hours_ago(now: datetime, hours: int) -> datetime:
    return now - timedelta(hours=hours)


def _submit(process: Process, users: dict[str, User], idea: Idea, now: datetime) -> Proposal:
    moment = _hours_ago(now, idea.hours_ago)
    category = next(c for c in services.categories(process) if c.name == idea.category)
    latitude, longitude, address = idea.place or (None, None, "")
    proposal = services.submit_proposal(
        users[idea.author],
        process,
        services.ProposalData(
            title=idea.title,
            description=idea.text,
            category_id=category.id,
            latitude=latitude,
            longitude=longitude,
            address=address,
        ),
        now=moment,
    )
    proposal.created_at = moment
    proposal.contribution.created_at = moment
    for n, email in enumerate(idea.supporters, 1):
        services.support(users[email], proposal, now=moment + timedelta(hours=3 * n))
    return proposal


def _process_to_seed(municipalities: dict[str, Municipality], slug: str) -> Process | None:
    """The demo process ``slug`` of Musterstadt, while it takes proposals and has none yet."""
    process = db.session.scalar(
        select(Process).where(
            Process.municipality_id == municipalities["musterstadt"].id, Process.slug == slug
        )
    )
    if process is None or not services.takes_proposals(process):
        return None
    if db.session.scalar(select(Proposal.id).where(Proposal.process_id == process.id)):
        return None
    return process


def seed_proposals(municipalities: dict[str, Municipality], users: dict[str, User]) -> None:
    if any(email not in users for email in (BEA, PETRA, RITA, BERND, MORITZ, KONRAD)):
        return
    now = utcnow()
    process = _process_to_seed(municipalities, MARKTPLATZ_SLUG)
    if process is not None:
        _seed_marktplatz(process, users, now)
    process = _process_to_seed(municipalities, FREIBAD_SLUG)
    if process is not None:
        services.save_settings(users[PETRA], process, None, None, FREIBAD_CATEGORIES)
        _seed_ideas(process, users, FREIBAD_IDEAS, now)
    db.session.flush()


def _seed_ideas(
    process: Process, users: dict[str, User], ideas: list[Idea], now: datetime
) -> dict[str, Proposal]:
    made = {idea.key: _submit(process, users, idea, now) for idea in ideas}
    for idea in ideas:
        proposal = made[idea.key]
        for answer in idea.answers:
            services.change_status(
                users[PETRA],
                proposal,
                answer.status,
                answer.text,
                answer.office,
                made[answer.merged_into].id if answer.merged_into else None,
                now=_hours_ago(now, answer.hours_ago),
            )
        if idea.withdrawn:
            services.withdraw(users[idea.author], proposal, now=_hours_ago(now, idea.hours_ago - 6))
    return made


def _seed_marktplatz(process: Process, users: dict[str, User], now: datetime) -> None:
    services.save_settings(users[PETRA], process, THRESHOLD, DAYS, CATEGORIES)
    made = _seed_ideas(process, users, IDEAS, now)
    key, email, text = STATEMENT
    services.save_statement(users[email], made[key], text)
