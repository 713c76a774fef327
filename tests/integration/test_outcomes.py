"""The outcomes domain: the report's figures against a hand-built data set, its exports (PDF text,
CSV parsed back, JSON), council statements and decisions, publishing the outcome, "Mein Beitrag",
and who sees what (council and staff the report, citizens only what is published, other towns
nothing)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import outcomes_support
import pytest
from proposals_support import create_proposal
from pypdf import PdfReader
from sqlalchemy import select

from app.accounts.models import User
from app.comments.models import Comment
from app.contributions.models import Contribution, Thread, Visibility
from app.core.audit import AuditEntry
from app.core.roles import Role, TrialogGroup
from app.core.time import utcnow
from app.extensions import db
from app.moderation.models import Report, ReportReason
from app.outcomes import reports, services, signals
from app.outcomes.models import CouncilDecision, CouncilStatement, Outcome
from app.processes.models import PhaseKind, Process
from app.proposals.models import Proposal, ProposalSettings, ProposalSupport
from app.proposals.services import recompute_answer_due

DAY = timedelta(days=1)
WEEK1 = datetime(2026, 3, 3, 10, tzinfo=UTC)  # a Tuesday; its week begins Monday 2 March
WEEK3 = datetime(2026, 3, 18, 10, tzinfo=UTC)  # a Wednesday; week of 16 March


english = outcomes_support.english
town = outcomes_support.town
evaluating = outcomes_support.evaluating


def _comment(
    process_id, author: User, thread_id: int, created_at, *, visibility="visible", agree=0
):
    process = db.session.get(Process, process_id)
    contribution = Contribution(
        municipality_id=process.municipality_id,
        process_id=process.id,
        author=author,
        author_group=author.group_in(process.municipality),
        kind="comment",
        visibility=Visibility(visibility),
        created_at=created_at,
    )
    comment = Comment(
        contribution=contribution,
        thread_id=thread_id,
        source="Kommentar",
        body="<p>Kommentar</p>",
        agree_count=agree,
    )
    db.session.add(comment)
    thread = db.session.get(Thread, thread_id)
    thread.comment_count += 1
    return comment


@pytest.fixture
def data(app, town, evaluating, make_member):
    """The hand-built data set the figure tests count by hand.

    - citizens c1..c6 (6 people), staff s1, council k1, citizen c7 who only supports;
    - proposals: P1 by c1 and P2 by c2 (week 1), P3 by s1 (week 3);
    - comments on P1 by c3, c4, c5 (week 1) and c6 (week 3, hidden by moderation), on P2 by k1
      (week 3); c1 deleted a comment of theirs (not counted);
    - supports: P1 by c6, s1, c7 (so 9 distinct people took part); P2 by c7;
    - promise: 1 support, 7 days. P1 answered 3 days after its first support (on time), P2 never
      (overdue); P3 has no support (not covered);
    - one report (spam) on P2.
    """
    c = {n: make_member(town, Role.CITIZEN, xss=False) for n in range(1, 8)}
    s1 = make_member(town, Role.STAFF, xss=False)
    k1 = make_member(town, Role.COUNCIL, xss=False)
    p1 = create_proposal(app, evaluating, c[1], xss=False, title="Bänke", created_at=WEEK1)
    p2 = create_proposal(app, evaluating, c[2], xss=False, title="Bäume", created_at=WEEK1)
    p3 = create_proposal(app, evaluating, s1, xss=False, title="Radweg", created_at=WEEK3)
    with app.app_context():
        users = {n: db.session.get(User, u.id) for n, u in c.items()}
        staff, council = db.session.get(User, s1.id), db.session.get(User, k1.id)
        proposals = {n: db.session.get(Proposal, pid) for n, pid in ((1, p1), (2, p2), (3, p3))}
        t1, t2 = proposals[1].thread_id, proposals[2].thread_id
        _comment(evaluating.id, users[3], t1, WEEK1, agree=4)
        _comment(evaluating.id, users[4], t1, WEEK1, agree=2)
        _comment(evaluating.id, users[5], t1, WEEK1)
        _comment(evaluating.id, users[6], t1, WEEK3, visibility="hidden", agree=9)
        _comment(evaluating.id, council, t2, WEEK3)
        _comment(evaluating.id, users[1], t2, WEEK3, visibility="deleted")
        db.session.add(
            ProposalSettings(process_id=evaluating.id, answer_threshold=1, answer_days=7)
        )
        for pid, user, when in (
            (p1, users[6], WEEK1),
            (p1, staff, WEEK1 + DAY),
            (p1, users[7], WEEK1 + 2 * DAY),
            (p2, users[7], WEEK1),
        ):
            db.session.add(ProposalSupport(proposal_id=pid, user_id=user.id, created_at=when))
        proposals[1].support_count, proposals[2].support_count = 3, 1
        proposals[1].answered_at = WEEK1 + 3 * DAY
        db.session.add(
            Report(
                municipality_id=town.id,
                contribution_id=proposals[2].contribution_id,
                reporter_id=users[3].id,
                reason=ReportReason.SPAM,
            )
        )
        db.session.flush()
        # Support rows written directly: keep the promise's deadlines as the services do.
        recompute_answer_due(db.session.get(Process, evaluating.id))
        db.session.commit()
    return {"citizens": c, "staff": s1, "council": k1, "proposals": (p1, p2, p3)}


def _process(process) -> Process:
    return db.session.get(Process, process.id)


# --- figures ------------------------------------------------------------------------------------


def test_report_figures_match_the_hand_built_data_set(app, evaluating, data):
    with app.test_request_context():
        figures = reports.figures(_process(evaluating), utcnow())
    assert figures.participants == 9  # c1..c7, s1, k1
    assert figures.contributions == 8  # 3 proposals, 5 comments (the deleted one not)
    assert {c.key: c.count for c in figures.by_kind} == {"comment": 5, "proposal": 3}
    groups = {g.group: g for g in figures.by_group}
    assert (groups[TrialogGroup.CITIZENS].contributions, groups[TrialogGroup.CITIZENS].people) == (
        6,
        6,
    )
    assert not groups[TrialogGroup.CITIZENS].hidden
    assert groups[TrialogGroup.ADMINISTRATION].hidden and groups[TrialogGroup.COUNCIL].hidden
    assert not groups[TrialogGroup.FACILITATION].hidden  # nobody: nothing to hide
    assert figures.weeks == [(date(2026, 3, 2), 5), (date(2026, 3, 9), 0), (date(2026, 3, 16), 3)]
    assert (figures.proposals, figures.answered) == (3, 1)
    assert (figures.record.on_time, figures.record.late, figures.record.overdue) == (1, 0, 1)
    assert figures.on_time_percent == 50.0
    assert figures.moderation.reports == 1
    assert [(c.key, c.count) for c in figures.moderation.by_reason] == [("spam", 1)]
    assert figures.moderation.hidden_now == 1


def test_unlinked_supports_of_deleted_accounts_are_not_counted_as_one_more_participant(
    app, evaluating, data
):
    """Deleting an account keeps its supports counted on the proposal but unlinks them."""
    with app.app_context():
        for support in db.session.scalars(select(ProposalSupport)):
            support.user_id = None
        db.session.commit()
    with app.test_request_context():
        figures = reports.figures(_process(evaluating), utcnow())
    assert figures.participants == 8  # c1..c6, s1 and k1 wrote; c7 only supported


def test_most_discussed_and_most_agreed_skip_hidden_comments(app, evaluating, data):
    p1, p2, _p3 = data["proposals"]
    with app.test_request_context():
        process = _process(evaluating)
        assert [p.id for p in reports.most_discussed(process)] == [p1, p2]
        agreed = reports.most_agreed(process)
    assert [a.comment.agree_count for a in agreed] == [4, 2]  # the hidden one with 9 is left out
    assert all(a.url for a in agreed)  # each links to its place


def test_ranked_proposals_filter_by_status(app, evaluating, data):
    p1, p2, p3 = data["proposals"]
    with app.app_context():
        process = _process(evaluating)
        assert [p.id for p in db.session.scalars(reports.ranked_proposals(process))] == [
            p1,
            p2,
            p3,
        ]
        submitted = db.session.scalars(reports.ranked_proposals(process, status="submitted"))
        assert {p.id for p in submitted} == {p1, p2, p3}
        assert not db.session.scalars(reports.ranked_proposals(process, status="rejected")).all()


# --- who reads the report -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.COUNCIL, 200),
        (Role.STAFF, 200),
        (Role.FACILITATOR, 200),
        (Role.ADMIN, 200),
        (Role.MODERATOR, 403),
        (Role.CITIZEN, 403),
    ],
)
def test_council_and_staff_read_the_report_citizens_do_not(
    client, login, town, evaluating, data, make_member, role, status
):
    login(client, make_member(town, role))
    response = client.get(f"/{town.slug}/processes/{evaluating.slug}/report")
    assert response.status_code == status
    if status == 200:
        html = response.get_data(as_text=True)
        assert "not shown (fewer than 5 people)" in html  # administration and council
        assert "Bänke" in html and ">9<" in html  # ranked proposal, participants


def test_other_municipalities_see_nothing(
    client, login, town, evaluating, data, make_municipality, make_member
):
    other = make_municipality(xss=False)
    login(client, make_member(other, Role.STAFF))
    for suffix in ("report", "report.pdf", "report.csv", "report.json"):
        assert client.get(f"/{town.slug}/processes/{evaluating.slug}/{suffix}").status_code == 403
    login(client, make_member(other, Role.COUNCIL))
    assert client.get(f"/{town.slug}/council/").status_code == 403
    # and their own town's address finds no process of ours
    assert client.get(f"/{other.slug}/processes/{evaluating.slug}/report").status_code == 404


def test_unknown_filter_values_are_404(client, login, town, evaluating, data):
    login(client, data["staff"])
    base = f"/{town.slug}/processes/{evaluating.slug}/report"
    assert client.get(base + "?status=nonsense").status_code == 404
    assert client.get(base + "?category=999999").status_code == 404
    assert client.get(base + "?status=accepted").status_code == 200


# --- exports ------------------------------------------------------------------------------------


def test_pdf_has_title_page_contents_page_numbers_and_figures(
    client, login, town, evaluating, data
):
    login(client, data["council"])
    response = client.get(f"/{town.slug}/processes/{evaluating.slug}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) >= 4
    first = reader.pages[0].extract_text()
    assert evaluating.title in first and "Consolidated report of the participation" in first
    assert "Contents" in reader.pages[1].extract_text()
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert f"Page 2 / {len(reader.pages)}" in text
    assert "People who took part" in text and "Bänke" in text
    assert "not shown (fewer than 5 people)" in text


def _csv_rows(response) -> list[dict]:
    text = response.data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_csv_names_groups_only_unless_the_process_allows_names(
    app, client, login, town, evaluating, data
):
    login(client, data["staff"])
    url = f"/{town.slug}/processes/{evaluating.slug}/report.csv"
    rows = _csv_rows(client.get(url))
    assert len(rows) == 8
    assert "Author" not in rows[0]
    groups = [row["Group"] for row in rows]
    assert groups.count("Citizens") == 6
    assert groups.count("[group with fewer than 5 people]") == 2  # staff's and council's
    hidden = next(row for row in rows if row["State"] == "hidden by moderation")
    assert hidden["Text"] == "[hidden by moderation]" and hidden["Address"] == ""
    shown = [row for row in rows if row["Address"]]
    assert shown and all(
        row["Address"].startswith(app.config["PUBLIC_URL"] + f"/{town.slug}/") for row in shown
    )
    names = {u.display_name for u in data["citizens"].values()}
    assert not any(name in response_text for name in names for response_text in [str(rows)])

    with app.app_context():
        services.set_export_names(
            db.session.get(User, data["staff"].id), _process(evaluating), True
        )
        db.session.commit()
    rows = _csv_rows(client.get(url))
    assert {row["Author"] for row in rows} >= {data["citizens"][1].display_name}


def test_json_export_carries_the_figures(app, client, login, town, evaluating, data, monkeypatch):
    # the file's links follow PUBLIC_URL (they are opened elsewhere), not the request's host
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://beteiligung.example.de")
    login(client, data["council"])
    payload = client.get(f"/{town.slug}/processes/{evaluating.slug}/report.json").get_json()
    site = f"https://beteiligung.example.de/{town.slug}/processes/{evaluating.slug}/"
    assert payload["process"]["url"] == site
    assert all(p["url"].startswith(f"{site}proposals/") for p in payload["ranked_proposals"])
    assert payload["participants"] == 9
    assert payload["contributions_by_group"]["citizens"] == 6
    assert payload["contributions_by_group"]["council"] is None
    assert set(payload["hidden_groups"]) == {"administration", "council"}
    assert payload["answer_promise"]["on_time"] == 1
    assert [p["title"] for p in payload["ranked_proposals"]] == ["Bänke", "Bäume", "Radweg"]


def test_the_exports_are_streamed_in_slices(client, login, town, evaluating, data, monkeypatch):
    """A city's process has 100,000 proposals and a million contributions: both files are sent
    while they are read, in slices, and come out whole and in order across the slices."""
    from app.outcomes import exports

    monkeypatch.setattr(exports, "BATCH", 2)
    login(client, data["council"])
    base = f"/{town.slug}/processes/{evaluating.slug}"
    listed = client.get(f"{base}/report.json")
    assert listed.is_streamed and listed.mimetype == "application/json"
    payload = json.loads(listed.get_data(as_text=True))
    assert [p["title"] for p in payload["ranked_proposals"]] == ["Bänke", "Bäume", "Radweg"]
    assert payload["ranked_proposals"][0]["url"].startswith("http")
    assert payload["participants"] == 9
    rows = client.get(f"{base}/report.csv")
    assert rows.is_streamed
    ids = [int(row["Contribution"]) for row in _csv_rows(rows)]
    assert len(ids) > 2 * exports.BATCH and ids == sorted(ids)


# --- council statements and decisions -----------------------------------------------------------


def _received(signal):
    got = []

    def receiver(sender, **_kwargs):
        # what the receiver sees while the request still holds the object
        got.append((type(sender), getattr(sender, "proposal_id", None)))

    signal.connect(receiver)
    return got, receiver


def test_council_member_writes_a_statement_shown_as_theirs(client, login, town, evaluating, data):
    got, receiver = _received(signals.council_statement_written)
    try:
        login(client, data["council"])
        url = f"/{town.slug}/processes/{evaluating.slug}/statement"
        assert client.post(url, data={"body": ""}).status_code == 422
        response = client.post(url, data={"body": "Wir prüfen den Radweg <script>x</script>"})
        assert response.status_code == 302
    finally:
        signals.council_statement_written.disconnect(receiver)
    assert got == [(CouncilStatement, None)]
    html = client.get(f"/{town.slug}/processes/{evaluating.slug}/report").get_data(as_text=True)
    assert f"Statement by {data['council'].display_name} (council)" in html
    assert "<script>x</script>" not in html


def test_staff_cannot_write_a_council_statement(client, login, town, evaluating, data):
    login(client, data["staff"])
    url = f"/{town.slug}/processes/{evaluating.slug}/statement"
    assert client.post(url, data={"body": "x"}).status_code == 403


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_decision_date_beyond_the_calendar_is_refused(
    app, client, login, town, evaluating, data, day
):
    login(client, data["staff"])
    response = client.post(
        f"/{town.slug}/admin/processes/{evaluating.id}/decisions",
        data={"proposal_id": "0", "decided_on": day, "body": "Gemeinderat", "text": "Beschlossen."},
    )
    assert response.status_code == 422
    assert "Gemeinderat" in response.text  # what was typed stays
    with app.app_context():
        assert db.session.scalar(select(CouncilDecision)) is None


def test_recording_a_decision_audits_signals_and_shows_it(
    app, client, login, town, evaluating, data
):
    p1 = data["proposals"][0]
    got, receiver = _received(signals.council_decision_recorded)
    try:
        login(client, data["staff"])
        response = client.post(
            f"/{town.slug}/admin/processes/{evaluating.id}/decisions",
            data={
                "proposal_id": str(p1),
                "decided_on": "2026-04-20",
                "body": "Gemeinderat",
                "reference": "GR-Drucksache 2026/114",
                "votes_for": "17",
                "votes_against": "4",
                "abstentions": "2",
                "text": "Die Bänke werden aufgestellt.",
            },
        )
        assert response.status_code == 302
        bad = client.post(
            f"/{town.slug}/admin/processes/{evaluating.id}/decisions",
            data={
                "proposal_id": "0",
                "decided_on": "2026-04-20",
                "body": "GR",
                "text": "x",
                "votes_for": "-1",
            },
        )
        assert bad.status_code == 422
    finally:
        signals.council_decision_recorded.disconnect(receiver)
    assert got == [(CouncilDecision, p1)]
    with app.app_context():
        decision = db.session.scalar(select(CouncilDecision))
        assert (decision.votes_for, decision.votes_against, decision.abstentions) == (17, 4, 2)
        assert db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "council_decision.record")
        )
    # staff see it on the proposal before the outcome is published; citizens do not
    proposal_url = f"/{town.slug}/processes/{evaluating.slug}/proposals/{p1}"
    html = client.get(proposal_url).get_data(as_text=True)
    assert "GR-Drucksache 2026/114" in html and "17 for" in html
    login(client, data["citizens"][3])
    assert "GR-Drucksache 2026/114" not in client.get(proposal_url).get_data(as_text=True)


# --- publishing ---------------------------------------------------------------------------------


def _write_outcome(client, town, process, adopted):
    return client.post(
        f"/{town.slug}/admin/processes/{process.id}/outcome",
        data={
            "summary": "Der Gemeinderat hat die Bänke beschlossen.",
            "adopted": [str(pid) for pid in adopted],
            "next_steps": "Aufstellung im Frühjahr.",
            "next_steps_by": "2027-04-30",
        },
    )


def test_publishing_moves_the_process_into_its_outcome_phase(
    app, client, login, town, evaluating, data
):
    p1 = data["proposals"][0]
    login(client, data["staff"])
    assert _write_outcome(client, town, evaluating, [p1]).status_code == 302
    citizen_view = f"/{town.slug}/processes/{evaluating.slug}/"
    got, receiver = _received(signals.outcome_published)
    try:
        response = client.post(f"/{town.slug}/admin/processes/{evaluating.id}/outcome/publish")
        assert response.status_code == 302
        again = client.post(f"/{town.slug}/admin/processes/{evaluating.id}/outcome/publish")
        assert again.status_code == 302  # refused with a message, no second signal
    finally:
        signals.outcome_published.disconnect(receiver)
    assert got == [(Outcome, None)]
    with app.app_context():
        process = _process(evaluating)
        now = utcnow()
        assert process.current_phase(now).kind == PhaseKind.OUTCOME
        evaluation = next(p for p in process.phases if p.kind == PhaseKind.EVALUATION)
        assert evaluation.ends_at <= now
        actions = set(db.session.scalars(select(AuditEntry.action)))
        assert {"outcome.create", "outcome.publish", "phase.update", "phase.create"} <= actions
    login(client, data["citizens"][1])
    html = client.get(citizen_view).get_data(as_text=True)
    assert "Der Gemeinderat hat die Bänke beschlossen." in html
    assert "What was promised, and what happened" in html
    assert "Ways to take part" not in html
    proposal = client.get(f"/{town.slug}/processes/{evaluating.slug}/proposals/{p1}")
    assert "This proposal is adopted in the outcome of the process." in proposal.get_data(
        as_text=True
    )


def test_an_unpublished_outcome_is_not_shown_to_citizens(client, login, town, evaluating, data):
    login(client, data["staff"])
    _write_outcome(client, town, evaluating, [])
    login(client, data["citizens"][2])
    html = client.get(f"/{town.slug}/processes/{evaluating.slug}/").get_data(as_text=True)
    assert "Der Gemeinderat hat die Bänke beschlossen." not in html


def test_outcome_cannot_be_published_while_participation_runs(app, town, make_process, make_member):
    staff = make_member(town, Role.STAFF, xss=False)
    running = make_process(town, xss=False)
    with app.test_request_context():
        process = _process(running)
        actor = db.session.get(User, staff.id)
        services.save_outcome(actor, process, services.OutcomeData(summary="Ergebnis"))
        with pytest.raises(services.NotAllowed):
            services.publish_outcome(actor, process, utcnow())


# --- Mein Beitrag -------------------------------------------------------------------------------


def test_mein_beitrag_lists_what_became_of_each_contribution_in_flat_queries(
    app, client, login, town, evaluating, data, count_queries
):
    author = data["citizens"][1]
    login(client, author)

    def measure() -> tuple[int, str]:
        with count_queries() as counted:
            response = client.get("/account/contributions")
        assert response.status_code == 200
        return counted.count, response.get_data(as_text=True)

    few, html = measure()
    assert "Bänke" in html
    for n in range(6):
        create_proposal(app, evaluating, author, xss=False, title=f"Vorschlag {n}")
    with app.test_request_context():
        services.record_decision(
            db.session.get(User, data["staff"].id),
            _process(evaluating),
            services.DecisionData(
                decided_on=date(2026, 4, 20),
                body="Gemeinderat",
                text="Ja",
                proposal_id=data["proposals"][0],
            ),
        )
        db.session.commit()
    many, html = measure()
    assert many == few
    assert "Vorschlag 5" in html and "Council vote" in html


def test_a_council_statement_is_readable_by_citizens_only_once_the_outcome_is_published(
    app, evaluating, data
):
    from app.core.permissions import allowed

    with app.test_request_context():
        process = _process(evaluating)
        council = db.session.get(User, data["council"].id)
        statement = services.save_statement(council, process, "Meine Sicht")
        citizen = db.session.get(User, data["citizens"][1].id)
        staff = db.session.get(User, data["staff"].id)
        assert allowed("contribution.read", staff, statement.contribution)
        assert not allowed("contribution.read", citizen, statement.contribution)
        services.save_outcome(staff, process, services.OutcomeData(summary="Ergebnis"))
        services.publish_outcome(staff, process, utcnow())
        assert allowed("contribution.read", citizen, statement.contribution)


def test_a_council_statement_can_be_reported_where_it_is_shown(
    app, client, login, town, evaluating, data
):
    """The report form (``contribution.read``) opens for a council statement exactly where its
    reader sees it: citizens once the outcome is published, from the link beside it."""
    with app.test_request_context():
        statement = services.save_statement(
            db.session.get(User, data["council"].id), _process(evaluating), "Meine Sicht"
        )
        db.session.commit()
        contribution_id = statement.contribution_id
    report_url = f"/{town.slug}/contributions/{contribution_id}/report"
    page_url = f"/{town.slug}/processes/{evaluating.slug}/"
    login(client, data["citizens"][1])
    assert client.get(report_url).status_code == 404  # not public yet: nothing to report
    with app.test_request_context():
        staff = db.session.get(User, data["staff"].id)
        services.save_outcome(staff, _process(evaluating), services.OutcomeData(summary="Ergebnis"))
        services.publish_outcome(staff, _process(evaluating), utcnow())
        db.session.commit()
    assert report_url in client.get(page_url).get_data(as_text=True)
    form = client.get(report_url)
    assert form.status_code == 200 and "Statement on the process" in form.get_data(as_text=True)
    sent = client.post(report_url, data={"reason": ReportReason.INSULT.value, "text": ""})
    assert sent.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Report.id).where(Report.contribution_id == contribution_id))
    login(client, data["council"])  # its author is not offered to report it
    assert report_url not in client.get(page_url).get_data(as_text=True)
