"""Demo conversations for Musterstadt: the Marktplatz process's own discussion and the threads of
its proposals, in which citizens, administration (with an official answer), council and
facilitation take part, with reactions; and the discussion of the Freibad process (in its
evaluation phase), written while its participation phase ran, for the council to read.

Idempotent: a thread that has comments is left as it is. Threads of other owners (proposals) are
found through the threads of the process, so this seeder needs no other domain's models; it runs
after the seeders that create them.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.comments import services
from app.comments.models import Comment, ProcessThread, Reaction
from app.contributions.models import Thread
from app.core.time import utcnow
from app.extensions import db
from app.municipalities.models import Municipality
from app.processes.models import Process

MARKTPLATZ_SLUG = "neugestaltung-marktplatz"
FREIBAD_SLUG = "zukunft-freibad"

CITIZEN = "buerger@musterstadt.example"
STAFF = "verwaltung@musterstadt.example"
COUNCIL = "rat@musterstadt.example"
FACILITATOR = "begleitung@musterstadt.example"
MODERATOR = "moderation@musterstadt.example"

# (key, author, parent key, hours ago, text); the staff answer marked "official" becomes the
# administration's official answer.
PROCESS_CONVERSATION = [
    (
        "schatten",
        CITIZEN,
        None,
        70,
        "Im Sommer ist der Marktplatz eine Hitzeinsel. Ich wünsche mir **große Bäume** und "
        "Sitzbänke im Schatten, damit auch Ältere hier verweilen können.",
    ),
    (
        "official",
        STAFF,
        "schatten",
        52,
        "Vielen Dank für den Hinweis. Unter dem Platz liegen Leitungen, deshalb prüft das "
        "Stadtplanungsamt gerade, wo Bäume mit ausreichend Wurzelraum möglich sind:\n\n"
        "- entlang der Südseite vor den Geschäften\n"
        "- rund um den Brunnen\n\n"
        "Die Ergebnisse stellen wir bei der Auswertung hier vor.",
    ),
    (
        "rat",
        COUNCIL,
        "official",
        40,
        "Aus Sicht des Gemeinderats ist Schatten ein zentrales Kriterium. Wir haben im "
        "Haushalt Mittel für Stadtgrün eingeplant, die hier eingesetzt werden könnten.",
    ),
    (
        "danke",
        CITIZEN,
        "rat",
        30,
        "Das freut mich zu lesen. Wären auch *mobile Pflanzkübel* eine Lösung, wo keine Bäume "
        "möglich sind?",
    ),
    (
        "wochenmarkt",
        COUNCIL,
        None,
        26,
        "Eine Frage an alle, die den Wochenmarkt besuchen: Soll er am Samstag bleiben oder "
        "lieber zusätzlich am Mittwochnachmittag stattfinden?",
    ),
    (
        "samstag",
        CITIZEN,
        "wochenmarkt",
        20,
        "Für Berufstätige ist der Samstag wichtig. Ein zusätzlicher Abendmarkt im Sommer wäre "
        "aber eine schöne Idee.",
    ),
    (
        "zusammenfassung",
        FACILITATOR,
        None,
        6,
        "Zwischenstand aus der Prozessbegleitung: Die meisten Beiträge drehen sich um "
        "**Schatten**, **Sitzplätze** und den **Wochenmarkt**. Am Infostand am Samstag sammeln "
        "wir weitere Meinungen; die Notizen stellen wir hier ein.",
    ),
]

# What the people of the demo think of each other's comments.
PROCESS_REACTIONS = [
    ("schatten", COUNCIL, Reaction.AGREE),
    ("schatten", FACILITATOR, Reaction.AGREE),
    ("schatten", MODERATOR, Reaction.AGREE),
    ("official", CITIZEN, Reaction.AGREE),
    ("official", COUNCIL, Reaction.AGREE),
    ("danke", STAFF, Reaction.AGREE),
    ("wochenmarkt", CITIZEN, Reaction.AGREE),
    ("samstag", STAFF, Reaction.DISAGREE),
    ("samstag", FACILITATOR, Reaction.AGREE),
    ("zusammenfassung", CITIZEN, Reaction.AGREE),
]

PROPOSAL_CONVERSATION = [
    (
        "frage",
        CITIZEN,
        None,
        48,
        "Gute Idee! Wer würde sich nach dem Umbau darum kümmern, und was würde das im Jahr "
        "ungefähr kosten?",
    ),
    (
        "antwort",
        STAFF,
        "frage",
        36,
        "Den Unterhalt übernähme der städtische Bauhof; die laufenden Kosten schätzen wir in "
        "der Auswertung. Für Patenschaften von Anwohnenden gibt es bereits ein Programm, auf "
        "das wir gern hinweisen.",
    ),
    (
        "rat",
        COUNCIL,
        None,
        24,
        "Ich unterstütze den Vorschlag. Wichtig ist mir, dass der Platz barrierefrei bleibt.",
    ),
    (
        "begleitung",
        FACILITATOR,
        "rat",
        12,
        "Danke! Barrierefreiheit nehmen wir als eigenen Punkt in die Auswertung auf.",
    ),
]

PROPOSAL_REACTIONS = [
    ("frage", COUNCIL, Reaction.AGREE),
    ("antwort", CITIZEN, Reaction.AGREE),
    ("rat", CITIZEN, Reaction.AGREE),
    ("rat", STAFF, Reaction.AGREE),
]

# The Freibad's participation phase ended four days (96 hours) before seeding: all of this is older.
FREIBAD_CONVERSATION = [
    (
        "bahnen",
        CITIZEN,
        None,
        30 * 24,
        "Für mich ist das Freibad im Sommer der wichtigste Ort der Stadt. Bitte **keine** "
        "Verkleinerung: Bei 30 Grad sind schon heute alle Bahnen voll.",
    ),
    (
        "official",
        STAFF,
        "bahnen",
        29 * 24,
        "Danke für den Hinweis. Das Gutachten hat die Besucherzahlen der letzten zehn Sommer "
        "ausgewertet: An 18 Tagen im Jahr war das Bad voll ausgelastet. Diese Zahlen gehen mit "
        "in den Bericht an den Gemeinderat.",
    ),
    (
        "rat",
        COUNCIL,
        "official",
        25 * 24,
        "Für die Beratung im Gemeinderat ist mir wichtig, was ein größeres Bad im Jahr an "
        "Betriebskosten mehr bedeutet. Können Sie das bis zur Auswertung beziffern?",
    ),
    (
        "vereine",
        FACILITATOR,
        None,
        15 * 24,
        "Zusammenfassung des Infoabends mit den Vereinen: Der Schwimmverein braucht eine "
        "50-Meter-Bahn für Wettkämpfe, die DLRG einen Bereich für die Ausbildung. Beides "
        "findet sich in den Vorschlägen wieder.",
    ),
    (
        "naturbad",
        CITIZEN,
        "vereine",
        10 * 24,
        "Ein Naturbecken und eine Sportbahn schließen sich nicht aus: In Nachbarorten gibt es "
        "beides nebeneinander.",
    ),
]

FREIBAD_REACTIONS = [
    ("bahnen", COUNCIL, Reaction.AGREE),
    ("bahnen", FACILITATOR, Reaction.AGREE),
    ("official", CITIZEN, Reaction.AGREE),
    ("rat", STAFF, Reaction.AGREE),
    ("vereine", CITIZEN, Reaction.AGREE),
    ("naturbad", COUNCIL, Reaction.AGREE),
]

PROPOSAL_THREADS = 3  # proposals of the process that get a conversation


def _converse(
    thread: Thread, process: Process, users: dict[str, User], conversation, reactions
) -> None:
    if thread.comment_count:
        return
    now = utcnow()
    written: dict[str, Comment] = {}
    for key, email, parent_key, hours_ago, text in conversation:
        author = users.get(email)
        if author is None:
            return
        comment = services.post_comment(author, thread, process, text, written.get(parent_key))
        comment.contribution.created_at = now - timedelta(hours=hours_ago)
        written[key] = comment
    if "official" in written:
        services.set_official(users[STAFF], written["official"], True)
    elif "antwort" in written:
        services.set_official(users[STAFF], written["antwort"], True)
    for key, email, value in reactions:
        if key in written and email in users:
            services.set_reaction(users[email], written[key], value)
    db.session.flush()


def _process(municipality: Municipality, slug: str) -> Process | None:
    return db.session.scalar(
        select(Process).where(Process.municipality_id == municipality.id, Process.slug == slug)
    )


def seed_comments(municipalities: dict[str, Municipality], users: dict[str, User]) -> None:
    musterstadt = municipalities["musterstadt"]
    freibad = _process(musterstadt, FREIBAD_SLUG)
    if freibad is not None:
        own = services.thread_for_process(freibad)
        _converse(own, freibad, users, FREIBAD_CONVERSATION, FREIBAD_REACTIONS)
    process = _process(musterstadt, MARKTPLATZ_SLUG)
    if process is None:
        return
    own = services.thread_for_process(process)
    _converse(own, process, users, PROCESS_CONVERSATION, PROCESS_REACTIONS)
    others = db.session.scalars(
        select(Thread)
        .where(
            Thread.process_id == process.id,
            Thread.id.not_in(select(ProcessThread.thread_id)),
        )
        .order_by(Thread.id)
        .limit(PROPOSAL_THREADS)
    )
    for thread in others:
        _converse(thread, process, users, PROPOSAL_CONVERSATION, PROPOSAL_REACTIONS)
