"""Answering a survey: the form, server validation of every question type, one response per person,
anonymity, and changing a named response."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select

from app.contributions.models import Contribution
from app.core.roles import Role, TrialogGroup
from app.extensions import db
from app.surveys.models import Answer, Response, SurveyParticipation
from tests.conftest import XSS


def _url(survey, **query) -> str:
    suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    return f"/gemeinde-1/processes/{survey.process_slug}/surveys/{survey.id}/{suffix}"


def valid_answers(survey) -> dict[str, object]:
    single, multiple, ranking = survey.q("single"), survey.q("multiple"), survey.q("ranking")
    data: dict[str, object] = {
        f"q{single.id}": str(single.options[0]),
        f"q{multiple.id}": [str(multiple.options[0]), str(multiple.options[2])],
        f"q{survey.q('yes_no').id}": "1",
        f"q{survey.q('scale').id}": "4",
        f"q{survey.q('short_text').id}": "Schatten",
        f"q{survey.q('long_text').id}": "Mehr Bäume und Bänke",
    }
    for rank, option_id in enumerate(ranking.options, 1):
        data[f"q{ranking.id}_rank_{option_id}"] = str(rank)
    return data


@pytest.fixture(autouse=True)
def english(client):
    """Messages are compared in English (the msgids)."""
    client.get("/lang/en")


@pytest.fixture
def town(make_municipality):
    return make_municipality()


@pytest.fixture
def process(town, make_process):
    return make_process(town, formats=("surveys",))


@pytest.fixture
def citizen(town, make_member):
    return make_member(town, Role.CITIZEN)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_form_shows_every_question_in_a_fieldset_and_escapes_texts(
    client, login, process, citizen, make_survey
):
    survey = make_survey(process)
    login(client, citizen)
    page = client.get(_url(survey))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('<fieldset class="question') == 7
    assert html.count("<legend>") >= 7
    assert XSS not in html
    assert "&lt;script&gt;" in html
    # ranking without JavaScript: one select per option, each with its label
    ranking = survey.q("ranking")
    for option_id in ranking.options:
        assert f'id="q{ranking.id}_rank_{option_id}"' in html


def test_a_member_answers_every_question_type(app, client, login, process, citizen, make_survey):
    survey = make_survey(process)
    login(client, citizen)
    response = client.post(_url(survey), data=valid_answers(survey))
    assert response.status_code == 302
    with app.app_context():
        stored = db.session.scalar(select(Response))
        assert stored.author_group == TrialogGroup.CITIZENS
        rows = {(a.question_id, a.option_id, a.value_int, a.text) for a in stored.answers}
    ranking = survey.q("ranking")
    multiple = survey.q("multiple")
    expected = {
        (survey.q("single").id, survey.q("single").options[0], None, None),
        (multiple.id, multiple.options[0], None, None),
        (multiple.id, multiple.options[2], None, None),
        (survey.q("yes_no").id, None, 1, None),
        (survey.q("scale").id, None, 4, None),
        (survey.q("short_text").id, None, None, "Schatten"),
        (survey.q("long_text").id, None, None, "Mehr Bäume und Bänke"),
        *((ranking.id, option_id, rank, None) for rank, option_id in enumerate(ranking.options, 1)),
    }
    assert rows == expected
    page = client.get(_url(survey))
    assert "Danke" in page.get_data(as_text=True)


def test_free_text_answers_are_contributions_that_moderation_can_hide(
    app, client, login, process, citizen, make_survey
):
    survey = make_survey(process)
    login(client, citizen)
    data = valid_answers(survey)
    data[f"q{survey.q('single').id}"] = "other"
    data[f"q{survey.q('single').id}_other"] = "Nur am Markttag"
    client.post(_url(survey), data=data)
    with app.app_context():
        texts = db.session.execute(
            select(Answer.text, Contribution.kind, Contribution.process_id).join(
                Contribution, Contribution.id == Answer.contribution_id
            )
        ).all()
    assert sorted(t for t, _k, _p in texts) == [
        "Mehr Bäume und Bänke",
        "Nur am Markttag",
        "Schatten",
    ]
    assert {(k, p) for _t, k, p in texts} == {("survey_answer", process.id)}


# --- validation ---------------------------------------------------------------------------------


def _post_invalid(client, survey, change):
    data = valid_answers(survey)
    change(data)
    return client.post(_url(survey), data=data)


@pytest.mark.parametrize(
    ("case", "qtype", "message"),
    [
        ("missing required single", "single", "Please answer this question."),
        ("forged option of another question", "single", "Please choose one of the options shown."),
        ("not a number", "single", "Please choose one of the options shown."),
        ("other ticked without text", "single", "Please say what you mean"),
        ("too few choices", "multiple", "Please choose at least 2 options."),
        ("too many choices", "multiple", "Please choose at most 3 options."),
        ("forged multiple option", "multiple", "Please choose one of the options shown."),
        ("yes/no out of range", "yes_no", "Please answer yes or no."),
        ("scale out of range", "scale", "Please choose a value from 1 to 5."),
        ("scale below range", "scale", "Please choose a value from 1 to 5."),
        ("ranking incomplete", "ranking", "Please give every option a rank."),
        ("ranking duplicate", "ranking", "Please give each option a different rank."),
        ("ranking out of range", "ranking", "Ranks run from 1 to 3."),
        ("short text oversized", "short_text", "At most 300 characters"),
        ("long text oversized", "long_text", "At most 5000 characters"),
    ],
)
def test_invalid_answers_are_refused_with_a_message_at_the_question(
    app, client, login, process, citizen, make_survey, case, qtype, message
):
    survey = make_survey(process, xss=False)
    single, multiple, ranking = survey.q("single"), survey.q("multiple"), survey.q("ranking")
    first, second = ranking.options[0], ranking.options[1]
    changes = {
        "missing required single": lambda d: d.pop(f"q{single.id}"),
        "forged option of another question": lambda d: d.update(
            {f"q{single.id}": str(multiple.options[0])}
        ),
        "not a number": lambda d: d.update({f"q{single.id}": "1 OR 1=1"}),
        "other ticked without text": lambda d: d.update({f"q{single.id}": "other"}),
        "too few choices": lambda d: d.update({f"q{multiple.id}": [str(multiple.options[0])]}),
        "too many choices": lambda d: d.update(
            {f"q{multiple.id}": [str(o) for o in multiple.options]}
        ),
        "forged multiple option": lambda d: d.update(
            {f"q{multiple.id}": [str(multiple.options[0]), str(single.options[0])]}
        ),
        "yes/no out of range": lambda d: d.update({f"q{survey.q('yes_no').id}": "2"}),
        "scale out of range": lambda d: d.update({f"q{survey.q('scale').id}": "6"}),
        "scale below range": lambda d: d.update({f"q{survey.q('scale').id}": "0"}),
        "ranking incomplete": lambda d: d.update({f"q{ranking.id}_rank_{first}": ""}),
        "ranking duplicate": lambda d: d.update({f"q{ranking.id}_rank_{second}": "1"}),
        "ranking out of range": lambda d: d.update({f"q{ranking.id}_rank_{first}": "9"}),
        "short text oversized": lambda d: d.update({f"q{survey.q('short_text').id}": "x" * 301}),
        "long text oversized": lambda d: d.update({f"q{survey.q('long_text').id}": "y" * 5001}),
    }
    login(client, citizen)
    response = _post_invalid(client, survey, changes[case])
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html
    question_id = survey.q(qtype).id
    assert f'id="q{question_id}-error"' in html
    assert message in html
    with app.app_context():
        assert _count(Response) == 0


def test_nothing_typed_is_lost_on_a_validation_error(client, login, process, citizen, make_survey):
    survey = make_survey(process, xss=False)
    login(client, citizen)
    data = valid_answers(survey)
    data[f"q{survey.q('scale').id}"] = "99"
    data[f"q{survey.q('single').id}"] = "other"
    data[f"q{survey.q('single').id}_other"] = "Am Wochenende"
    html = client.post(_url(survey), data=data).get_data(as_text=True)
    assert 'value="Am Wochenende"' in html
    assert "Schatten" in html
    assert "Mehr Bäume und Bänke</textarea>" in html
    multiple = survey.q("multiple")
    for option_id in (multiple.options[0], multiple.options[2]):
        box = re.search(rf'<input[^>]*name="q{multiple.id}"[^>]*value="{option_id}"[^>]*>', html)
        assert box and "checked" in box.group(0)
    ranking = survey.q("ranking")
    first = re.search(
        rf'<select[^>]*id="q{ranking.id}_rank_{ranking.options[0]}".*?</select>', html, re.S
    )
    assert 'selected value="1"' in first.group(0)


def test_optional_questions_may_stay_empty(app, client, login, process, citizen, make_survey):
    survey = make_survey(process)
    login(client, citizen)
    single = survey.q("single")
    response = client.post(_url(survey), data={f"q{single.id}": str(single.options[1])})
    assert response.status_code == 302
    with app.app_context():
        assert _count(Answer) == 1


def test_an_option_of_another_survey_is_refused(app, process, citizen, make_survey):
    from app.accounts.models import User
    from app.surveys import services
    from app.surveys.models import Survey

    survey = make_survey(process)
    other = make_survey(process)
    with app.app_context():
        loaded = db.session.get(Survey, survey.id)
        single = survey.q("single")
        sent = {single.id: services.Submitted(choices=[str(other.q("single").options[0])])}
        with pytest.raises(services.AnswersInvalid) as caught:
            services.submit_response(
                loaded, services.Respondent(user=db.session.get(User, citizen.id)), sent
            )
        assert single.id in caught.value.errors


# --- one response per person --------------------------------------------------------------------


def test_a_member_cannot_answer_an_anonymous_survey_twice(
    app, client, login, process, citizen, make_survey
):
    survey = make_survey(process, anonymous=True)
    login(client, citizen)
    assert client.post(_url(survey), data=valid_answers(survey)).status_code == 302
    again = client.post(_url(survey), data=valid_answers(survey), follow_redirects=True)
    assert "already answered" in again.get_data(as_text=True)
    with app.app_context():
        assert _count(Response) == 1
        assert _count(SurveyParticipation) == 1


def test_an_anonymous_response_stores_no_account(app, client, login, process, citizen, make_survey):
    survey = make_survey(process, anonymous=True)
    login(client, citizen)
    client.post(_url(survey), data=valid_answers(survey))
    with app.app_context():
        response = db.session.scalar(select(Response))
        assert response.user_id is None
        assert response.token_hash is None
        # the time is kept to the day only, so it cannot be matched against logins
        assert (response.created_at.hour, response.created_at.minute) == (0, 0)
        texts = db.session.scalars(select(Contribution)).all()
        assert texts and all(c.author_id is None for c in texts)
        assert all((c.created_at.hour, c.created_at.minute) == (0, 0) for c in texts)
        participation = db.session.scalar(select(SurveyParticipation))
        assert participation.user_id == citizen.id
        # the participation row holds nothing that points at the response
        assert set(SurveyParticipation.__table__.columns.keys()) == {"survey_id", "user_id"}


def test_anonymous_responses_cannot_be_changed(client, login, process, citizen, make_survey):
    survey = make_survey(process, anonymous=True)
    login(client, citizen)
    client.post(_url(survey), data=valid_answers(survey))
    page = client.get(_url(survey, change=1)).get_data(as_text=True)
    assert "answer-form" not in page
    assert "Change my answers" not in page


def test_a_member_changes_a_named_response_until_the_survey_closes(
    app, client, login, process, citizen, make_survey
):
    survey = make_survey(process, anonymous=False)
    login(client, citizen)
    client.post(_url(survey), data=valid_answers(survey))
    form = client.get(_url(survey, change=1)).get_data(as_text=True)
    assert "answer-form" in form
    assert "Schatten" in form  # the stored answer is prefilled
    data = valid_answers(survey)
    data[f"q{survey.q('scale').id}"] = "2"
    data[f"q{survey.q('short_text').id}"] = "Sonne"
    assert client.post(_url(survey), data=data).status_code == 302
    with app.app_context():
        response = db.session.scalar(select(Response))
        assert response.user_id == citizen.id
        assert _count(Response) == 1
        scale = db.session.scalar(
            select(Answer.value_int).where(Answer.question_id == survey.q("scale").id)
        )
        assert scale == 2
        text = db.session.scalar(
            select(Answer).where(Answer.question_id == survey.q("short_text").id)
        )
        assert text.text == "Sonne"
        # the free text keeps its contribution row (moderation history), marked as edited
        assert db.session.get(Contribution, text.contribution_id).edited_at is not None
        assert _count(Contribution) == 2


def test_a_named_response_cannot_be_changed_after_the_survey_closed(
    app, client, login, town, make_process, citizen, make_survey
):
    from datetime import timedelta

    from app.core.time import utcnow
    from app.surveys.models import Survey

    process = make_process(town)
    now = utcnow()
    survey = make_survey(
        process,
        anonymous=False,
        schedule="own",
        opens_at=now - timedelta(days=2),
        closes_at=now + timedelta(days=2),
    )
    login(client, citizen)
    client.post(_url(survey), data=valid_answers(survey))
    with app.app_context():
        loaded = db.session.get(Survey, survey.id)
        loaded.closes_at = now - timedelta(minutes=1)
        db.session.commit()
    data = valid_answers(survey)
    data[f"q{survey.q('scale').id}"] = "1"
    assert client.post(_url(survey), data=data).status_code == 302
    with app.app_context():
        scale = db.session.scalar(
            select(Answer.value_int).where(Answer.question_id == survey.q("scale").id)
        )
        assert scale == 4
    assert "answer-form" not in client.get(_url(survey, change=1)).get_data(as_text=True)


@pytest.mark.parametrize("anonymous", [True, False])
def test_concurrent_double_submits_store_exactly_one_response(
    app, process, citizen, make_survey, anonymous
):
    from app.accounts.models import User
    from app.surveys import services
    from app.surveys.models import Survey

    survey = make_survey(process, anonymous=anonymous)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def submit() -> None:
        with app.app_context():
            loaded = db.session.get(Survey, survey.id)
            user = db.session.get(User, citizen.id)
            sent = {
                survey.q("single").id: services.Submitted(
                    choices=[str(survey.q("single").options[0])]
                ),
                survey.q("short_text").id: services.Submitted(text="gleichzeitig"),
            }
            barrier.wait()
            try:
                services.submit_response(loaded, services.Respondent(user=user), sent)
                db.session.commit()
                outcomes.append("stored")
            except services.AlreadyAnswered:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if anonymous:
        assert outcomes.count("stored") == 1 and outcomes.count("refused") == 3
    else:
        # a submit that sees the committed response changes it (named responses may change)
        assert outcomes.count("stored") >= 1
    with app.app_context():
        assert _count(Response) == 1
        # the loser's free text did not survive either
        assert _count(Contribution) == 1


# --- link surveys -------------------------------------------------------------------------------


def test_anyone_with_the_link_answers_once_per_browser(app, client, process, make_survey):
    survey = make_survey(process, audience="link")
    page = client.get(_url(survey))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "weaker guarantee" in html
    assert client.post(_url(survey), data=valid_answers(survey)).status_code == 302
    client.post(_url(survey), data=valid_answers(survey))
    with app.app_context():
        response = db.session.scalar(select(Response))
        assert _count(Response) == 1
        assert response.user_id is None and len(response.token_hash) == 64
        assert response.author_group == TrialogGroup.CITIZENS
    # another browser (a fresh cookie jar) may answer again: the weaker guarantee stated above
    other_browser = app.test_client()
    other_browser.get(_url(survey))
    assert other_browser.post(_url(survey), data=valid_answers(survey)).status_code == 302
    with app.app_context():
        assert _count(Response) == 2


def test_a_forged_browser_cookie_is_not_accepted(app, client, process, make_survey):
    from app.surveys.views import BROWSER_COOKIE

    survey = make_survey(process, audience="link")
    client.set_cookie(BROWSER_COOKIE, "forged")
    response = client.post(_url(survey), data=valid_answers(survey))
    assert response.status_code == 422  # answers kept in the form, a new cookie handed out
    assert "Schatten" in response.get_data(as_text=True)
    assert BROWSER_COOKIE in response.headers.get("Set-Cookie", "")
    with app.app_context():
        assert _count(Response) == 0


def test_member_surveys_send_visitors_to_the_login(client, process, make_survey):
    survey = make_survey(process)
    response = client.post(_url(survey), data=valid_answers(survey))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "answer-form" not in client.get(_url(survey)).get_data(as_text=True)


def test_nobody_answers_outside_the_participation_phase(
    app, client, login, town, make_process, citizen, make_survey
):
    from datetime import timedelta

    from app.core.time import utcnow

    now = utcnow()
    process = make_process(
        town, phases=[("participation", now + timedelta(days=1), now + timedelta(days=5))]
    )
    survey = make_survey(process)
    login(client, citizen)
    page = client.get(_url(survey)).get_data(as_text=True)
    assert "answer-form" not in page
    response = client.post(_url(survey), data=valid_answers(survey))
    assert response.status_code == 302
    with app.app_context():
        assert _count(Response) == 0


def test_a_draft_survey_is_not_found_by_citizens(client, login, process, citizen, make_survey):
    survey = make_survey(process, state="draft")
    login(client, citizen)
    assert client.get(_url(survey)).status_code == 404
    assert client.post(_url(survey), data=valid_answers(survey)).status_code == 404


def test_other_text_counts_only_when_no_listed_option_is_chosen(
    app, client, login, process, citizen, make_survey
):
    survey = make_survey(process, xss=False)
    single = survey.q("single")
    login(client, citizen)
    data = valid_answers(survey)
    data[f"q{single.id}_other"] = "changed my mind"  # a listed option stays chosen
    assert client.post(_url(survey), data=data).status_code == 302
    with app.app_context():
        rows = db.session.execute(
            select(Answer.option_id, Answer.text).where(Answer.question_id == single.id)
        ).all()
    assert rows == [(single.options[0], None)]


def test_the_form_renders_no_python_none(client, login, process, citizen, make_survey):
    survey = make_survey(process, xss=False)
    login(client, citizen)
    assert '"None"' not in client.get(_url(survey)).get_data(as_text=True)


def test_a_rank_given_twice_is_named_even_when_another_is_missing(
    client, login, process, citizen, make_survey
):
    survey = make_survey(process, xss=False)
    ranking = survey.q("ranking")
    first, second, third = ranking.options[:3]
    data = valid_answers(survey)
    data[f"q{ranking.id}_rank_{second}"] = "1"  # the same as the first
    data[f"q{ranking.id}_rank_{third}"] = ""  # and one left out
    login(client, citizen)
    response = client.post(_url(survey), data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Please give each option a different rank." in html
    assert "Please give every option a rank." not in html
    for option_id, rank in ((first, "1"), (second, "1")):  # what was chosen stays chosen
        select = re.search(
            rf'<select[^>]*id="q{ranking.id}_rank_{option_id}".*?</select>', html, re.S
        ).group(0)
        assert re.search(
            rf'<option selected value="{rank}"|<option value="{rank}" selected', select
        )
