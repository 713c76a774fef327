"""Demo data of the facilitator network: two approved facilitator profiles (Bernd Begleitung of
Musterstadt and a freelance facilitator, Clara Kompass, a demo login without a municipality), the
platform admin as process architect, and one first-consultation request of Beispielheim that the
architect has answered, with a filled concept and a proposed facilitator waiting to be accepted.

Written through the services; idempotent: with any facilitator profile present it does nothing.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.core.time import utcnow
from app.extensions import db
from app.facilitation import services
from app.facilitation.models import FacilitatorProfile
from app.municipalities.models import Municipality
from app.processes.models import DecisionMaker, PhaseKind

ARCHITECT = "admin@trialog.example"
BERND = "begleitung@musterstadt.example"
CLARA = "kompass@trialog.example"
REQUESTER = "verwaltung@beispielheim.example"


def seed_facilitation(municipalities: dict[str, Municipality], users: dict[str, User]) -> None:
    architect, bernd = users.get(ARCHITECT), users.get(BERND)
    if architect is None or bernd is None:
        return
    if db.session.scalar(select(FacilitatorProfile.id).limit(1)) is not None:
        return
    architect.is_process_architect = True
    clara = users.get(CLARA)
    if clara is None:
        return
    profiles = {}
    for person, data in (
        (
            bernd,
            services.ProfileData(
                region="Südbaden, Schwarzwald",
                methods="Bürgerwerkstatt, World Café, Planungszelle, Stadtteilspaziergang",
                languages="Deutsch, Englisch",
                references="Neugestaltung Marktplatz Musterstadt (2026); Jugendbeteiligung Kandern",
                about="Moderator und Mediator, begleitet Kommunen seit 2015.",
            ),
        ),
        (
            clara,
            services.ProfileData(
                region="Baden-Württemberg",
                methods="Zufallsbürger-Dialog, Zukunftswerkstatt, aufsuchende Beteiligung",
                languages="Deutsch, Türkisch, Leichte Sprache",
                references="Bürgerrat Klima (Landkreis); Quartiersentwicklung Oststadt",
                about="Freie Prozessbegleiterin mit Schwerpunkt auf schwer erreichbaren Gruppen.",
            ),
        ),
    ):
        profile = services.save_profile(person, data)
        services.review_profile(architect, profile, approve=True)
        profiles[person.id] = profile
    town, requester = municipalities.get("beispielheim"), users.get(REQUESTER)
    if town is None or requester is None:
        return
    request = services.submit_request(
        requester,
        town,
        services.RequestData(
            topic="Lärmaktionsplan Ortsdurchfahrt",
            goals="Die Anwohnenden sollen Vorschläge für weniger Verkehrslärm einbringen.",
            timing="Beginn im Frühjahr, Beschluss im Gemeinderat vor der Sommerpause",
            local_context=(
                "Rund 2.000 Menschen wohnen an der Hauptstraße; der Gemeinderat hat Tempo 30 "
                "nachts bereits beschlossen."
            ),
            previous_experience="Eine Einwohnerversammlung 2024, sonst keine.",
        ),
    )
    services.add_message(
        architect,
        request,
        "Danke für die Anfrage. Wir schlagen eine Online-Phase und einen Stadtteilspaziergang vor.",
        by_architect=True,
    )
    start = (utcnow() + timedelta(days=30)).date()
    services.save_concept(
        architect,
        request,
        services.ConceptData(
            summary="Weniger Lärm an der Ortsdurchfahrt: Ideen der Anwohnenden gesucht.",
            goal="Maßnahmen für den Lärmaktionsplan sammeln und gewichten.",
            question="Wo stört Sie der Verkehrslärm am meisten, und was würde helfen?",
            open_to_influence="Welche Maßnahmen in welcher Reihenfolge umgesetzt werden.",
            already_fixed="Tempo 30 nachts ist beschlossen.",
            decision_maker=DecisionMaker.COUNCIL,
            decision_timing="Gemeinderatssitzung im Juli",
            input_use="Alle Vorschläge gehen gewichtet in die Beschlussvorlage ein.",
            phases=(
                services.PhasePlan(
                    PhaseKind.INFORMATION, "Information", start, start + timedelta(days=13)
                ),
                services.PhasePlan(
                    PhaseKind.PARTICIPATION,
                    "Vorschläge und Spaziergang",
                    start + timedelta(days=14),
                    start + timedelta(days=41),
                ),
            ),
        ),
    )
    services.propose_facilitator(
        architect, request, profiles[clara.id], "Erfahrung mit Verkehrsthemen und Anwohnenden."
    )
