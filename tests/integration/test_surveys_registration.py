"""Surveys plug into processes (a participation format) and contributions (a kind moderation shows)."""

from __future__ import annotations

from sqlalchemy import select

from app.contributions import kinds
from app.contributions.models import Contribution
from app.core.roles import Role
from app.extensions import db
from app.processes import formats


def test_the_process_page_links_to_its_surveys_with_their_number(
    client, make_municipality, make_process, make_survey
):
    town = make_municipality()
    process = make_process(town, formats=("surveys",))
    make_survey(process)
    make_survey(process, state="draft")  # drafts are not counted
    html = client.get(f"/{town.slug}/processes/{process.slug}/").get_data(as_text=True)
    link = f"/{town.slug}/processes/{process.slug}/surveys/"
    assert f'href="{link}"' in html
    assert '<span class="count">(1)</span>' in html
    listing = client.get(link).get_data(as_text=True)
    assert listing.count('class="card"') == 1


def test_the_format_counts_published_surveys_of_many_processes_in_one_query(
    app, make_municipality, make_process, make_survey, count_queries
):
    town = make_municipality()
    first, second, third = (make_process(town) for _ in range(3))
    make_survey(first)
    make_survey(first)
    make_survey(second)
    counter = formats.get_format("surveys").count
    with app.app_context(), count_queries() as counted:
        assert counter([first.id, second.id, third.id]) == {first.id: 2, second.id: 1}
    assert counted.count == 1


def test_free_text_answers_describe_themselves_for_moderation(
    app, make_municipality, make_member, make_process, make_survey
):
    from tests.integration.test_surveys_results import submit

    town = make_municipality()
    process = make_process(town)
    survey = make_survey(process)
    submit(app, survey, make_member(town, Role.CITIZEN), single=0, short_text="Mehr Schatten")
    with app.test_request_context():
        contribution = db.session.scalar(select(Contribution))
        shown = kinds.describe([contribution])[contribution.id]
    assert shown.excerpt == "Mehr Schatten"
    assert shown.url == (
        f"/{town.slug}/processes/{process.slug}/surveys/{survey.id}/results/"
        f"{survey.q('short_text').id}/texts"
    )
    assert kinds.kind("survey_answer") is not None


def test_seed_demo_adds_a_survey_with_every_question_type_and_responses(app):
    from sqlalchemy import func

    from app.demo import seed_demo
    from app.surveys.demo import FREIBAD_RESPONSES, RESPONSES, TITLE
    from app.surveys.models import QuestionType, Response, Survey

    with app.app_context():
        seed_demo()
        db.session.commit()
        seed_demo()  # idempotent: the survey and its responses are not added twice
        db.session.commit()
        survey = db.session.scalar(select(Survey).where(Survey.title == TITLE))
        assert survey.process.slug == "neugestaltung-marktplatz"
        assert "surveys" in survey.process.format_keys
        assert {q.type for q in survey.questions} == set(QuestionType)
        assert (
            db.session.scalar(
                select(func.count(Response.id)).where(Response.survey_id == survey.id)
            )
            == RESPONSES
        )
        # the Freibad's survey (app/surveys/demo.py) is the only other one, added once too
        assert db.session.scalar(select(func.count(Response.id))) == RESPONSES + FREIBAD_RESPONSES
        texts = db.session.scalar(
            select(func.count(Contribution.id)).where(Contribution.kind == "survey_answer")
        )
        assert texts > 0
