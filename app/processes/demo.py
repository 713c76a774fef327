"""Demo processes for Musterstadt: one in its participation phase, one in its evaluation phase,
one finished, one draft.

Phases are computed relative to the time of seeding, so the demo always shows a running
participation, and a process whose input waits for the council (its workspace lists what is in
evaluation now). Idempotent: a process that exists (by slug) is left as it is.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.core.time import utcnow
from app.extensions import db
from app.municipalities.models import Municipality
from app.processes import services
from app.processes.models import DecisionMaker, PhaseKind, Process, Visibility

DAY = timedelta(days=1)


def _at(now: datetime, days: int, hour: int = 9) -> datetime:
    """``days`` from ``now`` at a round hour (UTC), so the demo shows tidy times."""
    moment = now + days * DAY
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


MARKTPLATZ = services.ProcessData(
    title="Neugestaltung des Marktplatzes",
    slug="neugestaltung-marktplatz",
    summary=(
        "Der Marktplatz soll wieder ein Ort zum Verweilen werden. Bringen Sie Ihre Ideen für "
        "Grün, Sitzplätze, Wochenmarkt und Veranstaltungen ein."
    ),
    description=(
        "Der Marktplatz ist das Herz von Musterstadt, doch heute dient er vor allem als "
        "Parkplatz. Mit dem Förderprogramm „Lebendige Ortsmitte“ kann die Stadt den Platz in den "
        "Jahren 2027 und 2028 umgestalten.\n\n"
        "Bevor ein Planungsbüro Entwürfe zeichnet, möchten Verwaltung und Gemeinderat wissen, "
        "wie Sie den Platz nutzen und was Ihnen fehlt."
    ),
    topic="Stadtentwicklung",
    visibility=Visibility.PUBLIC,
    contact_name="Petra Verwaltung, Stadtplanungsamt",
    contact_email="marktplatz@musterstadt.example",
    contact_details="Rathaus, Zimmer 204\nTelefon 07999 123-204\nSprechzeiten Di und Do 9 bis 12 Uhr",
    goal=(
        "Ein Marktplatz, auf dem man sich gern aufhält: mit Schatten, Sitzplätzen und Raum für "
        "den Wochenmarkt und Feste, gestaltet mit denen, die ihn täglich nutzen."
    ),
    question=(
        "Wie möchten Sie den Marktplatz künftig nutzen, und was braucht er dafür? "
        "Welche Ideen haben Sie für Grün, Sitzgelegenheiten, Spielen und Veranstaltungen?"
    ),
    open_to_influence=(
        "Die Aufteilung des Platzes, Bäume und Beete, Sitzplätze, Wasser, Spielangebote, "
        "Beleuchtung sowie Zeiten und Ort des Wochenmarkts."
    ),
    already_fixed=(
        "Der Platz bleibt für Rettungsdienst und Lieferverkehr befahrbar. Die Zahl der "
        "Behindertenparkplätze bleibt erhalten. Das Budget beträgt 1,8 Mio. Euro, davon 60 % "
        "Fördermittel. Der denkmalgeschützte Brunnen bleibt an seinem Platz."
    ),
    decision_maker=DecisionMaker.COUNCIL,
    decision_timing="In der öffentlichen Gemeinderatssitzung im Herbst, nach der Auswertung",
    input_use=(
        "Die Verwaltung wertet alle Beiträge aus und fasst sie in einem Bericht zusammen. Das "
        "Planungsbüro erhält ihn als Grundlage für zwei Entwürfe. Der Gemeinderat sieht die "
        "Beiträge und die Stellungnahme der Verwaltung, bevor er entscheidet.\n\n"
        "Zu jedem Vorschlag mit mindestens 3 Unterstützungen gibt die Verwaltung innerhalb von 14 Tagen eine "
        "öffentliche Antwort."
    ),
    reminder_hours=48,
    formats=("proposals", "comments"),
)

RADVERKEHR = services.ProcessData(
    title="Radverkehrskonzept 2030",
    slug="radverkehrskonzept-2030",
    summary="Wo fehlen Radwege, wo wird es gefährlich? Die Hinweise flossen in das Radverkehrskonzept ein.",
    description=(
        "Musterstadt hat ein Radverkehrskonzept für die Jahre bis 2030 erarbeitet. "
        "Bürgerinnen und Bürger haben Gefahrenstellen und fehlende Verbindungen gemeldet."
    ),
    topic="Mobilität",
    contact_name="Tiefbauamt Musterstadt",
    contact_email="radverkehr@musterstadt.example",
    goal="Ein sicheres, zusammenhängendes Radnetz zwischen Ortsteilen, Schulen und Bahnhof.",
    question="Wo fahren Sie Rad, wo fehlt eine Verbindung, und wo fühlen Sie sich unsicher?",
    open_to_influence="Reihenfolge der Maßnahmen, Führung der Radrouten, Abstellanlagen.",
    already_fixed="Die Landesstraße L 123 liegt in der Zuständigkeit des Landes.",
    decision_maker=DecisionMaker.COUNCIL,
    decision_timing="Beschluss des Gemeinderats im Frühjahr",
    input_use=(
        "Alle Hinweise wurden geprüft und im Konzept beantwortet; der Bericht ist auf dieser "
        "Seite veröffentlicht."
    ),
    formats=("proposals", "surveys"),
)

FREIBAD = services.ProcessData(
    title="Zukunft des Freibads",
    slug="zukunft-freibad",
    summary=(
        "Sanieren, verkleinern oder neu bauen? Die Beteiligung ist abgeschlossen; Verwaltung und "
        "Gemeinderat werten Vorschläge, Kommentare und die Umfrage jetzt aus."
    ),
    description=(
        "Das Freibad von 1972 braucht neue Technik und neue Becken. Ein Gutachten nennt drei "
        "Wege: die Sanierung des Bestands, ein kleineres Bad mit Naturbecken oder einen Neubau "
        "neben dem Hallenbad.\n\n"
        "Sechs Wochen lang haben Bürgerinnen und Bürger, Vereine und Schulen ihre Wünsche "
        "eingebracht. Jetzt liegt alles dem Gemeinderat vor."
    ),
    topic="Freizeit und Sport",
    visibility=Visibility.PUBLIC,
    contact_name="Amt für Sport und Bäder",
    contact_email="freibad@musterstadt.example",
    goal="Ein Freibad, das Familien, Vereine und Schulen nutzen und das die Stadt tragen kann.",
    question="Was muss das Freibad der Zukunft bieten, und wofür nutzen Sie es heute?",
    open_to_influence=(
        "Becken und Angebote, Öffnungszeiten, Eintrittspreise für Familien, Gastronomie und "
        "Liegewiese."
    ),
    already_fixed=(
        "Der Standort am Stadtpark bleibt. Die Stadt kann höchstens 6,5 Mio. Euro investieren."
    ),
    decision_maker=DecisionMaker.COUNCIL,
    decision_timing="Grundsatzbeschluss des Gemeinderats nach der Auswertung",
    input_use=(
        "Die Verwaltung fasst alle Beiträge in einem Bericht zusammen. Der Gemeinderat liest ihn, "
        "nimmt Stellung und entscheidet, welcher Weg weiter geplant wird."
    ),
    formats=("proposals", "comments", "surveys"),
)

SPIELPLATZ = services.ProcessData(
    title="Neuer Spielplatz am Stadtpark",
    slug="spielplatz-stadtpark",
    summary="Kinder und Familien planen mit: Was soll der neue Spielplatz bieten?",
    description="Der Spielplatz am Stadtpark wird erneuert. Die Beteiligung wird gerade vorbereitet.",
    topic="Familie",
    contact_name="Jugendreferat Musterstadt",
    goal="Ein Spielplatz für alle Altersgruppen, auch für Kinder mit Behinderung.",
    formats=("surveys",),
)


# In its evaluation phase whenever the demo is seeded: participation ended four days ago, the
# council has three and a half weeks left (the proposals, comments and survey seeders place their
# input inside the participation phase, ``FREIBAD_PARTICIPATION`` days from now).
FREIBAD_PARTICIPATION = (-42, -4)
FREIBAD_PHASES = [
    (
        PhaseKind.INFORMATION,
        "Gutachten und Infoabend",
        -56,
        FREIBAD_PARTICIPATION[0],
        "Das Gutachten zu Sanierung, Naturbad und Neubau wird vorgestellt.",
    ),
    (
        PhaseKind.PARTICIPATION,
        "Wünsche und Vorschläge",
        *FREIBAD_PARTICIPATION,
        "Vorschläge einreichen und unterstützen, kommentieren, an der Umfrage teilnehmen.",
    ),
    (
        PhaseKind.EVALUATION,
        "Auswertung und Beratung im Gemeinderat",
        FREIBAD_PARTICIPATION[1],
        24,
        "Die Verwaltung fasst die Beiträge zusammen; der Gemeinderat liest und nimmt Stellung.",
    ),
    (
        PhaseKind.OUTCOME,
        "Grundsatzbeschluss",
        24,
        80,
        "Der Gemeinderat entscheidet; das Ergebnis wird hier veröffentlicht.",
    ),
]


def _phases(now: datetime, offsets: list[tuple[PhaseKind, str, int, int, str]]):
    return [
        services.PhaseData(
            kind=kind,
            title=title,
            starts_at=_at(now, start),
            ends_at=_at(now, end),
            description=text,
        )
        for kind, title, start, end, text in offsets
    ]


def _seed(municipality: Municipality, actor: User, data: services.ProcessData, phases, state):
    exists = db.session.scalar(
        select(Process.id).where(
            Process.municipality_id == municipality.id, Process.slug == data.slug
        )
    )
    if exists:
        return None
    process = services.save_process(actor, municipality, data)
    for phase in phases:
        services.add_phase(actor, process, phase)
    if state == "published":
        services.publish(actor, process)
    return process


def seed_processes(municipalities: dict[str, Municipality], users: dict[str, User]) -> None:
    musterstadt = municipalities["musterstadt"]
    staff = users["verwaltung@musterstadt.example"]
    now = utcnow()
    marktplatz = _seed(
        musterstadt,
        staff,
        _with_feedback(MARKTPLATZ, (now + 120 * DAY).date()),
        _phases(
            now,
            [
                (
                    PhaseKind.INFORMATION,
                    "Information und Auftaktveranstaltung",
                    -21,
                    -7,
                    "Auftaktveranstaltung im Rathaussaal; Bestandsaufnahme und Fotos des Platzes.",
                ),
                (
                    PhaseKind.PARTICIPATION,
                    "Ideen sammeln",
                    -7,
                    14,
                    "Vorschläge einreichen, unterstützen und kommentieren: online und am Infostand "
                    "auf dem Wochenmarkt.",
                ),
                (
                    PhaseKind.EVALUATION,
                    "Auswertung",
                    14,
                    42,
                    "Verwaltung und Planungsbüro werten die Beiträge aus.",
                ),
                (
                    PhaseKind.OUTCOME,
                    "Ergebnis und Entscheidung",
                    42,
                    90,
                    "Der Gemeinderat berät; die Ergebnisse werden hier veröffentlicht.",
                ),
            ],
        ),
        "published",
    )
    if marktplatz is not None:
        citizen = users.get("buerger@musterstadt.example")
        if citizen is not None:
            services.follow(citizen, marktplatz)
    _seed(
        musterstadt,
        staff,
        _with_feedback(RADVERKEHR, (now - 70 * DAY).date()),
        _phases(
            now,
            [
                (
                    PhaseKind.INFORMATION,
                    "Bestandsaufnahme",
                    -200,
                    -180,
                    "Vorstellung der Radverkehrsanalyse.",
                ),
                (
                    PhaseKind.PARTICIPATION,
                    "Hinweise melden",
                    -180,
                    -150,
                    "Gefahrenstellen und Lücken auf der Karte melden.",
                ),
                (PhaseKind.EVALUATION, "Auswertung", -150, -120, "Prüfung aller Hinweise."),
                (
                    PhaseKind.OUTCOME,
                    "Beschluss und Bericht",
                    -120,
                    -60,
                    "Der Gemeinderat hat das Konzept beschlossen.",
                ),
            ],
        ),
        "published",
    )
    _seed(
        musterstadt,
        staff,
        _with_feedback(FREIBAD, (now + 40 * DAY).date()),
        _phases(now, FREIBAD_PHASES),
        "published",
    )
    _seed(
        musterstadt,
        staff,
        SPIELPLATZ,
        _phases(
            now,
            [
                (
                    PhaseKind.PARTICIPATION,
                    "Wünsche sammeln",
                    30,
                    60,
                    "Kinder, Eltern und Kitas sagen, was der Spielplatz braucht.",
                )
            ],
        ),
        "draft",
    )


def _with_feedback(data: services.ProcessData, feedback_by: date) -> services.ProcessData:
    from dataclasses import replace

    return replace(data, feedback_by=feedback_by)
