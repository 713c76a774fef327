"""``seed-demo`` always gives the council something to review: one process of Musterstadt is in its
evaluation phase relative to the moment of seeding, with input from all three groups."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db

FREIBAD = "zukunft-freibad"


@pytest.fixture
def seeded(app):
    from app.demo import seed_demo

    with app.test_request_context():
        seed_demo()
        db.session.commit()


def _freibad():
    from app.processes.models import Process

    return db.session.scalar(select(Process).where(Process.slug == FREIBAD))


def _council_member():
    from app.accounts.models import User

    return db.session.scalar(select(User).where(User.email == "rat@musterstadt.example"))


def test_the_council_workspace_of_the_demo_lists_a_process_in_evaluation(app, client, seeded):
    response = client.post(
        "/login", data={"email": "rat@musterstadt.example", "password": "trialog-demo"}
    )
    assert response.status_code == 302
    page = client.get("/musterstadt/council/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Zukunft des Freibads" in html
    assert "Schwimmunterricht der Grundschulen sichern" in html  # a proposal awaiting review
    assert "/musterstadt/processes/zukunft-freibad/report" in html


def test_the_demo_process_is_in_evaluation_whenever_it_is_seeded(app, seeded):
    """Phases are placed around the moment of seeding: a month from now it is still evaluating."""
    from app.core.time import utcnow
    from app.municipalities.models import Municipality
    from app.outcomes.services import awaiting_review
    from app.processes.models import PhaseKind

    with app.app_context():
        town = db.session.scalar(select(Municipality).where(Municipality.slug == "musterstadt"))
        now = utcnow()
        assert [p.slug for p in awaiting_review(town, now)] == [FREIBAD]
        phase = _freibad().current_phase(now)
        assert phase.kind == PhaseKind.EVALUATION
        assert phase.starts_at <= now - timedelta(days=3)
        assert phase.ends_at >= now + timedelta(days=21)


def test_the_demo_evaluation_has_input_from_all_three_groups(app, seeded):
    from app.contributions.models import Contribution
    from app.core.roles import TrialogGroup
    from app.proposals.models import Proposal
    from app.surveys.models import Response, Survey

    with app.app_context():
        process = _freibad()
        proposals = db.session.scalars(
            select(Proposal).where(Proposal.process_id == process.id)
        ).all()
        assert len(proposals) >= 5
        assert sum(p.support_count for p in proposals) >= 15
        participation = next(p for p in process.phases if p.kind.value == "participation")
        assert all(
            participation.starts_at <= p.created_at < participation.ends_at for p in proposals
        )
        groups = set(
            db.session.scalars(
                select(Contribution.author_group).where(
                    Contribution.process_id == process.id, Contribution.kind == "comment"
                )
            )
        )
        assert {
            TrialogGroup.CITIZENS,
            TrialogGroup.ADMINISTRATION,
            TrialogGroup.COUNCIL,
        } <= groups
        answers = db.session.scalar(
            select(func.count(Response.id))
            .join(Survey, Survey.id == Response.survey_id)
            .where(Survey.process_id == process.id)
        )
        assert answers > 0


def test_the_consolidated_report_of_the_demo_evaluation_has_content(app, client, login, seeded):
    with app.app_context():
        member = _council_member()
    login(client, member)
    page = client.get(f"/musterstadt/processes/{FREIBAD}/report")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Naturbecken statt gechlortem Wasser" in html
    assert "Ihr Freibad" in html  # the survey's section


def test_the_demo_council_member_is_told_of_the_evaluation(app, seeded):
    from app.notifications.models import Notification

    with app.app_context():
        kinds = db.session.scalars(
            select(Notification.kind).where(Notification.user_id == _council_member().id)
        ).all()
        assert "process_evaluation" in kinds
