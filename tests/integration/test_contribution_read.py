"""One rule decides who reads a contribution's text: ``contribution.read``, asked of its kind.

The attacks of the penetration test: the report form at ``/<slug>/contributions/<id>/report``
showed an excerpt of any contribution to any logged-in person, with sequential ids, including
free-text answers of surveys whose results are internal, of unpublished surveys, and texts of
members-only processes to other municipalities' users. Each now finds nothing (404); the rule also
decides what moderation mails and the authors' pages quote, and only members' reports count
towards the automatic hiding threshold.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.roles import Role
from app.extensions import db
from tests.integration.moderation_support import report, set_threshold

SECRET = "Geheime Antwort über den Kämmerer"
TEXT_QUESTION = [dict(type="long_text", text="Was denken Sie?")]


@pytest.fixture
def town(make_municipality):
    return make_municipality(xss=False)


@pytest.fixture
def other_town(make_municipality):
    return make_municipality(xss=False)


@pytest.fixture
def process(town, make_process):
    return make_process(town, formats=("surveys",), xss=False)


@pytest.fixture
def people(town, other_town, make_member, make_user):
    return {
        "author": make_member(town, Role.CITIZEN),
        "citizen": make_member(town, Role.CITIZEN),
        "council": make_member(town, Role.COUNCIL),
        "moderator": make_member(town, Role.MODERATOR),
        "outsider": make_member(other_town, Role.ADMIN),
        "unattached": make_user(),
    }


def _answer(app, survey, author, text: str = SECRET) -> int:
    """``author`` answers the survey's text question; the contribution id of the free text."""
    from app.accounts.models import User
    from app.surveys import services
    from app.surveys.models import Answer, Survey

    with app.app_context():
        loaded = db.session.get(Survey, survey.id)
        services.submit_response(
            loaded,
            services.Respondent(user=db.session.get(User, author.id)),
            {survey.questions[0].id: services.Submitted(text=text)},
        )
        db.session.commit()
        return db.session.scalar(select(Answer.contribution_id).where(Answer.text == text))


def _report_page(client, login, user, town, contribution_id: int):
    login(client, user)
    return client.get(f"/{town.slug}/contributions/{contribution_id}/report")


def _set(app, model, ident, **values) -> None:
    with app.app_context():
        row = db.session.get(model, ident)
        for name, value in values.items():
            setattr(row, name, value)
        db.session.commit()


def test_free_text_of_internal_results_is_not_shown_to_citizens_through_the_report_form(
    app, client, login, town, process, people, make_survey
):
    survey = make_survey(process, xss=False, questions=TEXT_QUESTION, results_visibility="internal")
    contribution = _answer(app, survey, people["author"])

    for name in ("citizen", "outsider", "unattached"):
        page = _report_page(client, login, people[name], town, contribution)
        assert page.status_code == 404, name
        assert SECRET not in page.text
    # The municipality's side of the trialog reads internal results, and so may report them.
    for name in ("council", "moderator"):
        page = _report_page(client, login, people[name], town, contribution)
        assert page.status_code == 200, name
        assert SECRET in page.text


def test_public_results_make_the_free_text_readable_and_reportable(
    app, client, login, town, process, people, make_survey
):
    survey = make_survey(process, xss=False, questions=TEXT_QUESTION, results_visibility="live")
    contribution = _answer(app, survey, people["author"])
    page = _report_page(client, login, people["citizen"], town, contribution)
    assert page.status_code == 200 and SECRET in page.text


def test_free_text_of_an_unpublished_survey_is_not_shown(
    app, client, login, town, process, people, make_survey
):
    from app.surveys.models import Survey, SurveyState

    survey = make_survey(process, xss=False, questions=TEXT_QUESTION, results_visibility="live")
    contribution = _answer(app, survey, people["author"])
    _set(app, Survey, survey.id, state=SurveyState.DRAFT)
    for name in ("citizen", "council", "outsider"):
        page = _report_page(client, login, people[name], town, contribution)
        assert page.status_code == 404, name
        assert SECRET not in page.text


def test_members_only_process_texts_are_not_shown_to_other_municipalities_users(
    app, client, login, town, people, make_process
):
    from app.processes.models import Visibility
    from tests.integration.proposals_support import create_proposal

    closed = make_process(town, visibility=Visibility.MEMBERS, xss=False)
    proposal_id = create_proposal(app, closed, people["author"], xss=False, title=SECRET)
    from app.proposals.models import Proposal

    with app.app_context():
        contribution = db.session.get(Proposal, proposal_id).contribution_id
    for name in ("outsider", "unattached"):
        page = _report_page(client, login, people[name], town, contribution)
        assert page.status_code == 404, name
        assert SECRET not in page.text
    assert _report_page(client, login, people["citizen"], town, contribution).status_code == 200


def test_another_municipalitys_address_finds_nothing(
    app, client, login, town, other_town, process, people, make_survey
):
    survey = make_survey(process, xss=False, questions=TEXT_QUESTION, results_visibility="live")
    contribution = _answer(app, survey, people["author"])
    page = _report_page(client, login, people["outsider"], other_town, contribution)
    assert page.status_code == 404 and SECRET not in page.text


def test_walking_sequential_ids_reveals_only_what_the_pages_show(
    app, client, login, town, process, people, make_survey
):
    internal = make_survey(
        process, xss=False, questions=TEXT_QUESTION, results_visibility="internal"
    )
    public = make_survey(process, xss=False, questions=TEXT_QUESTION, results_visibility="live")
    _answer(app, internal, people["author"], f"{SECRET} 1")
    _answer(app, internal, people["council"], f"{SECRET} 2")
    readable = _answer(app, public, people["author"], "Öffentliche Antwort")
    login(client, people["outsider"])
    found = []
    for contribution_id in range(1, readable + 5):
        page = client.get(f"/{town.slug}/contributions/{contribution_id}/report")
        assert page.status_code in (200, 404)
        assert SECRET not in page.text
        if page.status_code == 200:
            found.append(contribution_id)
    assert found == [readable]


def test_the_rule_filters_what_moderation_pages_and_mails_quote(
    app, town, process, people, make_survey
):
    from app.accounts.models import User
    from app.contributions import kinds
    from app.contributions.models import Contribution
    from app.core.permissions import allowed

    survey = make_survey(
        process,
        xss=False,
        questions=TEXT_QUESTION,
        results_visibility="internal",
        anonymous=False,  # so the answer has an author who reads it on their own pages
    )
    contribution_id = _answer(app, survey, people["author"])
    with app.test_request_context():  # describing builds the URLs of the places
        contribution = db.session.get(Contribution, contribution_id)

        def quoted(name: str) -> dict:
            return kinds.describe([contribution], reader=db.session.get(User, people[name].id))

        assert quoted("citizen") == {} and quoted("outsider") == {}
        assert SECRET in quoted("author")[contribution_id].excerpt  # the author's own pages
        assert SECRET in quoted("moderator")[contribution_id].excerpt  # the queue and case
        assert not allowed("contribution.read", None, contribution)


def test_reports_from_outside_the_municipality_do_not_count_towards_the_threshold(
    app, town, process, people, make_member, make_user, make_survey
):
    from app.moderation.models import Report, ReportCount

    set_threshold(app, town, 2)
    survey = make_survey(process, xss=False, questions=TEXT_QUESTION, results_visibility="live")
    contribution = _answer(app, survey, people["author"], "Streitbare Meinung")
    brigade = [make_user() for _ in range(5)]
    for person in brigade:
        report(app, person, contribution)
    with app.app_context():
        counts = db.session.get(ReportCount, contribution)
        assert (counts.open_count, counts.member_count) == (5, 0)
        assert db.session.scalar(select(Report.by_member).limit(1)) is False
    from tests.integration.moderation_support import contribution_state

    assert contribution_state(app, contribution)[0] == "visible"  # recorded, not counted
    report(app, people["citizen"], contribution)
    assert contribution_state(app, contribution)[0] == "visible"
    report(app, make_member(town, Role.CITIZEN), contribution)
    assert contribution_state(app, contribution)[0] == "hidden"  # two members reached it
