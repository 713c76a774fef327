"""The report's kept participation figures (``app.outcomes.kept``): exact while counting is cheap,
at most ``REPORT_FIGURES_MAX_AGE`` old and marked with their time where it is expensive, counted by
one view at a time, counted again on a staff member's request, and the page's statements flat with
the data. Expensive counts are simulated with ``REPORT_FIGURES_SLOW_SECONDS = 0``."""

from __future__ import annotations

import re
from datetime import timedelta

import outcomes_support
import pytest
from events_support import csrf_of
from proposals_support import create_proposal
from sqlalchemy import select, update

from app.core.roles import Role
from app.core.time import utcnow
from app.extensions import db
from app.outcomes import kept
from app.outcomes.models import ReportFigures
from app.processes.models import Process

DAY = timedelta(days=1)
AS_OF = "As of "
RECOUNT = "Recompute now"


english = outcomes_support.english
town = outcomes_support.town
evaluating = outcomes_support.evaluating


@pytest.fixture
def process(evaluating):
    return evaluating


@pytest.fixture
def staff(town, make_member):
    return make_member(town, Role.STAFF, xss=False)


@pytest.fixture
def citizen(town, make_member):
    return make_member(town, Role.CITIZEN, xss=False)


@pytest.fixture
def expensive(app, monkeypatch):
    """Every count counts as expensive."""
    monkeypatch.setitem(app.config, "REPORT_FIGURES_SLOW_SECONDS", 0.0)


def _url(town, process, suffix: str = "report") -> str:
    return f"/{town.slug}/processes/{process.slug}/{suffix}"


def _contributions(html: str) -> int:
    return int(re.search(r"<dt>Contributions</dt><dd>(\d+)</dd>", html).group(1))


def _report(client, town, process) -> str:
    response = client.get(_url(town, process))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _age(app, process, seconds: float) -> None:
    """Make the kept count of ``process`` ``seconds`` older."""
    with app.app_context():
        row = db.session.get(ReportFigures, process.id)
        db.session.execute(
            update(ReportFigures)
            .where(ReportFigures.process_id == process.id)
            .values(computed_at=row.computed_at - timedelta(seconds=seconds))
        )
        db.session.commit()


def test_a_cheap_count_shows_every_write_at_once(app, client, login, town, process, staff, citizen):
    create_proposal(app, process, citizen, xss=False)
    login(client, staff)
    html = _report(client, town, process)
    assert _contributions(html) == 1 and AS_OF not in html and RECOUNT not in html
    create_proposal(app, process, citizen, xss=False)
    html = _report(client, town, process)
    assert _contributions(html) == 2 and AS_OF not in html


def test_an_unchanged_generation_reuses_the_count_a_new_one_counts_again(
    app, process, citizen, monkeypatch, count_queries
):
    generation = {"now": 7}
    monkeypatch.setattr(kept.page_cache, "generation", lambda: generation["now"])
    create_proposal(app, process, citizen, xss=False)
    with app.app_context():
        first = kept.figures(db.session.get(Process, process.id), utcnow())
        assert first.live and first.figures.contributions == 1
    create_proposal(app, process, citizen, xss=False)  # a write the fake generation misses
    with app.app_context(), count_queries() as counted:
        again = kept.figures(db.session.get(Process, process.id), utcnow())
    assert again.live and again.computed_at == first.computed_at
    assert again.figures.contributions == 1 and counted.count <= 4  # read, not counted
    generation["now"] = 8
    with app.app_context():
        fresh = kept.figures(db.session.get(Process, process.id), utcnow())
    assert fresh.live and fresh.figures.contributions == 2


def test_an_expensive_count_is_reused_up_to_its_maximum_age_and_says_when_it_was_made(
    app, client, login, town, process, staff, citizen, expensive
):
    create_proposal(app, process, citizen, xss=False)
    login(client, staff)
    assert AS_OF not in _report(client, town, process)  # the first count is made for this view
    create_proposal(app, process, citizen, xss=False)
    html = _report(client, town, process)
    assert _contributions(html) == 1  # the kept count, one write behind
    assert AS_OF in html and RECOUNT in html
    _age(app, process, app.config["REPORT_FIGURES_MAX_AGE"] - 5)
    assert _contributions(_report(client, town, process)) == 1
    _age(app, process, 10)  # now older than the maximum
    html = _report(client, town, process)
    assert _contributions(html) == 2 and AS_OF not in html


def test_german_pages_say_stand(app, client, login, town, process, staff, citizen, expensive):
    create_proposal(app, process, citizen, xss=False)
    login(client, staff)
    client.get("/lang/de")
    _report(client, town, process)
    create_proposal(app, process, citizen, xss=False)
    html = _report(client, town, process)
    assert "Stand: " in html and "Jetzt neu berechnen" in html


def test_while_one_view_counts_the_others_serve_the_previous_count(
    app, process, citizen, expensive
):
    create_proposal(app, process, citizen, xss=False)
    with app.app_context():
        kept.figures(db.session.get(Process, process.id), utcnow())
    create_proposal(app, process, citizen, xss=False)
    _age(app, process, app.config["REPORT_FIGURES_MAX_AGE"] + 1)
    with app.app_context():  # another worker claimed the recount a moment ago
        assert kept._claim(process.id, utcnow(), 0.0)
        waiting = kept.figures(db.session.get(Process, process.id), utcnow())
        assert not waiting.live and waiting.figures.contributions == 1
        recount = kept.figures(db.session.get(Process, process.id), utcnow(), recount=True)
        assert not recount.live and recount.figures.contributions == 1  # not a second count
    with app.app_context():  # its claim expired: that worker died
        later = utcnow() + timedelta(seconds=kept.MIN_LEASE + 1)
        counted = kept.figures(db.session.get(Process, process.id), later)
        assert counted.live and counted.figures.contributions == 2
        assert db.session.get(ReportFigures, process.id).refreshing_until is None


def test_a_view_waits_for_the_first_count_another_view_is_making(
    app, process, citizen, monkeypatch
):
    create_proposal(app, process, citizen, xss=False)
    monkeypatch.setattr(kept, "FIRST_WAIT", 0.3)
    monkeypatch.setattr(kept, "POLL", 0.05)
    with app.app_context():
        assert kept._claim_first(process.id, utcnow())  # the other view
        assert not kept._claim_first(process.id, utcnow())
        counted = kept.figures(db.session.get(Process, process.id), utcnow())
    assert counted.live and counted.figures.contributions == 1  # it never came: counted here


def test_the_scheduler_counts_expensive_processes_before_their_count_expires(
    app, process, citizen, expensive
):
    create_proposal(app, process, citizen, xss=False)
    with app.app_context():
        kept.figures(db.session.get(Process, process.id), utcnow())
        assert kept.count_ahead(utcnow()) == 0  # young enough
    create_proposal(app, process, citizen, xss=False)
    _age(app, process, app.config["REPORT_FIGURES_MAX_AGE"] / 2 + 1)
    with app.app_context():
        assert kept.count_ahead(utcnow()) == 1
        row = db.session.get(ReportFigures, process.id)
        assert row.data["proposals"] == 2 and row.refreshing_until is None


def test_staff_recount_the_figures_with_the_button(
    app, client, login, town, process, staff, citizen, expensive, monkeypatch
):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    create_proposal(app, process, citizen, xss=False)
    login(client, staff)
    _report(client, town, process)
    create_proposal(app, process, citizen, xss=False)
    html = _report(client, town, process)
    assert _contributions(html) == 1
    url = _url(town, process, "report/figures")
    assert client.post(url, data={}).status_code == 400  # no CSRF token
    response = client.post(url, data={"csrf_token": csrf_of(html)})
    assert response.status_code == 302 and response.location.endswith(_url(town, process))
    html = _report(client, town, process)
    assert _contributions(html) == 2 and "counted again" in html


@pytest.mark.parametrize(("role", "status"), [(Role.COUNCIL, 403), (Role.CITIZEN, 403)])
def test_only_those_who_run_the_process_may_recount(
    app, client, login, town, process, citizen, make_member, role, status, expensive
):
    create_proposal(app, process, citizen, xss=False)
    with app.app_context():
        kept.figures(db.session.get(Process, process.id), utcnow())
    create_proposal(app, process, citizen, xss=False)
    login(client, make_member(town, role, xss=False))
    assert client.post(_url(town, process, "report/figures")).status_code == status
    if role == Role.COUNCIL:
        html = _report(client, town, process)
        assert AS_OF in html and RECOUNT not in html  # council reads, does not recount
    with app.app_context():
        assert db.session.get(ReportFigures, process.id).data["proposals"] == 1


def test_other_municipalities_staff_cannot_recount(
    app, client, login, town, process, make_municipality, make_member
):
    other = make_municipality(xss=False)
    login(client, make_member(other, Role.STAFF, xss=False))
    assert client.post(_url(town, process, "report/figures")).status_code in {403, 404}
    assert client.post(_url(other, process, "report/figures")).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(ReportFigures)) is None


def test_the_pdf_shows_the_same_kept_figures_with_their_time(
    app, client, login, town, process, staff, citizen, expensive
):
    from io import BytesIO

    from pypdf import PdfReader

    create_proposal(app, process, citizen, xss=False)
    login(client, staff)
    _report(client, town, process)
    create_proposal(app, process, citizen, xss=False)
    pdf = client.get(_url(town, process, "report.pdf"))
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf.data)).pages)
    assert "Participation figures as of" in text


def test_the_report_runs_as_many_statements_for_many_proposals_as_for_one(
    app, client, login, town, process, staff, citizen, make_member, count_queries
):
    create_proposal(app, process, citizen, xss=False)
    login(client, staff)
    _report(client, town, process)
    with count_queries() as few:
        _report(client, town, process)
    for _n in range(6):
        create_proposal(app, process, make_member(town, Role.CITIZEN, xss=False), xss=False)
    _report(client, town, process)
    with count_queries() as many:
        _report(client, town, process)
    assert many.count == few.count
