"""The trialog loop closes in a real browser: a council member opens the consolidated report and
writes a statement; staff record the council's decision and publish the outcome; the citizen who
made the proposal sees what became of it under "Mein Beitrag".

The process it runs on is made for this test in the live demo database: in its evaluation phase,
with one proposal by the demo citizen.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from e2e_support import E2E_MARKS, SCREENSHOTS, log_in
from playwright.sync_api import expect

pytestmark = E2E_MARKS

TITLE = "Lärmaktionsplan Ortsmitte"
PROPOSAL = "Tempo 30 in der Hauptstraße nachts"


@pytest.fixture(scope="module")
def evaluating(live_server) -> dict:
    from sqlalchemy import select

    from app.accounts.models import User
    from app.contributions.models import Contribution
    from app.contributions.services import new_thread
    from app.core.time import utcnow
    from app.extensions import db
    from app.municipalities.models import Municipality
    from app.processes.models import DecisionMaker, Phase, PhaseKind, Process, ProcessState
    from app.processes.services import rich_text
    from app.proposals.models import Proposal

    with live_server.app.app_context():
        town = db.session.scalar(select(Municipality).where(Municipality.slug == "musterstadt"))
        citizen = db.session.scalar(select(User).where(User.email == "buerger@musterstadt.example"))
        now = utcnow()
        process = Process(
            municipality=town,
            slug="laermaktionsplan-ortsmitte",
            title=TITLE,
            summary="Wo ist es zu laut?",
            description=rich_text("Die Stadt erstellt einen Lärmaktionsplan."),
            goal=rich_text("Weniger Lärm in der Ortsmitte."),
            question=rich_text("Wo stört Sie Lärm?"),
            open_to_influence=rich_text("Die Maßnahmen."),
            already_fixed=rich_text("Die Lärmkartierung."),
            decision_maker=DecisionMaker.COUNCIL,
            decision_timing="Gemeinderat im Herbst",
            input_use=rich_text("Alle Hinweise fließen in den Plan."),
            feedback_by=(now + timedelta(days=30)).date(),
            state=ProcessState.PUBLISHED,
            published_at=now - timedelta(days=40),
        )
        process.phases = [
            Phase(
                kind=PhaseKind.PARTICIPATION,
                title="Hinweise",
                starts_at=now - timedelta(days=40),
                ends_at=now - timedelta(days=10),
            ),
            Phase(
                kind=PhaseKind.EVALUATION,
                title="Auswertung",
                starts_at=now - timedelta(days=10),
                ends_at=now + timedelta(days=20),
            ),
        ]
        db.session.add(process)
        db.session.flush()
        from app.processes.models import ProcessFormat

        db.session.add(ProcessFormat(process_id=process.id, key="proposals"))
        contribution = Contribution(
            municipality_id=town.id,
            process_id=process.id,
            author=citizen,
            author_group=citizen.group_in(town),
            kind="proposal",
            created_at=now - timedelta(days=20),
        )
        proposal = Proposal(
            municipality_id=town.id,
            process_id=process.id,
            contribution=contribution,
            thread=new_thread(process),
            title=PROPOSAL,
            description=rich_text("Nachts ist es zu laut."),
            description_text="Nachts ist es zu laut.",
            search_text=PROPOSAL.casefold(),
            created_at=now - timedelta(days=20),
        )
        db.session.add(proposal)
        db.session.commit()
        return {"id": process.id, "slug": process.slug, "proposal": proposal.id}


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"outcomes-{name}.png"), full_page=True)


def test_council_statement_decision_outcome_and_mein_beitrag(new_context, evaluating):
    # the council member: workspace → report → statement
    page = new_context().new_page()
    log_in(page, "rat@musterstadt.example")
    page.goto("/musterstadt/")
    page.get_by_role("link", name="Gemeinderatsbereich").click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    page.get_by_role("link", name=re.compile(f"Gebündelten Bericht lesen.*{TITLE}")).click()
    expect(page.get_by_role("heading", name=f"Gebündelter Bericht: {TITLE}")).to_be_visible()
    expect(page.get_by_role("link", name=PROPOSAL)).to_be_visible()
    _shot(page, "report")
    page.get_by_role("link", name="Stellungnahme schreiben").first.click()
    page.get_by_label("Ihre Stellungnahme").fill("Nachts Tempo 30 halte ich für richtig.")
    page.get_by_role("button", name="Stellungnahme speichern").click()
    expect(page.get_by_text("Ihre Stellungnahme wurde gespeichert.")).to_be_visible()
    expect(
        page.get_by_text("Stellungnahme von Rita Gemeinderätin (Gemeinderat)").first
    ).to_be_visible()

    # staff: back office → decision → outcome → publish
    page = new_context().new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, "verwaltung@musterstadt.example")
    page.goto(f"/musterstadt/admin/processes/{evaluating['id']}/")
    page.get_by_role("link", name="Gemeinderatsbeschlüsse und Ergebnis").click()
    page.get_by_label("Beschluss über").select_option(str(evaluating["proposal"]))
    page.get_by_label("Datum des Beschlusses").fill("2026-10-14")
    page.get_by_label("Beschließendes Gremium").fill("Gemeinderat")
    page.get_by_label("Drucksache").fill("GR 2026/201")
    page.get_by_label("Ja-Stimmen").fill("15")
    page.get_by_label("Nein-Stimmen").fill("6")
    page.get_by_label("Enthaltungen").fill("1")
    page.get_by_label("Was beschlossen wurde").fill("Nachts gilt Tempo 30 in der Hauptstraße.")
    page.get_by_role("button", name="Beschluss eintragen").click()
    expect(page.get_by_text("Der Gemeinderatsbeschluss wurde eingetragen.")).to_be_visible()
    page.get_by_label("Was entschieden wurde, und warum").fill(
        "Der Gemeinderat hat den Lärmaktionsplan beschlossen."
    )
    page.get_by_label(re.compile(PROPOSAL)).check()
    page.get_by_label("Wie es weitergeht").fill("Die Schilder werden im Winter aufgestellt.")
    page.get_by_role("button", name="Ergebnis speichern").click()
    expect(page.get_by_text("Das Ergebnis wurde gespeichert.")).to_be_visible()
    _shot(page, "admin")
    page.get_by_role("button", name="Ergebnis veröffentlichen").click()
    # the form submits only once the confirm dialog is accepted, after click() has returned:
    # wait for the public page instead of asking it at once
    expect(page.get_by_role("heading", name="Das Ergebnis")).to_be_visible()

    # the citizen: Mein Beitrag
    page = new_context(width=360).new_page()
    log_in(page, "buerger@musterstadt.example")
    page.goto("/account")
    page.get_by_role("link", name="Mein Beitrag").click()
    entry = page.locator(".my-contribution", has_text=PROPOSAL)
    expect(entry.get_by_text("In das Ergebnis des Verfahrens übernommen")).to_be_visible()
    expect(entry.get_by_text("Abstimmung: 15 dafür, 6 dagegen, 1 Enthaltung")).to_be_visible()
    _shot(page, "mein-beitrag-360")
    entry.get_by_role("link", name="Zum Ergebnis").click()
    expect(page.get_by_text("Der Gemeinderat hat den Lärmaktionsplan beschlossen.")).to_be_visible()
    assert page.get_by_text("So können Sie sich beteiligen").count() == 0
