"""Demo draft text for Musterstadt: the process "Leitbild Musterstadt 2040" with a draft in two
versions. Version 1 was commented in a first round by citizens, administration, council and
facilitation; staff marked how each comment was taken in; version 2 is open for a second round.

Idempotent: when the process exists, nothing is added.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlalchemy import update

from app.accounts.models import User
from app.comments import services as comments
from app.contributions.models import Contribution, Thread
from app.core.time import utcnow
from app.drafts import services
from app.drafts.models import DraftVersion, Handling
from app.extensions import db
from app.municipalities.models import Municipality
from app.processes import services as processes
from app.processes.demo import _phases, _seed
from app.processes.models import DecisionMaker, PhaseKind, Visibility

SLUG = "leitbild-2040"
CITIZEN = "buerger@musterstadt.example"
STAFF = "verwaltung@musterstadt.example"
COUNCIL = "rat@musterstadt.example"
FACILITATOR = "begleitung@musterstadt.example"

PROCESS = processes.ProcessData(
    title="Leitbild Musterstadt 2040",
    slug=SLUG,
    summary=(
        "Wie soll Musterstadt im Jahr 2040 aussehen? Kommentieren Sie den Entwurf des Leitbilds "
        "Absatz für Absatz."
    ),
    description=(
        "Das Leitbild beschreibt, wohin sich Musterstadt bis 2040 entwickeln will: beim Wohnen, "
        "bei Klima und Umwelt, im Miteinander. Verwaltung, Gemeinderat und Bürgerschaft haben "
        "einen ersten Entwurf in einer Zukunftswerkstatt erarbeitet."
    ),
    topic="Stadtentwicklung",
    visibility=Visibility.PUBLIC,
    contact_name="Petra Verwaltung, Stabsstelle Stadtentwicklung",
    contact_email="leitbild@musterstadt.example",
    goal="Ein Leitbild, das die Stadt gemeinsam trägt und an dem sich künftige Beschlüsse messen.",
    question="Was fehlt im Entwurf, was sollte anders formuliert sein?",
    open_to_influence="Ziele, Schwerpunkte und Formulierungen aller Kapitel.",
    already_fixed="Der Zeithorizont 2040 und die Gliederung in Handlungsfelder.",
    decision_maker=DecisionMaker.COUNCIL,
    decision_timing="Der Gemeinderat beschließt das Leitbild im Herbst.",
    input_use=(
        "Jeder Kommentar wird gelesen. Die Verwaltung vermerkt zu jedem Kommentar, ob und wie er "
        "in die nächste Fassung eingeflossen ist, und begründet es."
    ),
    formats=("drafts",),
)

INTRODUCTION = (
    "Dieses Leitbild beschreibt, wie Musterstadt im Jahr 2040 sein möchte. Es ist kein fertiger "
    "Plan, sondern ein **gemeinsamer Kompass** für Gemeinderat, Verwaltung und Bürgerschaft."
)

VERSION_1 = """## Wohnen und Zusammenleben

Musterstadt bietet Wohnraum für alle Generationen. Neue Wohngebiete entstehen vorrangig auf bereits versiegelten Flächen.

Die Stadt fördert gemeinschaftliche Wohnformen und Mehrgenerationenhäuser.

Treffpunkte in jedem Stadtteil stärken die Nachbarschaft.

## Klima und Umwelt

Musterstadt ist bis 2040 klimaneutral. Alle städtischen Gebäude werden bis 2030 mit erneuerbarer Energie versorgt.

Der Anteil des Radverkehrs an allen Wegen steigt auf 30 Prozent.

Grünflächen und Stadtbäume werden erhalten und vermehrt."""

VERSION_2 = """## Wohnen und Zusammenleben

Musterstadt bietet bezahlbaren Wohnraum für alle Generationen. Neue Wohngebiete entstehen vorrangig auf bereits versiegelten Flächen und Brachen.

Die Stadt fördert gemeinschaftliche Wohnformen und Mehrgenerationenhäuser.

Treffpunkte in jedem Stadtteil stärken die Nachbarschaft; sie sind barrierefrei erreichbar.

Bei der Vergabe städtischer Grundstücke zählt das beste Konzept, nicht der höchste Preis.

## Klima und Umwelt

Musterstadt ist bis 2040 klimaneutral. Alle städtischen Gebäude werden bis 2030 mit erneuerbarer Energie versorgt.

Der Anteil des Radverkehrs an allen Wegen steigt auf 30 Prozent.

Grünflächen und Stadtbäume werden erhalten und vermehrt. Jeder Stadtteil erhält einen schattigen Ort für heiße Tage."""

# (key, author, where, text, handling, reason): where is "text", "chapter:N" or "paragraph:N".
ROUND_ONE = [
    (
        "bezahlbar",
        CITIZEN,
        "paragraph:1",
        "Wohnraum für alle Generationen ist gut, aber er muss vor allem **bezahlbar** sein. "
        "Das sollte ausdrücklich im Leitbild stehen.",
        Handling.ADOPTED,
        "Wir haben „bezahlbar“ in den Absatz aufgenommen.",
    ),
    (
        "brachen",
        COUNCIL,
        "paragraph:1",
        "Aus Sicht des Gemeinderats sollten auch Brachen und Baulücken genannt werden.",
        Handling.ADOPTED,
        "Brachen sind jetzt genannt.",
    ),
    (
        "treffpunkte",
        CITIZEN,
        "paragraph:3",
        "Treffpunkte nützen wenig, wenn man sie mit Rollator oder Kinderwagen nicht erreicht.",
        Handling.PARTLY,
        "Barrierefreiheit ist aufgenommen; konkrete Orte legt der Stadtteilplan fest.",
    ),
    (
        "klimaneutral",
        STAFF,
        "paragraph:4",
        "Zur Einordnung: Das Ziel 2040 entspricht dem Klimaschutzgesetz des Landes.",
        None,
        "",
    ),
    (
        "radverkehr",
        CITIZEN,
        "paragraph:5",
        "30 Prozent Radverkehr sind zu wenig ehrgeizig. Andere Städte schaffen 40 Prozent.",
        Handling.NOT_ADOPTED,
        "Der Gemeinderat hält 30 Prozent für realistisch; das Radverkehrskonzept 2030 prüft "
        "das Ziel erneut.",
    ),
    (
        "schatten",
        FACILITATOR,
        "paragraph:6",
        "In der Zukunftswerkstatt wurde oft gewünscht, dass jeder Stadtteil einen kühlen, "
        "schattigen Ort bekommt.",
        Handling.ADOPTED,
        "Als zweiter Satz ergänzt.",
    ),
    (
        "grundstuecke",
        COUNCIL,
        "chapter:1",
        "Im Kapitel fehlt die Bodenpolitik: Städtische Grundstücke sollten nach Konzept vergeben "
        "werden.",
        Handling.ADOPTED,
        "Neuer Absatz zur Konzeptvergabe.",
    ),
    (
        "verstaendlich",
        CITIZEN,
        "text",
        "Insgesamt gut verständlich geschrieben. Danke für die Möglichkeit mitzureden!",
        None,
        "",
    ),
]

ROUND_TWO = [
    (
        CITIZEN,
        "paragraph:4",
        "Gut, dass die Konzeptvergabe jetzt drinsteht. Gilt das auch für Erbpacht?",
    ),
    (
        STAFF,
        "paragraph:4",
        "Ja, die Konzeptvergabe gilt für Verkauf und Erbbaurecht gleichermaßen.",
    ),
]


def _threads(version: DraftVersion) -> dict[str, int]:
    chapters = services.chapters_of(version)
    found = {"text": version.thread_id}
    for chapter in chapters:
        found[f"chapter:{chapter.position}"] = chapter.thread_id
        for paragraph in chapter.paragraphs:
            found[f"paragraph:{paragraph.position}"] = paragraph.thread_id
    return found


def seed_drafts(municipalities: dict[str, Municipality], users: dict[str, User]) -> None:
    municipality = municipalities["musterstadt"]
    staff = users[STAFF]
    now = utcnow()
    process = _seed(
        municipality,
        staff,
        dataclasses.replace(PROCESS, feedback_by=(now + timedelta(days=90)).date()),
        _phases(
            now,
            [
                (PhaseKind.INFORMATION, "Zukunftswerkstatt", -60, -40, "Der Entwurf entsteht."),
                (PhaseKind.PARTICIPATION, "Erste Kommentierungsrunde", -40, -20, ""),
                (PhaseKind.EVALUATION, "Auswertung der ersten Runde", -20, -3, ""),
                (PhaseKind.PARTICIPATION, "Zweite Kommentierungsrunde", -3, 18, ""),
                (PhaseKind.EVALUATION, "Abschließende Auswertung", 18, 40, ""),
                (PhaseKind.OUTCOME, "Beschluss im Gemeinderat", 40, 60, ""),
            ],
        ),
        "published",
    )
    if process is None:
        return
    draft = services.create_draft(staff, process, "Leitbild Musterstadt 2040", INTRODUCTION)
    services.save_working(
        staff,
        draft,
        title="Leitbild Musterstadt 2040",
        introduction_source=INTRODUCTION,
        body_source=VERSION_1,
    )
    first = services.publish(staff, draft)
    first.published_at = now - timedelta(days=40)
    threads = _threads(first)
    written = []
    for hours, (_key, author, where, body, outcome, reason) in enumerate(ROUND_ONE):
        comment = comments.post_comment(users[author], _thread(threads[where]), process, body)
        written.append((comment, now - timedelta(days=38) + timedelta(hours=7 * hours)))
        if outcome is not None:
            services.set_handling(staff, draft, comment, outcome, reason)
    _set_times(written)

    services.start_version(staff, draft)
    services.save_working(
        staff,
        draft,
        title="Leitbild Musterstadt 2040",
        introduction_source=INTRODUCTION,
        body_source=VERSION_2,
        change_note=(
            "Nach der ersten Runde: bezahlbarer Wohnraum, Brachen, Barrierefreiheit, "
            "Konzeptvergabe und schattige Orte aufgenommen."
        ),
    )
    second = services.publish(staff, draft)
    second.published_at = now - timedelta(days=3)
    threads = _threads(second)
    written = []
    for hours, (author, where, body) in enumerate(ROUND_TWO):
        comment = comments.post_comment(users[author], _thread(threads[where]), process, body)
        written.append((comment, now - timedelta(days=2) + timedelta(hours=5 * hours)))
    _set_times(written)
    db.session.flush()


def _thread(thread_id: int) -> Thread:
    return db.session.get(Thread, thread_id)


def _set_times(written) -> None:
    """Comments written at the demo's past times, not all at the moment of seeding."""
    for comment, when in written:
        db.session.execute(
            update(Contribution)
            .where(Contribution.id == comment.contribution_id)
            .values(created_at=when)
            .execution_options(synchronize_session=False)
        )
    db.session.flush()
    for comment, _when in written:
        db.session.expire(comment.contribution)
