"""The demo surveys: the Marktplatz process's with every question type and a few hundred responses,
and the Freibad process's, closed with its participation phase, whose results the council reads in
the evaluation phase.

The responses are generated from a fixed random seed (the same demo every time) and written with a
few bulk inserts, so that ``seed-demo`` stays fast. Idempotent: an existing demo survey is kept.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from app.accounts.models import User
from app.contributions.models import Contribution
from app.core.roles import TrialogGroup
from app.core.time import utcnow
from app.extensions import db
from app.municipalities.models import Municipality
from app.processes import services as processes
from app.processes.models import Process
from app.surveys import services
from app.surveys.models import (
    Answer,
    Audience,
    Option,
    Question,
    QuestionType,
    Response,
    ResultsVisibility,
    Survey,
    SurveyState,
)

PROCESS_SLUG = "neugestaltung-marktplatz"
TITLE = "Wie nutzen Sie den Marktplatz?"
RESPONSES = 320
SEED = 20261125

QUESTIONS = [
    dict(
        type=QuestionType.SINGLE,
        text="Wie oft sind Sie auf dem Marktplatz?",
        required=True,
        allow_other=True,
        options=["Täglich", "Mehrmals pro Woche", "Etwa einmal pro Woche", "Seltener"],
    ),
    dict(
        type=QuestionType.MULTIPLE,
        text="Was fehlt Ihnen auf dem Marktplatz heute?",
        max_choices=3,
        options=["Schatten und Bäume", "Sitzplätze", "Spielangebote", "Trinkwasser", "Toiletten"],
    ),
    dict(type=QuestionType.YES_NO, text="Soll der Marktplatz autofrei werden?", required=True),
    dict(
        type=QuestionType.SCALE,
        text="Wie wichtig ist Ihnen der Wochenmarkt?",
        scale_min=1,
        scale_max=5,
        scale_min_label="unwichtig",
        scale_max_label="sehr wichtig",
    ),
    dict(
        type=QuestionType.SCALE,
        text="Wie wohl fühlen Sie sich abends auf dem Platz?",
        scale_min=0,
        scale_max=10,
        scale_min_label="gar nicht",
        scale_max_label="sehr wohl",
    ),
    dict(
        type=QuestionType.RANKING,
        text="Was soll bei der Umgestaltung zuerst kommen?",
        help="Denken Sie an die nächsten fünf Jahre.",
        options=["Grün und Schatten", "Wochenmarkt", "Feste und Kultur", "Spielen"],
    ),
    dict(type=QuestionType.SHORT_TEXT, text="Der Marktplatz in einem Wort:"),
    dict(
        type=QuestionType.LONG_TEXT,
        text="Was möchten Sie der Stadt zur Umgestaltung noch mitgeben?",
    ),
]

FREIBAD_SLUG = "zukunft-freibad"
FREIBAD_TITLE = "Ihr Freibad"
FREIBAD_RESPONSES = 86
FREIBAD_QUESTIONS = [
    dict(
        type=QuestionType.SINGLE,
        text="Wie oft waren Sie im letzten Sommer im Freibad?",
        required=True,
        options=["Fast täglich", "Jede Woche", "Ein paar Mal", "Gar nicht"],
    ),
    dict(
        type=QuestionType.MULTIPLE,
        text="Was ist Ihnen am neuen Bad am wichtigsten?",
        max_choices=2,
        options=["Sportbecken", "Kinder- und Lehrbecken", "Naturbecken", "Liegewiese", "Preise"],
    ),
    dict(
        type=QuestionType.YES_NO,
        text="Würden Sie für ein größeres Bad einen höheren Eintritt zahlen?",
        required=True,
    ),
    dict(
        type=QuestionType.SCALE,
        text="Wie zufrieden sind Sie mit dem Freibad heute?",
        scale_min=1,
        scale_max=5,
        scale_min_label="gar nicht",
        scale_max_label="sehr",
    ),
]

WORDS = ["Parkplatz", "Herzstück", "Treffpunkt", "zu heiß", "grau", "lebendig", "Markttag", "leer"]
IDEAS = [
    "Mehr Bäume am Brunnen, damit man im Sommer im Schatten sitzen kann.",
    "Bitte die Bänke so stellen, dass man sich unterhalten kann.",
    "Ein Wasserspiel für Kinder wäre schön.",
    "Der Wochenmarkt sollte auch am Samstag stattfinden.",
    "Abends ist der Platz zu dunkel; bessere Beleuchtung wünsche ich mir.",
    "Fahrradständer in der Nähe der Geschäfte fehlen.",
    "Bitte an ältere Menschen denken: Bänke mit Armlehnen.",
]
OTHER = ["Nur zum Einkaufen", "Bei Festen", "Auf dem Weg zur Arbeit"]
GROUPS = [
    (TrialogGroup.CITIZENS, 0.78),
    (TrialogGroup.ADMINISTRATION, 0.09),
    (TrialogGroup.COUNCIL, 0.08),
    (TrialogGroup.FACILITATION, 0.05),
]


def seed_survey(municipalities: dict[str, Municipality], users: dict[str, User]) -> None:
    musterstadt = municipalities["musterstadt"]
    _seed_freibad(musterstadt, users["verwaltung@musterstadt.example"])
    process = db.session.scalar(
        select(Process).where(
            Process.municipality_id == musterstadt.id, Process.slug == PROCESS_SLUG
        )
    )
    if process is None:
        return
    exists = db.session.scalar(
        select(Survey.id).where(Survey.process_id == process.id, Survey.title == TITLE)
    )
    if exists:
        return
    processes.set_formats(process, [*process.format_keys, "surveys"])
    survey = _build(process, users["verwaltung@musterstadt.example"])
    rng = random.Random(SEED)  # noqa: S311  demo data, not secrets
    generate_responses(survey, RESPONSES, rng, utcnow())


def _seed_freibad(musterstadt: Municipality, staff: User) -> None:
    """A survey that ran with the participation phase (which ended four days before seeding), so
    its results show now; its responses are dated inside that phase."""
    process = db.session.scalar(
        select(Process).where(
            Process.municipality_id == musterstadt.id, Process.slug == FREIBAD_SLUG
        )
    )
    if process is None or db.session.scalar(
        select(Survey.id).where(Survey.process_id == process.id)
    ):
        return
    survey = services.create_survey(
        staff,
        process,
        services.SurveyData(
            title=FREIBAD_TITLE,
            introduction="Drei Minuten für das Freibad der Zukunft: Wie nutzen Sie es heute?",
            closing_text="Vielen Dank! Die Ergebnisse gehen an den Gemeinderat.",
            audience=Audience.LINK,
            anonymous=True,
            results_visibility=ResultsVisibility.AFTER_CLOSE,
        ),
    )
    _add_questions(survey, FREIBAD_QUESTIONS)
    rng = random.Random(SEED + 1)  # noqa: S311  demo data, not secrets
    generate_responses(survey, FREIBAD_RESPONSES, rng, utcnow() - timedelta(days=5))


def _add_questions(survey: Survey, questions: list[dict]) -> None:
    for position, spec in enumerate(questions):
        spec = dict(spec)
        labels = spec.pop("options", [])
        question = Question(position=position, **spec)
        question.options = [Option(label=label, position=i) for i, label in enumerate(labels)]
        survey.questions.append(question)
    survey.state = SurveyState.PUBLISHED
    db.session.flush()


def _build(process: Process, staff: User) -> Survey:
    survey = services.create_survey(
        staff,
        process,
        services.SurveyData(
            title=TITLE,
            introduction=(
                "Bevor das Planungsbüro Entwürfe zeichnet, möchten wir wissen, wie Sie den "
                "Marktplatz heute nutzen und was Ihnen fehlt. Die Umfrage dauert etwa fünf Minuten."
            ),
            closing_text=(
                "Vielen Dank! Die Ergebnisse fließen in den Bericht an das Planungsbüro und den "
                "Gemeinderat ein."
            ),
            audience=Audience.LINK,
            anonymous=True,
            results_visibility=ResultsVisibility.LIVE,
        ),
    )
    _add_questions(survey, QUESTIONS)
    return survey


def _group(rng: random.Random) -> TrialogGroup:
    return rng.choices([g for g, _ in GROUPS], weights=[w for _, w in GROUPS])[0]


def generate_responses(survey: Survey, count: int, rng: random.Random, now: datetime) -> None:
    """``count`` responses as visitors of the link would give them, in bulk (the benchmark uses
    this too)."""
    today = datetime(now.year, now.month, now.day, tzinfo=UTC)
    start = rng.randrange(10**9)
    response_rows = []
    for n in range(count):
        day = today - timedelta(days=rng.randint(0, 6))
        response_rows.append(
            {
                "survey_id": survey.id,
                "token_hash": hashlib.sha256(f"demo-{start + n}".encode()).hexdigest(),
                "author_group": _group(rng),
                "created_at": day,
                "updated_at": day,
            }
        )
    response_ids = list(
        db.session.scalars(
            insert(Response).returning(Response.id, sort_by_parameter_order=True), response_rows
        )
    )
    answers: list[dict] = []
    texts: list[tuple[dict, dict]] = []  # (answer, contribution) pairs for free texts
    for response_id, row in zip(response_ids, response_rows, strict=True):
        for question in survey.questions:
            for answer in _answer(question, rng):
                answer["response_id"] = response_id
                if answer.get("text") is not None:
                    texts.append(
                        (
                            answer,
                            {
                                "municipality_id": survey.municipality_id,
                                "process_id": survey.process_id,
                                "author_id": None,
                                "author_group": row["author_group"],
                                "kind": services.KIND,
                                "created_at": row["created_at"],
                            },
                        )
                    )
                answers.append(answer)
    contribution_ids = (
        db.session.scalars(
            insert(Contribution).returning(Contribution.id, sort_by_parameter_order=True),
            [contribution for _answer_row, contribution in texts],
        )
        if texts  # an empty list would insert one row of defaults
        else []
    )
    for (answer, _contribution), contribution_id in zip(texts, contribution_ids, strict=True):
        answer["contribution_id"] = contribution_id
    columns = ("response_id", "question_id", "option_id", "value_int", "text", "contribution_id")
    db.session.execute(  # a Core insert: no ORM bookkeeping for thousands of plain rows
        insert(Answer.__table__), [{key: answer.get(key) for key in columns} for answer in answers]
    )


def _answer(question: Question, rng: random.Random) -> list[dict]:
    """One respondent's plausible answer rows to ``question`` (sometimes none, if optional)."""
    qid = question.id
    options = [option.id for option in question.options]
    if not question.required and rng.random() < 0.12:
        return []
    if question.type == QuestionType.SINGLE:
        if question.allow_other and rng.random() < 0.06:
            return [{"question_id": qid, "text": rng.choice(OTHER)}]
        return [{"question_id": qid, "option_id": rng.choices(options, weights=[2, 4, 3, 2])[0]}]
    if question.type == QuestionType.MULTIPLE:
        chosen = rng.sample(options, k=rng.randint(1, question.max_choices or len(options)))
        return [{"question_id": qid, "option_id": option_id} for option_id in chosen]
    if question.type == QuestionType.YES_NO:
        return [{"question_id": qid, "value_int": int(rng.random() < 0.58)}]
    if question.type == QuestionType.SCALE:
        values = question.scale_values
        peak = len(values) * 0.7
        weights = [1 + 3 * max(0.0, 1 - abs(i - peak) / len(values)) for i in range(len(values))]
        return [{"question_id": qid, "value_int": rng.choices(values, weights=weights)[0]}]
    if question.type == QuestionType.RANKING:
        order = sorted(options, key=lambda oid: rng.random() + (0.4 if oid == options[0] else 0))
        order.reverse()
        return [
            {"question_id": qid, "option_id": oid, "value_int": rank}
            for rank, oid in enumerate(order, 1)
        ]
    if question.type == QuestionType.SHORT_TEXT:
        return [{"question_id": qid, "text": rng.choice(WORDS)}] if rng.random() < 0.4 else []
    return [{"question_id": qid, "text": rng.choice(IDEAS)}] if rng.random() < 0.25 else []
