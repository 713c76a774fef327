"""Results against hand-computed figures, who sees them when, hidden free texts, the breakdown by
trialog group, exports parsed back, and a query count that does not grow with the responses."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.contributions.models import Contribution, Visibility
from app.core.roles import Role, TrialogGroup
from app.core.time import utcnow
from app.extensions import db
from app.surveys import results
from app.surveys.models import Answer, Survey


@pytest.fixture(autouse=True)
def english(client):
    client.get("/lang/en")


@pytest.fixture(autouse=True)
def every_group_shown(app, monkeypatch):
    """These tests check breakdowns with a handful of people; the minimum group size that hides
    small groups has its own tests (test_outcomes_small_groups.py)."""
    monkeypatch.setitem(app.config, "MIN_GROUP_SIZE", 1)


@pytest.fixture
def town(make_municipality):
    return make_municipality()


@pytest.fixture
def process(town, make_process):
    return make_process(town, formats=("surveys",))


def submit(app, survey_ref, user, **values) -> None:
    """Answer through the service. ``values`` by question type: single=index or "other:<text>",
    multiple=[indexes], yes_no=1/0, scale=n, ranking=[rank per option], short_text/long_text=text."""
    from app.accounts.models import User
    from app.surveys import services

    sent = {}
    for qtype, value in values.items():
        question = survey_ref.q(qtype)
        entry = services.Submitted()
        if qtype == "single":
            if isinstance(value, str):
                entry.choices, entry.other = ["other"], value.removeprefix("other:")
            else:
                entry.choices = [str(question.options[value])]
        elif qtype == "multiple":
            entry.choices = [str(question.options[i]) for i in value]
        elif qtype in ("yes_no", "scale"):
            entry.choices = [str(value)]
        elif qtype == "ranking":
            entry.ranks = {
                oid: str(rank) for oid, rank in zip(question.options, value, strict=True)
            }
        else:
            entry.text = value
        sent[question.id] = entry
    with app.app_context():
        services.submit_response(
            db.session.get(Survey, survey_ref.id),
            services.Respondent(user=db.session.get(User, user.id)),
            sent,
        )
        db.session.commit()


@pytest.fixture
def answered(app, town, process, make_survey, make_member):
    """Four responses whose figures are worked out by hand in the tests below."""
    survey = make_survey(process, xss=False, results_visibility="live")
    members = {
        "a": make_member(town, Role.CITIZEN),
        "b": make_member(town, Role.CITIZEN),
        "c": make_member(town, Role.COUNCIL),
        "d": make_member(town, Role.STAFF),
    }
    submit(
        app,
        survey,
        members["a"],
        single=0,
        multiple=[0, 1],
        yes_no=1,
        scale=5,
        ranking=[1, 2, 3],
        short_text="Schatten",
        long_text="Idee A",
    )
    submit(
        app,
        survey,
        members["b"],
        single=0,
        multiple=[1, 2],
        yes_no=0,
        scale=4,
        ranking=[2, 1, 3],
        long_text="=1+1",
    )
    submit(
        app,
        survey,
        members["c"],
        single="other:Nachts",
        multiple=[0, 1, 3],
        yes_no=1,
        scale=2,
        ranking=[1, 3, 2],
    )
    submit(app, survey, members["d"], single=1, scale=4, short_text="Licht")
    return survey


def _compute(app, survey_ref, **kwargs):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        survey = db.session.get(Survey, survey_ref.id)
        figures = results.compute(survey, **kwargs)
        return {r.question.type.value: r for r in figures.questions}, figures


def _rows(result):
    return [(row.label, row.count, round(row.percent, 1)) for row in result.rows]


def test_results_match_hand_computed_figures(app, answered):
    by_type, figures = _compute(app, answered)
    assert figures.total == 4
    assert figures.by_group == {
        TrialogGroup.CITIZENS: 2,
        TrialogGroup.ADMINISTRATION: 1,
        TrialogGroup.COUNCIL: 1,
        TrialogGroup.FACILITATION: 0,
    }
    single = by_type["single"]
    assert single.answered == 4
    assert _rows(single) == [
        ("Täglich", 2, 50.0),
        ("Wöchentlich", 1, 25.0),
        ("Selten", 0, 0.0),
        ("Other", 1, 25.0),
    ]
    multiple = by_type["multiple"]
    assert multiple.answered == 3
    assert _rows(multiple) == [
        ("Bänke", 2, 66.7),
        ("Bäume", 3, 100.0),
        ("Wasser", 1, 33.3),
        ("Spielgeräte", 1, 33.3),
    ]
    assert _rows(by_type["yes_no"]) == [("Yes", 2, 66.7), ("No", 1, 33.3)]
    scale = by_type["scale"]
    assert scale.answered == 4
    assert [r[1] for r in _rows(scale)] == [0, 1, 0, 2, 1]
    assert scale.rows[0].label == "1 (unwichtig)" and scale.rows[4].label == "5 (sehr wichtig)"
    assert scale.mean == pytest.approx(3.75)  # (5 + 4 + 2 + 4) / 4
    assert scale.median == 4.0  # 2, 4, 4, 5
    ranking = by_type["ranking"]
    assert ranking.answered == 3
    assert [(label, round(avg, 3), n) for label, avg, n in ranking.average_ranks] == [
        ("Grün", 1.333, 3),  # (1 + 2 + 1) / 3
        ("Markt", 2.0, 3),  # (2 + 1 + 3) / 3
        ("Feste", 2.667, 3),  # (3 + 3 + 2) / 3
    ]
    assert [r[1] for r in _rows(ranking)] == [2, 1, 0]  # ranked first
    assert by_type["short_text"].texts == 2
    assert by_type["long_text"].texts == 2
    assert single.texts == 1


def test_results_of_one_trialog_group(app, answered):
    by_type, figures = _compute(app, answered, group=TrialogGroup.CITIZENS)
    assert figures.total == 2
    assert _rows(by_type["single"])[0] == ("Täglich", 2, 100.0)
    assert by_type["scale"].mean == pytest.approx(4.5)
    assert by_type["scale"].median == 4.5
    assert by_type["short_text"].texts == 1


def test_the_results_page_shows_charts_and_tables_with_the_same_figures(client, town, answered):
    html = client.get(
        f"/{town.slug}/processes/{answered.process_slug}/surveys/{answered.id}/results"
    ).get_data(as_text=True)
    assert html.count('role="img"') == 5  # single, multiple, yes/no, scale, ranking
    assert 'aria-labelledby="chart-' in html and '<title id="chart-' in html
    assert "66.7\u00a0%" in html  # table and chart carry the same figure
    assert "3.75" in html and ">4<" in html  # mean and median
    assert "1.33" in html and "2.67" in html  # average ranks
    assert "Responses by trialog group" not in html  # the breakdown is internal


def test_charts_escape_option_labels(app, client, town, process, make_survey, make_member):
    survey = make_survey(process, results_visibility="live")
    submit(app, survey, make_member(town), single=0)
    html = client.get(
        f"/{town.slug}/processes/{survey.process_slug}/surveys/{survey.id}/results"
    ).get_data(as_text=True)
    assert "<script>window" not in html
    assert "&lt;script&gt;" in html


def _hide(app, text: str) -> None:
    with app.app_context():
        contribution_id = db.session.scalar(
            select(Answer.contribution_id).where(Answer.text == text)
        )
        db.session.get(Contribution, contribution_id).visibility = Visibility.HIDDEN
        db.session.commit()


def test_hidden_free_texts_are_not_shown_publicly(app, client, login, town, answered, make_member):
    _hide(app, "Licht")
    url = f"/{town.slug}/processes/{answered.process_slug}/surveys/{answered.id}/results/{answered.q('short_text').id}/texts"
    public = client.get(url).get_data(as_text=True)
    assert "Schatten" in public and "Licht" not in public
    login(client, make_member(town, Role.STAFF))
    internal = client.get(url).get_data(as_text=True)
    assert "Licht" in internal and "hidden by moderation" in internal


def test_free_texts_are_paginated(app, client, town, process, make_survey, make_member):
    survey = make_survey(process, xss=False, results_visibility="live")
    for n in range(23):
        submit(app, survey, make_member(town), single=0, short_text=f"Antwort {n:02d}")
    url = f"/{town.slug}/processes/{survey.process_slug}/surveys/{survey.id}/results/{survey.q('short_text').id}/texts"
    first = client.get(url).get_data(as_text=True)
    assert "Antwort 00" in first and "Antwort 19" in first and "Antwort 20" not in first
    second = client.get(url + "?page=2").get_data(as_text=True)
    assert "Antwort 22" in second and "Antwort 00" not in second


def test_staff_break_results_down_by_trialog_group(client, login, town, answered, make_member):
    login(client, make_member(town, Role.STAFF))
    base = f"/{town.slug}/processes/{answered.process_slug}/surveys/{answered.id}/results"
    html = client.get(base).get_data(as_text=True)
    assert "Responses by trialog group" in html
    council = client.get(base + "?group=council").get_data(as_text=True)
    assert "1 response from the group" in council
    assert client.get(base + "?group=nonsense").status_code == 404


def test_citizens_cannot_break_results_down(client, login, town, answered, make_member):
    login(client, make_member(town, Role.CITIZEN))
    base = f"/{town.slug}/processes/{answered.process_slug}/surveys/{answered.id}/results"
    html = client.get(base + "?group=council").get_data(as_text=True)
    assert "4 responses in total" in html


@pytest.mark.parametrize(
    ("visibility", "closed", "role", "status"),
    [
        ("live", False, None, 200),
        ("after_close", False, Role.CITIZEN, 403),
        ("after_close", False, Role.COUNCIL, 200),
        ("after_close", True, Role.CITIZEN, 200),
        ("after_close", True, None, 200),
        ("internal", True, Role.CITIZEN, 403),
        ("internal", True, Role.COUNCIL, 200),
        ("internal", True, Role.MODERATOR, 200),
    ],
)
def test_who_sees_results_when(
    client, login, town, make_process, make_survey, make_member, visibility, closed, role, status
):
    now = utcnow()
    process = make_process(town)
    survey = make_survey(
        process,
        results_visibility=visibility,
        schedule="own",
        opens_at=now - timedelta(days=5),
        closes_at=now - timedelta(days=1) if closed else now + timedelta(days=1),
    )
    if role is not None:
        login(client, make_member(town, role))
    response = client.get(f"/{town.slug}/processes/{process.slug}/surveys/{survey.id}/results")
    if status == 403 and role is None:
        assert response.status_code == 302
    else:
        assert response.status_code == status


def test_results_page_queries_do_not_grow_with_responses(
    app, client, login, town, process, make_survey, make_member, count_queries
):
    survey = make_survey(process, xss=False, results_visibility="live")
    staff = make_member(town, Role.STAFF)
    login(client, staff)
    url = f"/{town.slug}/processes/{survey.process_slug}/surveys/{survey.id}/results"

    def measure() -> int:
        with count_queries() as counted:
            assert client.get(url).status_code == 200
        return counted.count

    submit(app, survey, make_member(town), single=0, scale=3, ranking=[1, 2, 3], short_text="a")
    few = measure()
    for n in range(12):
        submit(
            app,
            survey,
            make_member(town, Role.COUNCIL if n % 2 else Role.CITIZEN),
            single=n % 3,
            multiple=[0, 1],
            yes_no=n % 2,
            scale=1 + n % 5,
            ranking=[1, 3, 2],
            short_text=f"t{n}",
            long_text=f"l{n}",
        )
    assert measure() == few


@pytest.mark.parametrize("kwargs", [{}, {"include_hidden": True}, {"group": TrialogGroup.CITIZENS}])
def test_figures_are_two_statements_the_groups_and_one_for_every_aggregate(
    app, answered, count_queries, kwargs
):
    from app.municipalities.models import Municipality
    from app.surveys.services import get_survey

    with app.test_request_context():
        town = db.session.get(Municipality, db.session.get(Survey, answered.id).municipality_id)
        db.session.expunge_all()
        with count_queries() as loading:
            survey = get_survey(town, answered.id)  # its questions and options with it
        assert sum(len(q.options) for q in survey.questions) > 0
        with count_queries() as counted:
            results.compute(survey, **kwargs)
    assert (loading.count, counted.count) == (1, 2)


@pytest.mark.parametrize("reader", ["visitor", "staff"])
def test_results_page_queries_do_not_grow_with_questions_and_options(
    client, login, town, process, make_survey, make_member, count_queries, reader
):
    from tests.conftest import EVERY_QUESTION_TYPE

    if reader == "staff":
        login(client, make_member(town, Role.STAFF))

    def measure(questions) -> int:
        survey = make_survey(process, xss=False, results_visibility="live", questions=questions)
        url = f"/{town.slug}/processes/{survey.process_slug}/surveys/{survey.id}/results"
        client.get(url)
        with count_queries() as counted:
            assert client.get(url).status_code == 200
        return counted.count

    one_of_each = measure(EVERY_QUESTION_TYPE)
    many = [
        dict(spec, text=f"{spec['text']} {n}", options=[*spec.get("options", []), "x", "y"])
        if spec.get("options")
        else dict(spec, text=f"{spec['text']} {n}")
        for n in range(4)
        for spec in EVERY_QUESTION_TYPE
    ]
    assert measure(many) == one_of_each


# --- exports ------------------------------------------------------------------------------------


def _export(client, login, town, survey, make_member, kind):
    login(client, make_member(town, Role.STAFF))
    return client.get(f"/{town.slug}/admin/surveys/{survey.id}/export.{kind}")


EXPECTED_A = {
    "Group": "Citizens",
    "1. Wie oft": "Täglich",
    "1. Wie oft: Other, namely": "",
    "2. Was fehlt: Bänke": "1",
    "2. Was fehlt: Bäume": "1",
    "2. Was fehlt: Wasser": "",
    "3. Autofrei": "Yes",
    "4. Wie wichtig": "5",
    "5. Reihenfolge: Grün": "1",
    "5. Reihenfolge: Markt": "2",
    "5. Reihenfolge: Feste": "3",
    "6. Ein Wort": "Schatten",
    "7. Ihre Idee": "Idee A",
}


def test_csv_export_has_one_row_per_response_and_opens_with_umlauts(
    app, client, login, town, answered, make_member
):
    _hide(app, "Licht")
    response = _export(client, login, town, answered, make_member, "csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 4
    a, b, c, d = rows
    for column, value in EXPECTED_A.items():
        assert a[column] == value, column
    assert b["7. Ihre Idee"] == "'=1+1"  # no formula runs when a spreadsheet opens it
    assert c["1. Wie oft"] == "Other" and c["1. Wie oft: Other, namely"] == "Nachts"
    assert c["Group"] == "Council" and d["Group"] == "Administration"
    assert d["6. Ein Wort"] == "[hidden by moderation]"
    assert sum(int(r["2. Was fehlt: Bäume"] or 0) for r in rows) == 3


def test_xlsx_export_parses_back_to_the_same_figures(
    app, client, login, town, answered, make_member
):
    response = _export(client, login, town, answered, make_member, "xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert len(rows) == 4
    records = [dict(zip(header, row, strict=True)) for row in rows]
    assert records[0]["1. Wie oft"] == "Täglich"
    assert records[0]["4. Wie wichtig"] == 5
    assert records[1]["7. Ihre Idee"] == "=1+1"  # stored as text, not as a formula
    assert sheet.cell(row=3, column=header.index("7. Ihre Idee") + 1).data_type == "s"
    scale = [r["4. Wie wichtig"] for r in records]
    assert sum(scale) / len(scale) == 3.75
    assert [records[i]["5. Reihenfolge: Grün"] for i in range(3)] == [1, 2, 1]


def test_exports_of_an_anonymous_survey_name_nobody(
    app, client, login, town, answered, make_member
):
    html = _export(client, login, town, answered, make_member, "csv").get_data().decode("utf-8-sig")
    with app.app_context():
        from app.accounts.models import User

        for user in db.session.scalars(select(User)):
            assert user.email not in html and user.display_name not in html


def test_csv_export_streams_and_formats_dates_as_babel_does(
    app, client, login, town, answered, make_member
):
    """City scale: the export leaves in pieces while it is read (a worker never holds the whole
    file), with each response's time written as Babel would, in the reader's time zone."""
    from datetime import UTC, datetime

    from flask_babel import format_datetime

    from app.core.spreadsheets import minute_formatter

    response = _export(client, login, town, answered, make_member, "csv")
    assert response.status_code == 200 and response.is_streamed
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 4 and all(len(r["Date"]) == 16 for r in rows)
    with app.test_request_context("/"):
        minute = minute_formatter()
        for moment in (
            datetime(2026, 3, 29, 0, 59, tzinfo=UTC),  # the night the clocks go forward
            datetime(2026, 3, 29, 1, 1, tzinfo=UTC),
            datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # and back
            datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
            datetime(2026, 7, 1, 12, 0),  # stored without a zone: UTC
        ):
            assert minute(moment) == format_datetime(moment, "yyyy-MM-dd HH:mm"), moment
