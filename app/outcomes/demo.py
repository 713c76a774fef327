"""Demo data of the outcomes domain: the finished "Radverkehrskonzept 2030" closes its loop.

It gets a proposal by the demo citizen that the administration answered and the council adopted, two
council members' statements, the council's decision with its Drucksache and vote, and a published
outcome inside the process's outcome phase. Rows are written directly (not through
``publish_outcome``): seeding must not mail anyone. Idempotent: nothing happens if the outcome
exists.

The Freibad process, in its evaluation phase, gets one council member's statement (Konrad's), so
the council workspace shows Rita a colleague's position next to the input she has yet to read.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.contributions.models import Contribution
from app.contributions.services import new_thread
from app.core.sanitize import plain_text
from app.core.time import utcnow
from app.extensions import db
from app.municipalities.models import Municipality
from app.outcomes.models import CouncilDecision, CouncilStatement, Outcome, OutcomeProposal
from app.outcomes.services import STATEMENT_KIND
from app.processes.models import Process
from app.processes.services import rich_text
from app.proposals.models import Proposal, ProposalStatus, ProposalStatusChange

DAY = timedelta(days=1)


def _contribution(process: Process, author: User, kind: str, at) -> Contribution:
    contribution = Contribution(
        municipality_id=process.municipality_id,
        process_id=process.id,
        author=author,
        author_group=author.group_in(process.municipality),
        kind=kind,
        created_at=at,
    )
    db.session.add(contribution)
    return contribution


def _proposal(process: Process, author: User, title: str, text: str, at) -> Proposal:
    description = rich_text(text)
    plain = plain_text(description)
    proposal = Proposal(
        municipality_id=process.municipality_id,
        process_id=process.id,
        contribution=_contribution(process, author, "proposal", at),
        thread=new_thread(process),
        title=title,
        description=description,
        description_text=plain,
        search_text=f"{title}\n{plain}".casefold(),
        created_at=at,
    )
    db.session.add(proposal)
    return proposal


FREIBAD_STATEMENT = (
    "Die Beiträge zeigen, wie sehr das Freibad gebraucht wird. Ich möchte, dass wir den "
    "Schwimmunterricht der Grundschulen und bezahlbare Familienpreise zur Bedingung für jede der "
    "drei Varianten machen, bevor wir über die Größe entscheiden."
)


def _seed_freibad_statement(musterstadt: Municipality, member: User | None) -> None:
    process = db.session.scalar(
        select(Process).where(
            Process.municipality_id == musterstadt.id, Process.slug == "zukunft-freibad"
        )
    )
    if process is None or member is None:
        return
    if db.session.scalar(
        select(CouncilStatement.id).where(CouncilStatement.process_id == process.id)
    ):
        return
    at = utcnow() - 2 * DAY
    body = rich_text(FREIBAD_STATEMENT)
    db.session.add(
        CouncilStatement(
            municipality_id=musterstadt.id,
            process_id=process.id,
            contribution=_contribution(process, member, STATEMENT_KIND, at),
            author_id=member.id,
            body=body,
            body_text=plain_text(body),
            created_at=at,
            updated_at=at,
        )
    )
    db.session.flush()


def seed_outcomes(municipalities: dict[str, Municipality], users: dict[str, User]) -> None:
    musterstadt = municipalities["musterstadt"]
    _seed_freibad_statement(musterstadt, users.get("rat2@musterstadt.example"))
    process = db.session.scalar(
        select(Process).where(
            Process.municipality_id == musterstadt.id, Process.slug == "radverkehrskonzept-2030"
        )
    )
    if process is None:
        return
    if db.session.scalar(select(Outcome.id).where(Outcome.process_id == process.id)):
        return
    now = utcnow()
    citizen = users.get("buerger@musterstadt.example")
    staff = users.get("verwaltung@musterstadt.example")
    rita = users.get("rat@musterstadt.example")
    konrad = users.get("rat2@musterstadt.example")  # a second council member (app/demo.py)

    adopted = []
    if citizen is not None:
        proposal = _proposal(
            process,
            citizen,
            "Sichere Radverbindung zur Realschule",
            "Zwischen Bahnhof und Realschule fehlt ein geschützter Radweg; viele Kinder fahren "
            "auf der Fahrbahn der Schulstraße.",
            now - 175 * DAY,
        )
        db.session.flush()
        proposal.status = ProposalStatus.ACCEPTED
        proposal.answered_at = now - 140 * DAY
        db.session.add(
            ProposalStatusChange(
                proposal=proposal,
                status=ProposalStatus.ACCEPTED,
                response=rich_text(
                    "Der Radweg entlang der Schulstraße wird als Maßnahme 1 in das Konzept "
                    "aufgenommen."
                ),
                office="Tiefbauamt",
                author_id=staff.id if staff else None,
                created_at=now - 140 * DAY,
            )
        )
        adopted.append(proposal)

    for member, text in (
        (
            rita,
            "Die Hinweise aus der Bürgerschaft zeigen klar: Der Schulweg hat Vorrang. Ich "
            "unterstütze die vorgeschlagene Reihenfolge der Maßnahmen.",
        ),
        (
            konrad,
            "Ich trage das Konzept mit, bitte aber darum, die Abstellanlagen am Bahnhof "
            "früher umzusetzen als geplant.",
        ),
    ):
        if member is None:
            continue
        body = rich_text(text)
        db.session.add(
            CouncilStatement(
                municipality_id=musterstadt.id,
                process_id=process.id,
                contribution=_contribution(process, member, STATEMENT_KIND, now - 130 * DAY),
                author_id=member.id,
                body=body,
                body_text=plain_text(body),
                created_at=now - 130 * DAY,
                updated_at=now - 130 * DAY,
            )
        )
    db.session.flush()
    decided_on = (now - 122 * DAY).date()
    db.session.add(
        CouncilDecision(
            municipality_id=musterstadt.id,
            process_id=process.id,
            decided_on=decided_on,
            body="Gemeinderat",
            reference="GR 2026/041",
            votes_for=19,
            votes_against=3,
            abstentions=1,
            text=rich_text(
                "Der Gemeinderat beschließt das Radverkehrskonzept 2030 mit den zwölf "
                "Maßnahmen der Anlage 1. Die Verwaltung wird beauftragt, die Maßnahmen 1 bis 4 "
                "in den Haushalt 2027 einzustellen."
            ),
            recorded_by_id=staff.id if staff else None,
        )
    )
    for proposal in adopted:
        db.session.add(
            CouncilDecision(
                municipality_id=musterstadt.id,
                process_id=process.id,
                proposal_id=proposal.id,
                decided_on=decided_on,
                body="Gemeinderat",
                reference="GR 2026/041",
                votes_for=23,
                votes_against=0,
                abstentions=0,
                text=rich_text("Der Radweg an der Schulstraße wird als Maßnahme 1 gebaut."),
                recorded_by_id=staff.id if staff else None,
            )
        )
    outcome = Outcome(
        municipality_id=musterstadt.id,
        process_id=process.id,
        summary=rich_text(
            "Der Gemeinderat hat das Radverkehrskonzept 2030 beschlossen. 214 Hinweise aus der "
            "Beteiligung wurden geprüft; 38 davon haben die Maßnahmenliste verändert, vor allem "
            "beim Schulweg und bei den Abstellanlagen.\n\n"
            "Nicht übernommen wurden Vorschläge zur Landesstraße L 123: Sie liegt in der "
            "Zuständigkeit des Landes; die Stadt hat die Hinweise dorthin weitergegeben."
        ),
        next_steps=rich_text(
            "Die Planung des Radwegs an der Schulstraße beginnt; der Bau soll in den "
            "Sommerferien 2027 erfolgen. Über jede weitere Maßnahme berichtet die Stadt hier."
        ),
        next_steps_by=(now + 220 * DAY).date(),
        published_at=now - 118 * DAY,
        published_by_id=staff.id if staff else None,
    )
    outcome.adopted = [OutcomeProposal(proposal=p) for p in adopted]
    db.session.add(outcome)
    db.session.flush()
