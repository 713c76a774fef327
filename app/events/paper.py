"""Printable participation: the process's questions and its surveys as a paper form (PDF), and
entering the answers of a filled-in paper form afterwards.

A paper response is an ordinary survey response without an account or browser token; its free-text
answers are contributions of the citizens in the channel "paper", with an ``OnsiteEntry`` naming
who typed them in. The surveys' own validation checks the answers, so a paper form holds to the
same rules as the online one.
"""

from __future__ import annotations

from datetime import datetime

from flask import render_template

from app.accounts.models import User
from app.contributions.models import Channel, Contribution, Visibility
from app.core.roles import TrialogGroup
from app.core.sanitize import clean_plain
from app.core.time import utcnow
from app.events.models import OnsiteEntry, PaperResponse
from app.extensions import db
from app.processes.models import Process
from app.surveys import services as surveys
from app.surveys.models import Answer, Response, Survey, SurveyState

NOTE_MAX = 300


def printable_surveys(process: Process) -> list[Survey]:
    return [
        s
        for s in surveys.surveys_of(process, published_only=False)
        if s.state == SurveyState.PUBLISHED
    ]


def to_pdf(process: Process, survey_list: list[Survey]) -> bytes:
    """The paper form: the process's question and concept, then each survey's questions with boxes
    to tick and lines to write on. Fetches nothing from anywhere (stylesheet inline)."""
    from weasyprint import HTML  # imported here: it loads Pango, which only exports need

    html = render_template("events/paper_pdf.html", process=process, surveys=survey_list)
    return HTML(string=html, url_fetcher=_fetch_nothing).write_pdf()


def _fetch_nothing(url: str, *args, **kwargs):
    raise ValueError(f"the paper form loads no external resources ({url[:80]})")


def enter_paper_response(
    survey: Survey,
    actor: User,
    submitted: dict,
    note: str = "",
    now: datetime | None = None,
) -> Response:
    """Store the answers of one filled-in paper form, on behalf of the person who filled it in.

    Raises the surveys' ``AnswersInvalid`` (with every question's problem) before storing anything.
    """
    now = now or utcnow()
    values = surveys.validate_answers(survey, submitted)
    process = survey.process
    response = Response(
        survey_id=survey.id,
        author_group=TrialogGroup.CITIZENS,
        created_at=now,
        updated_at=now,
    )
    db.session.add(response)
    db.session.flush()
    note = clean_plain(note)[:NOTE_MAX]
    db.session.add(
        PaperResponse(
            municipality_id=process.municipality_id,
            response_id=response.id,
            source=note,
            entered_by_id=actor.id,
        )
    )
    for value in values:
        contribution_id = None
        if value.text is not None:
            contribution = Contribution(
                municipality_id=process.municipality_id,
                process_id=process.id,
                author_id=None,
                author_group=TrialogGroup.CITIZENS,
                kind=surveys.KIND,
                channel=Channel.PAPER.value,
                visibility=Visibility.VISIBLE,
                created_at=now,
            )
            db.session.add(contribution)
            db.session.flush()
            db.session.add(
                OnsiteEntry(
                    municipality_id=process.municipality_id,
                    contribution_id=contribution.id,
                    source=note,
                    entered_by_id=actor.id,
                )
            )
            contribution_id = contribution.id
        db.session.add(
            Answer(
                response_id=response.id,
                question_id=value.question_id,
                option_id=value.option_id,
                value_int=value.value_int,
                text=value.text,
                contribution_id=contribution_id,
            )
        )
    db.session.flush()
    return response
