"""The survey builder in the back office: settings, questions, options, order, the lock after the
first response, publishing and deleting, and isolation between municipalities."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.core.roles import Role
from app.extensions import db
from app.surveys.models import Option, Question, Survey, SurveyState
from tests.conftest import XSS


@pytest.fixture(autouse=True)
def english(client):
    client.get("/lang/en")


@pytest.fixture
def town(make_municipality):
    return make_municipality()


@pytest.fixture
def process(town, make_process):
    return make_process(town, formats=("surveys",))


@pytest.fixture
def staff(town, make_member):
    return make_member(town, Role.STAFF)


@pytest.fixture
def staff_client(client, login, staff):
    return login(client, staff)


def _admin(town, path: str) -> str:
    return f"/{town.slug}/admin/{path}"


SETTINGS = {
    "title": "Marktplatz-Umfrage",
    "introduction": "Ihre Meinung zählt.",
    "closing_text": "Danke!",
    "audience": "members",
    "anonymous": "1",
    "schedule": "phase",
    "results_visibility": "after_close",
}


def _answer_once(app, survey_ref, user) -> None:
    from app.accounts.models import User
    from app.surveys import services

    with app.app_context():
        survey = db.session.get(Survey, survey_ref.id)
        single = survey_ref.q("single")
        services.submit_response(
            survey,
            services.Respondent(user=db.session.get(User, user.id)),
            {single.id: services.Submitted(choices=[str(single.options[0])])},
        )
        db.session.commit()


def test_staff_build_a_survey_with_every_question_type(app, staff_client, town, process):
    response = staff_client.post(_admin(town, f"processes/{process.id}/surveys/new"), data=SETTINGS)
    assert response.status_code == 302
    with app.app_context():
        survey_id = db.session.scalar(select(Survey.id))
    questions = [
        {
            "type": "single",
            "text": "Wie oft?",
            "options": "Täglich\nWöchentlich\n\nSelten",
            "allow_other": "y",
            "required": "y",
        },
        {
            "type": "multiple",
            "text": "Was fehlt?",
            "options": "Bänke\nBäume\nWasser",
            "min_choices": "1",
            "max_choices": "2",
        },
        {"type": "yes_no", "text": "Autofrei?"},
        {
            "type": "scale",
            "text": "Wie wichtig?",
            "scale": "0-10",
            "scale_min_label": "gar nicht",
            "scale_max_label": "sehr",
        },
        {"type": "ranking", "text": "Reihenfolge?", "options": "Grün\nMarkt"},
        {"type": "short_text", "text": "Ein Wort?"},
        {"type": "long_text", "text": "Ihre Idee?"},
    ]
    for data in questions:
        reply = staff_client.post(_admin(town, f"surveys/{survey_id}/questions/new"), data=data)
        assert reply.status_code == 302, reply.get_data(as_text=True)
    assert staff_client.post(_admin(town, f"surveys/{survey_id}/publish")).status_code == 302
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        assert survey.state == SurveyState.PUBLISHED
        assert [q.type.value for q in survey.questions] == [q["type"] for q in questions]
        single, multiple, _yes_no, scale, ranking = survey.questions[:5]
        assert [o.label for o in single.options] == ["Täglich", "Wöchentlich", "Selten"]
        assert single.allow_other and single.required
        assert (multiple.min_choices, multiple.max_choices) == (1, 2)
        assert (scale.scale_min, scale.scale_max, scale.scale_max_label) == (0, 10, "sehr")
        assert len(ranking.options) == 2
        assert survey.questions[5].options == []


def test_the_builder_escapes_what_staff_typed(app, staff_client, town, process, make_survey):
    survey = make_survey(process)
    for path in (
        f"surveys/{survey.id}/",
        f"surveys/{survey.id}/preview",
        f"surveys/{survey.id}/questions/{survey.q('single').id}/edit",
    ):
        html = staff_client.get(_admin(town, path)).get_data(as_text=True)
        assert XSS not in html
        assert "&lt;script&gt;" in html


def test_a_survey_cannot_be_published_without_questions_and_options(
    app, staff_client, town, process, make_survey
):
    empty = make_survey(process, questions=[], state="draft")
    page = staff_client.post(_admin(town, f"surveys/{empty.id}/publish"), follow_redirects=True)
    assert "at least one question" in page.get_data(as_text=True)
    no_options = make_survey(
        process,
        state="draft",
        questions=[{"type": "ranking", "text": "R", "options": ["nur eine"]}],
    )
    page = staff_client.post(
        _admin(town, f"surveys/{no_options.id}/publish"), follow_redirects=True
    )
    assert "at least two options for question 1" in page.get_data(as_text=True)
    with app.app_context():
        assert set(db.session.scalars(select(Survey.state))) == {SurveyState.DRAFT}


def test_own_dates_must_close_after_opening(staff_client, town, process):
    data = {
        **SETTINGS,
        "schedule": "own",
        "opens_at": "2030-05-02T10:00",
        "closes_at": "2030-05-01T10:00",
    }
    response = staff_client.post(_admin(town, f"processes/{process.id}/surveys/new"), data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The survey must close after it opens." in html
    assert 'value="Marktplatz-Umfrage"' in html  # what was typed stays


@pytest.mark.parametrize("field", ["opens_at", "closes_at"])
def test_own_dates_beyond_the_calendar_are_a_form_error_not_a_crash(
    app, staff_client, town, process, monkeypatch, field
):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    data = {
        **SETTINGS,
        "schedule": "own",
        "opens_at": "2030-05-01T10:00",
        "closes_at": "2030-05-02T10:00",
        field: "0001-01-01T00:00",
    }
    response = staff_client.post(_admin(town, f"processes/{process.id}/surveys/new"), data=data)
    assert response.status_code == 422
    assert "Please enter a date between 1900 and 2200." in response.text
    assert 'value="Marktplatz-Umfrage"' in response.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"type": "multiple", "min_choices": "3", "max_choices": "2", "options": "a\nb\nc"},
            "The minimum cannot be larger than the maximum.",
        ),
        (
            {"type": "multiple", "min_choices": "4", "options": "a\nb"},
            "The minimum cannot be larger than the number of options (2).",
        ),
        ({"type": "scale", "scale": "2-7"}, "Not a valid choice"),
        ({"type": "nonsense"}, "Not a valid choice"),
    ],
)
def test_inconsistent_questions_are_refused(
    staff_client, town, process, make_survey, data, message
):
    survey = make_survey(process, questions=[], state="draft")
    response = staff_client.post(
        _admin(town, f"surveys/{survey.id}/questions/new"), data={"text": "Frage", **data}
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_questions_and_options_move_up_and_down(app, staff_client, town, process, make_survey):
    survey = make_survey(process)
    single, multiple = survey.q("single"), survey.q("multiple")
    staff_client.post(
        _admin(town, f"surveys/{survey.id}/questions/{multiple.id}/move"), data={"direction": "up"}
    )
    staff_client.post(
        _admin(town, f"surveys/{survey.id}/questions/{single.id}/options/{single.options[0]}/move"),
        data={"direction": "down"},
    )
    with app.app_context():
        loaded = db.session.get(Survey, survey.id)
        assert [q.id for q in loaded.questions][:2] == [multiple.id, single.id]
        options = db.session.get(Question, single.id).options
        assert [o.id for o in options] == [single.options[1], single.options[0], single.options[2]]


def test_the_lock_refuses_structural_changes_after_the_first_response(
    app, staff_client, town, process, make_survey, make_member
):
    survey = make_survey(process, xss=False)
    _answer_once(app, survey, make_member(town))
    single, scale, multiple = survey.q("single"), survey.q("scale"), survey.q("multiple")
    base = f"surveys/{survey.id}/questions"

    builder = staff_client.get(_admin(town, f"surveys/{survey.id}/")).get_data(as_text=True)
    assert "Questions are locked." in builder
    assert "would make the stored answers wrong" in builder
    assert "Add question" not in builder

    refused = [
        staff_client.post(
            _admin(town, f"{base}/new?type=yes_no"), data={"type": "yes_no", "text": "Neu"}
        ),
        staff_client.post(
            _admin(town, f"{base}/{single.id}/edit"), data={"type": "multiple", "text": "Wie oft"}
        ),
        staff_client.post(
            _admin(town, f"{base}/{scale.id}/edit"),
            data={"type": "scale", "text": "Wie wichtig", "scale": "0-10"},
        ),
        staff_client.post(
            _admin(town, f"{base}/{multiple.id}/edit"),
            data={"type": "multiple", "text": "Was fehlt", "min_choices": "1", "max_choices": "3"},
        ),
    ]
    for response in refused:
        assert response.status_code == 422
        assert "would make the stored answers wrong" in response.get_data(as_text=True)
    staff_client.post(_admin(town, f"{base}/{single.id}/options/new"), data={"option-label": "Nie"})
    staff_client.post(_admin(town, f"{base}/{single.id}/options/{single.options[0]}/delete"))
    staff_client.post(_admin(town, f"{base}/{single.id}/delete"))
    staff_client.post(_admin(town, f"surveys/{survey.id}/delete"))
    with app.app_context():
        assert db.session.scalar(select(func.count(Question.id))) == 7
        assert len(db.session.get(Question, single.id).options) == 3
        assert db.session.get(Question, scale.id).scale_max == 5
        assert db.session.get(Survey, survey.id) is not None


def test_typo_fixes_stay_possible_after_responses(
    app, staff_client, town, process, make_survey, make_member
):
    survey = make_survey(process, xss=False)
    _answer_once(app, survey, make_member(town))
    single, scale = survey.q("single"), survey.q("scale")
    base = f"surveys/{survey.id}/questions"
    fixed = staff_client.post(
        _admin(town, f"{base}/{single.id}/edit"),
        data={
            "type": "single",
            "text": "Wie oft kommen Sie?",
            "help": "Ehrlich",
            "required": "y",
            "allow_other": "y",
        },
    )
    assert fixed.status_code == 302
    scale_fixed = staff_client.post(
        _admin(town, f"{base}/{scale.id}/edit"),
        data={
            "type": "scale",
            "text": "Wie wichtig ist es?",
            "scale": "1-5",
            "scale_max_label": "äußerst wichtig",
        },
    )
    assert scale_fixed.status_code == 302
    renamed = staff_client.post(
        _admin(town, f"{base}/{single.id}/options/{single.options[1]}/edit"),
        data={"label": "Wöchentlich"},
    )
    assert renamed.status_code == 302
    with app.app_context():
        assert db.session.get(Question, single.id).text == "Wie oft kommen Sie?"
        assert db.session.get(Question, scale.id).scale_max_label == "äußerst wichtig"
        assert db.session.get(Option, single.options[1]).label == "Wöchentlich"


def test_anonymity_and_audience_are_fixed_once_people_answered(
    app, staff_client, town, process, make_survey, make_member
):
    survey = make_survey(process, anonymous=True)
    _answer_once(app, survey, make_member(town))
    response = staff_client.post(
        _admin(town, f"surveys/{survey.id}/edit"), data={**SETTINGS, "anonymous": "0"}
    )
    assert response.status_code == 422
    assert "can no longer be changed" in response.get_data(as_text=True)
    response = staff_client.post(
        _admin(town, f"surveys/{survey.id}/edit"), data={**SETTINGS, "audience": "link"}
    )
    assert response.status_code == 422
    with app.app_context():
        loaded = db.session.get(Survey, survey.id)
        assert loaded.anonymous and loaded.audience.value == "members"


def test_a_survey_without_responses_is_deleted_after_confirmation(
    app, staff_client, town, process, make_survey
):
    survey = make_survey(process)
    page = staff_client.get(_admin(town, f"surveys/{survey.id}/delete")).get_data(as_text=True)
    assert "Do you really want to delete" in page
    assert staff_client.post(_admin(town, f"surveys/{survey.id}/delete")).status_code == 302
    with app.app_context():
        assert db.session.get(Survey, survey.id) is None


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.MODERATOR, Role.COUNCIL])
def test_only_process_managers_build_surveys(
    client, login, town, process, make_member, make_survey, role
):
    survey = make_survey(process)
    login(client, make_member(town, role))
    assert client.get(_admin(town, f"surveys/{survey.id}/")).status_code == 403
    assert client.post(_admin(town, f"surveys/{survey.id}/publish")).status_code == 403
    assert client.get(_admin(town, f"surveys/{survey.id}/export.csv")).status_code == 403


def test_staff_of_another_municipality_find_none_of_its_surveys(
    client, login, town, process, make_municipality, make_member, make_survey
):
    """With their own municipality's address and this one's ids, every route answers 404."""
    survey = make_survey(process)
    other = make_municipality()
    login(client, make_member(other, Role.ADMIN))
    question, option = survey.q("single").id, survey.q("single").options[0]
    base = f"/{other.slug}/admin/surveys/{survey.id}"
    gets = [
        f"/{other.slug}/admin/processes/{process.id}/surveys/",
        f"/{other.slug}/admin/processes/{process.id}/surveys/new",
        f"{base}/",
        f"{base}/edit",
        f"{base}/preview",
        f"{base}/delete",
        f"{base}/questions/new",
        f"{base}/questions/{question}/edit",
        f"{base}/questions/{question}/delete",
        f"{base}/questions/{question}/options/{option}/edit",
        f"{base}/questions/{question}/options/{option}/delete",
        f"{base}/export.csv",
        f"{base}/export.xlsx",
    ]
    posts = [
        f"{base}/publish",
        f"{base}/unpublish",
        f"{base}/delete",
        f"{base}/questions/{question}/move",
        f"{base}/questions/{question}/options/new",
        f"{base}/questions/{question}/options/{option}/move",
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, data={"direction": "up"}).status_code == 404, url
    # the public pages under the other municipality's address don't know the process either
    public = f"/{other.slug}/processes/{process.slug}/surveys/{survey.id}/"
    assert client.get(public).status_code == 404
    assert client.get(public + "results").status_code == 404


def test_a_survey_id_from_another_process_is_not_found(
    client, login, town, make_process, make_member, make_survey
):
    first, second = make_process(town), make_process(town)
    survey = make_survey(first)
    login(client, make_member(town))
    assert (
        client.get(f"/{town.slug}/processes/{second.slug}/surveys/{survey.id}/").status_code == 404
    )
