"""Accountability: official answers with status history, the answer promise (due and overdue
proposals, answered on time), and council statements."""

from __future__ import annotations

from datetime import timedelta

import proposals_support
import pytest
from proposals_support import DAY, Town, create_proposal, load, promise_answers
from sqlalchemy import select

from app.accounts.models import User
from app.contributions.models import Contribution
from app.core.audit import AuditEntry
from app.core.roles import TrialogGroup
from app.core.time import utcnow
from app.extensions import db
from app.proposals import promise, services
from app.proposals.models import (
    Proposal,
    ProposalSettings,
    ProposalStatement,
    ProposalStatus,
    ProposalStatusChange,
    ProposalSupport,
)
from tests.conftest import XSS

town = proposals_support.town  # the fixture

ANSWER = {
    "status": "accepted",
    "response": "Wir setzen das im Frühjahr um.",
    "office": "Stadtplanungsamt",
    "merged_into": "",
}


def _changes(app, proposal_id: int) -> list[ProposalStatusChange]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(ProposalStatusChange)
                .where(ProposalStatusChange.proposal_id == proposal_id)
                .order_by(ProposalStatusChange.id)
            )
        )
        for row in rows:
            db.session.expunge(row)
        return rows


@pytest.mark.parametrize("who", ["staff", "facilitator", "admin"])
def test_staff_answer_officially_and_the_answer_is_shown_with_office_and_date(
    app, client, login, town: Town, who
):
    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    login(client, town.users[who])
    assert client.get(town.admin(f"{proposal_id}/answer")).status_code == 200
    response = client.post(town.admin(f"{proposal_id}/answer"), data=ANSWER)
    assert response.status_code == 302
    assert response.headers["Location"] == town.url(proposal_id) + "#answer"
    proposal = load(app, Proposal, proposal_id)
    assert proposal.status == ProposalStatus.ACCEPTED
    assert proposal.answered_at is not None
    [change] = _changes(app, proposal_id)
    assert change.response == "<p>Wir setzen das im Frühjahr um.</p>"
    assert change.office == "Stadtplanungsamt" and change.author_id == town.users[who].id
    page = client.get(town.url(proposal_id)).get_data(as_text=True)
    assert "Wir setzen das im Frühjahr um." in page and "Stadtplanungsamt" in page
    assert "Angenommen" in page or "Accepted" in page


@pytest.mark.parametrize("who", ["citizen", "moderator", "council", "other_staff"])
def test_only_those_who_run_the_process_answer(app, client, login, town: Town, who):
    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    login(client, town.users[who])
    assert client.get(town.admin(f"{proposal_id}/answer")).status_code == 403
    assert client.post(town.admin(f"{proposal_id}/answer"), data=ANSWER).status_code == 403
    assert _changes(app, proposal_id) == []


@pytest.mark.parametrize("missing", ["response", "office", "status"])
def test_every_status_change_needs_a_response_and_an_office(
    app, client, login, town: Town, missing
):
    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    login(client, town.users["staff"])
    response = client.post(town.admin(f"{proposal_id}/answer"), data={**ANSWER, missing: ""})
    assert response.status_code == 422
    assert _changes(app, proposal_id) == []
    assert load(app, Proposal, proposal_id).status == ProposalStatus.SUBMITTED


def test_a_response_of_only_markup_counts_as_missing(app, town: Town):
    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        staff = db.session.get(User, town.users["staff"].id)
        with pytest.raises(services.InvalidInput):
            services.change_status(
                staff, proposal, ProposalStatus.REJECTED, "<p> </p><script></script><br>", "Amt"
            )


def test_the_answer_is_sanitised(app, client, login, town: Town):
    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    login(client, town.users["staff"])
    client.post(
        town.admin(f"{proposal_id}/answer"),
        data={**ANSWER, "response": f'Ja {XSS} <a href="javascript:x()">l</a>', "office": XSS},
    )
    [change] = _changes(app, proposal_id)
    assert "<script" not in change.response and "javascript:" not in change.response
    page = client.get(town.url(proposal_id)).get_data(as_text=True)
    assert XSS not in page


def test_history_of_statuses_stays_visible_and_each_change_is_audited(
    app, client, login, town: Town
):
    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    login(client, town.users["staff"])
    client.post(
        town.admin(f"{proposal_id}/answer"),
        data={**ANSWER, "status": "under_review", "response": "Wir prüfen das."},
    )
    assert load(app, Proposal, proposal_id).answered_at is None  # under review is no answer yet
    client.post(
        town.admin(f"{proposal_id}/answer"),
        data={**ANSWER, "status": "partially_accepted", "response": "Teilweise."},
    )
    client.post(
        town.admin(f"{proposal_id}/answer"),
        data={**ANSWER, "status": "implemented", "response": "Umgesetzt!"},
    )
    changes = _changes(app, proposal_id)
    assert [c.status for c in changes] == [
        ProposalStatus.UNDER_REVIEW,
        ProposalStatus.PARTIALLY_ACCEPTED,
        ProposalStatus.IMPLEMENTED,
    ]
    proposal = load(app, Proposal, proposal_id)
    assert proposal.answered_at == changes[1].created_at  # the first decision
    page = client.get(town.url(proposal_id)).get_data(as_text=True)
    for text in ("Wir prüfen das.", "Teilweise.", "Umgesetzt!"):
        assert text in page
    with app.app_context():
        entries = list(
            db.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "proposal.status", AuditEntry.object_id == proposal_id)
                .order_by(AuditEntry.id)
            )
        )
        assert [e.after["status"] for e in entries] == [
            "under_review",
            "partially_accepted",
            "implemented",
        ]
        assert entries[0].before == {"status": "submitted"}
        assert all(e.actor_id == town.users["staff"].id for e in entries)
        assert all(e.municipality_id == town.municipality.id for e in entries)


def test_merged_proposals_link_to_the_proposal_they_joined(app, client, login, town: Town):
    target = create_proposal(app, town.process, town.users["citizen"], xss=False, title="Ziel")
    merged = create_proposal(app, town.process, town.users["citizen"], xss=False)
    login(client, town.users["staff"])
    data = {**ANSWER, "status": "merged", "response": "Gleiches Anliegen."}
    assert client.post(town.admin(f"{merged}/answer"), data=data).status_code == 422  # no target
    assert (
        client.post(
            town.admin(f"{merged}/answer"), data={**data, "merged_into": str(merged)}
        ).status_code
        == 422
    )
    response = client.post(
        town.admin(f"{merged}/answer"), data={**data, "merged_into": str(target)}
    )
    assert response.status_code == 302
    assert load(app, Proposal, merged).merged_into_id == target
    assert _changes(app, merged)[0].merged_into_id == target
    page = client.get(town.url(merged)).get_data(as_text=True)
    assert f'href="{town.url(target)}">#{target} Ziel</a>' in page


def test_proposals_of_another_process_cannot_be_merge_targets(
    app, client, login, make_process, town: Town
):
    other = make_process(town.municipality, xss=False)
    proposals_support.switch_on_proposals(app, other)
    elsewhere = create_proposal(app, other, town.users["citizen"], xss=False)
    merged = create_proposal(app, town.process, town.users["citizen"], xss=False)
    login(client, town.users["staff"])
    data = {**ANSWER, "status": "merged", "merged_into": str(elsewhere)}
    assert client.post(town.admin(f"{merged}/answer"), data=data).status_code == 422


def test_the_answer_form_suggests_the_last_office(app, client, login, town: Town):
    first = create_proposal(app, town.process, town.users["citizen"], xss=False)
    second = create_proposal(app, town.process, town.users["citizen"], xss=False)
    login(client, town.users["staff"])
    client.post(town.admin(f"{first}/answer"), data={**ANSWER, "office": "Tiefbauamt"})
    page = client.get(town.admin(f"{second}/answer")).get_data(as_text=True)
    assert 'value="Tiefbauamt"' in page


# --- the answer promise --------------------------------------------------------------------------


def _supports(app, proposal_id: int, users, at) -> None:
    """Supports by ``users`` at the given times (one time per user)."""
    with app.app_context():
        for user, moment in zip(users, at, strict=True):
            db.session.add(
                ProposalSupport(proposal_id=proposal_id, user_id=user.id, created_at=moment)
            )
        proposal = db.session.get(Proposal, proposal_id)
        proposal.support_count = len(users)
        db.session.flush()
        # Rows written directly: keep the promise's deadlines as the services do.
        services.recompute_answer_due(proposal.process)
        db.session.commit()


def test_settings_set_the_promise_and_the_categories(app, client, login, town: Town):
    login(client, town.users["staff"])
    assert client.get(town.admin("settings")).status_code == 200
    response = client.post(
        town.admin("settings"),
        data={"answer_threshold": "20", "answer_days": "30", "categories": "Grün\nVerkehr\ngrün\n"},
    )
    assert response.status_code == 302
    with app.app_context():
        settings = db.session.scalar(select(ProposalSettings))
        assert (settings.answer_threshold, settings.answer_days) == (20, 30)
        from app.processes.models import Process

        names = [c.name for c in services.categories(db.session.get(Process, town.process.id))]
        assert names == ["Grün", "Verkehr"]
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "proposal_settings.update")
        )
        assert entry.after["answer_threshold"] == 20
    assert "Grün\nVerkehr" in client.get(town.admin("settings")).get_data(as_text=True)


def test_a_promise_needs_both_supports_and_days(app, client, login, town: Town):
    login(client, town.users["staff"])
    response = client.post(
        town.admin("settings"), data={"answer_threshold": "20", "answer_days": ""}
    )
    assert response.status_code == 422
    assert 'value="20"' in response.get_data(as_text=True)
    for bad in (
        {"answer_threshold": "0", "answer_days": "5"},
        {"answer_threshold": "x", "answer_days": "5"},
    ):
        assert client.post(town.admin("settings"), data=bad).status_code == 422


@pytest.mark.parametrize("who", ["citizen", "moderator", "council", "other_staff"])
def test_only_process_managers_see_the_answers_due(client, login, town: Town, who):
    login(client, town.users[who])
    assert client.get(town.admin()).status_code == 403
    assert client.get(town.admin("settings")).status_code == 403


def test_back_office_lists_due_and_overdue_proposals(app, client, login, make_member, town: Town):
    promise_answers(app, town.process, threshold=2, days=10)
    now = utcnow()
    people = [make_member(town.municipality, xss=False) for _ in range(3)]
    overdue = create_proposal(app, town.process, town.users["citizen"], xss=False, title="Alt")
    due = create_proposal(app, town.process, town.users["citizen"], xss=False, title="Neu")
    below = create_proposal(app, town.process, town.users["citizen"], xss=False, title="Wenig")
    answered = create_proposal(app, town.process, town.users["citizen"], xss=False, title="Fertig")
    _supports(app, overdue, people[:2], [now - 20 * DAY, now - 15 * DAY])
    _supports(app, due, people[:3], [now - 3 * DAY, now - 2 * DAY, now - DAY])
    _supports(app, below, people[:1], [now - 30 * DAY])
    _supports(app, answered, people[:2], [now - 30 * DAY, now - 29 * DAY])
    with app.app_context():
        services.change_status(
            db.session.get(User, town.users["staff"].id),
            db.session.get(Proposal, answered),
            ProposalStatus.REJECTED,
            "Nein, weil ...",
            "Ordnungsamt",
            now=now - 25 * DAY,
        )
        db.session.commit()
    login(client, town.users["staff"])
    page = client.get(town.admin()).get_data(as_text=True)
    rows = page.split("<tbody>")[1].split("</tbody>")[0]
    assert rows.index("Alt") < rows.index("Neu")  # the longest waiting first
    # below the threshold: listed after those with a deadline, with how far it is
    assert rows.index("Neu") < rows.index("Wenig") and "Fertig" not in rows
    assert "noch keine Frist: 1 von 2 Unterstützungen" in rows
    assert rows.count('class="is-overdue"') == 1 and rows.count('class="is-due"') == 1
    assert rows.count('class="is-open"') == 1
    with app.app_context():
        from app.processes.models import Process

        process = db.session.get(Process, town.process.id)
        answer_promise = promise.promise_for(process)
        dates = promise.due_dates(process, answer_promise, [overdue, due])
        assert abs(dates[overdue] - (now - 5 * DAY)) < timedelta(seconds=1)  # 2nd support + 10 days
        assert abs(dates[due] - (now + 8 * DAY)) < timedelta(seconds=1)
        record = promise.answer_record(process, now)
    assert (record.on_time, record.late, record.overdue, record.pending) == (1, 0, 1, 1)


def test_the_process_page_shows_how_many_were_answered_on_time(
    app, client, login, make_member, town: Town
):
    promise_answers(app, town.process, threshold=1, days=7)
    now = utcnow()
    supporter = make_member(town.municipality, xss=False)
    on_time = create_proposal(app, town.process, town.users["citizen"], xss=False)
    late = create_proposal(app, town.process, town.users["citizen"], xss=False)
    _supports(app, on_time, [supporter], [now - 20 * DAY])
    _supports(app, late, [supporter], [now - 20 * DAY])
    with app.app_context():
        staff = db.session.get(User, town.users["staff"].id)
        for proposal_id, when in ((on_time, now - 15 * DAY), (late, now - 2 * DAY)):
            services.change_status(
                staff,
                db.session.get(Proposal, proposal_id),
                ProposalStatus.ACCEPTED,
                "Ja.",
                "Amt",
                now=when,
            )
        db.session.commit()
    client.get("/lang/en")
    for url in (f"/{town.municipality.slug}/processes/{town.process.slug}/", town.base):
        page = client.get(url).get_data(as_text=True)
        assert "1 of 2 answered on time" in page, url
        assert "1 answered late" in page, url
        assert "within 7 days" in page, url


def test_the_proposal_page_names_the_promised_date(app, client, make_member, town: Town):
    promise_answers(app, town.process, threshold=1, days=7)
    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    _supports(app, proposal_id, [make_member(town.municipality, xss=False)], [utcnow()])
    client.get("/lang/en")
    page = client.get(town.url(proposal_id)).get_data(as_text=True)
    assert "It has promised an answer by" in page


def test_without_a_promise_nothing_is_promised(app, client, login, town: Town):
    create_proposal(app, town.process, town.users["citizen"], xss=False)
    client.get("/lang/en")
    assert "Our promise: every proposal" not in client.get(town.base).get_data(as_text=True)
    login(client, town.users["staff"])
    page = client.get(town.admin()).get_data(as_text=True)
    assert "promises no answers yet" in page


# --- council statements --------------------------------------------------------------------------


def test_council_members_add_a_statement_shown_with_their_badge(app, client, login, town: Town):
    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    login(client, town.users["council"])
    assert client.get(town.url(proposal_id, "statement")).status_code == 200
    response = client.post(
        town.url(proposal_id, "statement"), data={"body": "Die Fraktion unterstützt das."}
    )
    assert response.status_code == 302
    with app.app_context():
        statement = db.session.scalar(select(ProposalStatement))
        contribution = db.session.get(Contribution, statement.contribution_id)
        assert contribution.kind == "statement"
        assert contribution.author_group == TrialogGroup.COUNCIL
        statement_id = statement.id
    page = client.get(town.url(proposal_id)).get_data(as_text=True)
    section = page.split(f'id="statement-{statement_id}"')[1].split("</li>")[0]
    assert "Die Fraktion unterstützt das." in section
    assert 'class="badge badge-council">Gemeinderat</span>' in section


def test_a_council_member_edits_the_one_statement(app, client, login, town: Town):
    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    login(client, town.users["council"])
    client.post(town.url(proposal_id, "statement"), data={"body": "Erste Fassung."})
    page = client.get(town.url(proposal_id, "statement")).get_data(as_text=True)
    assert "Erste Fassung." in page
    client.post(town.url(proposal_id, "statement"), data={"body": "Zweite Fassung."})
    with app.app_context():
        statements = list(db.session.scalars(select(ProposalStatement)))
        assert [s.body for s in statements] == ["<p>Zweite Fassung.</p>"]


def test_one_statement_per_member_is_a_database_constraint(app, town: Town):
    from sqlalchemy.exc import IntegrityError

    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    council = town.users["council"]
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        services.save_statement(db.session.get(User, council.id), proposal, "Eins.")
        db.session.commit()
        contribution = Contribution(
            municipality_id=proposal.municipality_id,
            process_id=proposal.process_id,
            author_id=council.id,
            author_group=TrialogGroup.COUNCIL,
            kind="statement",
        )
        db.session.add(
            ProposalStatement(
                proposal_id=proposal_id, contribution=contribution, author_id=council.id, body="x"
            )
        )
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


@pytest.mark.parametrize("who", ["citizen", "staff", "admin", "other_staff"])
def test_only_council_members_make_statements(app, client, login, town: Town, who):
    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    login(client, town.users[who])
    assert client.get(town.url(proposal_id, "statement")).status_code == 403
    assert client.post(town.url(proposal_id, "statement"), data={"body": "x"}).status_code == 403


def test_statement_text_is_required_and_sanitised(app, client, login, town: Town):
    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    login(client, town.users["council"])
    assert client.post(town.url(proposal_id, "statement"), data={"body": ""}).status_code == 422
    client.post(
        town.url(proposal_id, "statement"),
        data={"body": f'Gut {XSS}<a href="javascript:x()" onclick="y()">l</a>'},
    )
    page = client.get(town.url(proposal_id)).get_data(as_text=True)
    assert XSS not in page and "javascript:x" not in page and 'onclick="y()"' not in page


def test_kinds_describe_proposals_and_statements_for_moderation(app, client, login, town: Town):
    from app.contributions import kinds

    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    login(client, town.users["council"])
    client.post(town.url(proposal_id, "statement"), data={"body": "Meine Sicht."})
    with app.test_request_context():
        contributions = list(db.session.scalars(select(Contribution).order_by(Contribution.id)))
        shown = kinds.describe(contributions)
        proposal_shown, statement_shown = (shown[c.id] for c in contributions)
        assert proposal_shown.title == "Mehr Bänke am Brunnen"
        assert proposal_shown.url == town.url(proposal_id)
        assert statement_shown.excerpt == "Meine Sicht."
        assert statement_shown.url.startswith(town.url(proposal_id) + "#statement-")


def test_comment_permalinks_lead_to_the_proposal_page(app, client, town: Town):
    from comments_support import write_comment

    proposal_id = create_proposal(app, town.process, town.users["citizen"], xss=False)
    thread_id = load(app, Proposal, proposal_id).thread_id
    comment_id = write_comment(
        app, town.users["staff"], town.process, "Danke!", thread_id=thread_id
    )
    response = client.get(f"/{town.municipality.slug}/comments/{comment_id}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(town.url(proposal_id))
    assert response.headers["Location"].endswith(f"#comment-{comment_id}")
    page = client.get(town.url(proposal_id)).get_data(as_text=True)
    assert "Danke!" in page


def test_the_record_leaves_out_proposals_that_are_not_shown(app, make_member, town: Town):
    """Counted from the index of deadlines minus the proposals not shown: a hidden or pending
    proposal with a deadline counts nowhere, a withdrawn unanswered one neither."""
    promise_answers(app, town.process, threshold=1, days=10)
    now = utcnow()
    supporter = make_member(town.municipality, xss=False)
    titles = ("offen", "versteckt", "wartend", "zurückgezogen", "alt")
    ids = {
        t: create_proposal(app, town.process, town.users["citizen"], xss=False, title=t)
        for t in titles
    }
    for title, proposal_id in ids.items():
        _supports(app, proposal_id, [supporter], [now - (30 if title == "alt" else 1) * DAY])
    with app.app_context():
        for title, visibility in (("versteckt", "hidden"), ("wartend", "pending")):
            proposal = db.session.get(Proposal, ids[title])
            db.session.get(Contribution, proposal.contribution_id).visibility = visibility
        db.session.get(Proposal, ids["zurückgezogen"]).withdrawn_at = now
        db.session.commit()
        from app.processes.models import Process

        record = promise.answer_record(db.session.get(Process, town.process.id), now)
    assert (record.on_time, record.late, record.overdue, record.pending) == (0, 0, 1, 1)
