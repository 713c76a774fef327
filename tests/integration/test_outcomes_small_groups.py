"""Small groups stay anonymous: every breakdown by trialog group hides a group with fewer people
than ``MIN_GROUP_SIZE`` (survey results, their texts, the CSV/XLSX exports; the report's own
breakdown is tested in test_outcomes.py), and says so."""

from __future__ import annotations

import csv
import io

import outcomes_support
import pytest
from openpyxl import load_workbook
from test_surveys_results import submit

from app.core.roles import Role, TrialogGroup
from app.extensions import db
from app.surveys import results
from app.surveys.models import Survey

english = outcomes_support.english
town = outcomes_support.town


@pytest.fixture
def survey(app, town, make_process, make_survey, make_member):
    """An anonymous survey answered by five citizens and one council member."""
    process = make_process(town, formats=("surveys",), xss=False)
    ref = make_survey(process, xss=False, results_visibility="live", anonymous=True)
    for n in range(5):
        submit(app, ref, make_member(town, Role.CITIZEN), single=0, short_text=f"Bürger {n}")
    submit(app, ref, make_member(town, Role.COUNCIL), single=1, short_text="Ratsmeinung")
    return ref


def _base(town, survey) -> str:
    return f"/{town.slug}/processes/{survey.process_slug}/surveys/{survey.id}/results"


def test_a_group_below_the_minimum_cannot_be_broken_out(app, survey):
    with app.test_request_context():
        loaded = db.session.get(Survey, survey.id)
        figures = results.compute(loaded)
        assert figures.small_groups == {TrialogGroup.COUNCIL}
        assert figures.total == 6  # the council member's answer still counts overall
        results.compute(loaded, group=TrialogGroup.CITIZENS)  # five people: fine
        with pytest.raises(results.GroupTooSmall):
            results.compute(loaded, group=TrialogGroup.COUNCIL)


def test_results_page_says_the_small_group_is_hidden(client, login, town, survey, make_member):
    login(client, make_member(town, Role.STAFF))
    html = client.get(_base(town, survey)).get_data(as_text=True)
    assert "fewer than 5" in html and "are not shown on their own" in html
    assert "group=council" not in html
    assert client.get(_base(town, survey) + "?group=council").status_code == 404
    assert client.get(_base(town, survey) + "?group=citizens").status_code == 200


def test_free_texts_are_never_attributed_to_a_small_group(client, login, town, survey, make_member):
    login(client, make_member(town, Role.STAFF))
    url = f"{_base(town, survey)}/{survey.q('short_text').id}/texts"
    html = client.get(url).get_data(as_text=True)
    assert "Ratsmeinung" in html  # the text is there, as part of all answers
    assert "badge-council" not in html and "badge-citizens" in html
    filtered = client.get(url + "?group=council").get_data(as_text=True)
    assert "Ratsmeinung" not in filtered


def test_exports_do_not_name_a_small_group(client, login, town, survey, make_member):
    login(client, make_member(town, Role.STAFF))
    base = f"/{town.slug}/admin/surveys/{survey.id}/export"
    text = client.get(base + ".csv").data.decode("utf-8-sig")
    groups = [row["Group"] for row in csv.DictReader(io.StringIO(text), delimiter=";")]
    assert sorted(groups) == ["Citizens"] * 5 + ["[group with fewer than 5 people]"]
    sheet = load_workbook(io.BytesIO(client.get(base + ".xlsx").data)).active
    cells = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "Council" not in cells and "[group with fewer than 5 people]" in cells


def test_the_minimum_is_configurable(app, client, login, town, survey, make_member, monkeypatch):
    monkeypatch.setitem(app.config, "MIN_GROUP_SIZE", 1)
    login(client, make_member(town, Role.STAFF))
    assert client.get(_base(town, survey) + "?group=council").status_code == 200
