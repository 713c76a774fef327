"""What a block and a moderation case hold on to.

- A block covers every act of participation in its municipality: proposing (the form is not even
  offered), commenting, supporting, reacting, reporting and answering surveys, each refused with
  the block's reason.
- Hidden and pending contributions are not editable by their authors until restored, and the
  answer is a clear message with a 4xx status.
- Reports and decisions keep the text as it was, on the case page and in the audit log.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.core.roles import Role
from app.extensions import db
from tests.integration.comments_support import thread_id_of, write_comment
from tests.integration.proposals_support import create_proposal

REASON = "Wiederholt beleidigend"


@pytest.fixture(autouse=True)
def english(client):
    client.get("/lang/en")


@pytest.fixture
def town(make_municipality):
    return make_municipality(xss=False)


@pytest.fixture
def process(town, make_process):
    return make_process(town, formats=("proposals", "comments", "surveys"), xss=False)


@pytest.fixture
def people(town, make_member):
    return {
        name: make_member(town, role)
        for name, role in (
            ("author", Role.CITIZEN),
            ("blocked", Role.CITIZEN),
            ("moderator", Role.MODERATOR),
        )
    }


def _block(app, town, people) -> None:
    from app.accounts.models import User
    from app.moderation import services
    from app.municipalities.models import Municipality

    with app.app_context():
        services.block(
            db.session.get(User, people["moderator"].id),
            db.session.get(Municipality, town.id),
            db.session.get(User, people["blocked"].id),
            None,
            REASON,
        )
        db.session.commit()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- a block covers every act of participation -------------------------------------------------


def test_a_blocked_person_is_not_offered_the_proposal_form_and_cannot_propose(
    app, client, login, town, process, people
):
    from app.proposals.models import Proposal

    _block(app, town, people)
    login(client, people["blocked"])
    listing = client.get(f"/{town.slug}/processes/{process.slug}/proposals/")
    assert "/proposals/new" not in listing.text and REASON in listing.text
    form = client.get(f"/{town.slug}/processes/{process.slug}/proposals/new")
    assert form.status_code == 403 and REASON in form.text
    sent = client.post(
        f"/{town.slug}/processes/{process.slug}/proposals/new",
        data={"title": "Neu", "description": "Text", "submit_anyway": "y"},
    )
    assert sent.status_code == 403 and REASON in sent.text
    with app.app_context():
        assert _count(Proposal) == 0


def test_a_blocked_person_cannot_support_and_is_told_why(app, client, login, town, process, people):
    from app.proposals.models import ProposalSupport

    proposal = create_proposal(app, process, people["author"], xss=False)
    _block(app, town, people)
    login(client, people["blocked"])
    page = client.get(f"/{town.slug}/processes/{process.slug}/proposals/{proposal}")
    assert f"/proposals/{proposal}/support" not in page.text  # no button
    url = f"/{town.slug}/processes/{process.slug}/proposals/{proposal}/support"
    widget = client.post(url, headers={"HX-Request": "true"})
    assert REASON in widget.text
    redirected = client.post(url, follow_redirects=True)
    assert REASON in redirected.text
    with app.app_context():
        assert _count(ProposalSupport) == 0


def test_a_blocked_person_cannot_react_or_comment(app, client, login, town, process, people):
    from app.comments.models import Comment, CommentReaction

    comment = write_comment(app, people["author"], process)
    _block(app, town, people)
    login(client, people["blocked"])
    reaction = client.post(f"/{town.slug}/comments/{comment}/reaction", data={"reaction": "agree"})
    assert reaction.status_code == 403 and REASON in reaction.text
    thread = thread_id_of(app, process)
    written = client.post(
        f"/{town.slug}/threads/{thread}/comments", data={f"thread{thread}-body": "Trotzdem"}
    )
    assert written.status_code == 422 and REASON in written.text and "Trotzdem" in written.text
    reply = client.post(
        f"/{town.slug}/comments/{comment}/reply", data={f"reply{comment}-body": "Antwort"}
    )
    assert reply.status_code == 422 and REASON in reply.text
    with app.app_context():
        assert _count(CommentReaction) == 0 and _count(Comment) == 1


def test_a_blocked_person_cannot_report(app, client, login, town, process, people):
    from app.moderation.models import Report
    from app.proposals.models import Proposal

    proposal = create_proposal(app, process, people["author"], xss=False)
    with app.app_context():
        contribution = db.session.get(Proposal, proposal).contribution_id
    _block(app, town, people)
    login(client, people["blocked"])
    url = f"/{town.slug}/contributions/{contribution}/report"
    for response in (client.get(url), client.post(url, data={"reason": "spam"})):
        assert response.status_code == 403 and REASON in response.text
    with app.app_context():
        assert _count(Report) == 0


def test_a_blocked_person_cannot_answer_surveys(
    app, client, login, town, process, people, make_survey
):
    from app.surveys.models import Response

    survey = make_survey(process, xss=False, questions=[dict(type="long_text", text="Ideen")])
    _block(app, town, people)
    login(client, people["blocked"])
    url = f"/{town.slug}/processes/{process.slug}/surveys/{survey.id}/"
    page = client.get(url)
    assert REASON in page.text and 'id="answer-form"' not in page.text
    sent = client.post(url, data={f"q{survey.questions[0].id}": "Trotzdem"}, follow_redirects=True)
    assert REASON in sent.text
    with app.app_context():
        assert _count(Response) == 0


def test_a_lifted_block_lets_the_person_take_part_again(app, client, login, town, process, people):
    from app.accounts.models import User
    from app.moderation import services
    from app.moderation.models import Block

    proposal = create_proposal(app, process, people["author"], xss=False)
    _block(app, town, people)
    with app.app_context():
        services.lift_block(
            db.session.get(User, people["moderator"].id), db.session.scalar(select(Block))
        )
        db.session.commit()
    login(client, people["blocked"])
    url = f"/{town.slug}/processes/{process.slug}/proposals/{proposal}/support"
    assert client.post(url).status_code == 302
    assert REASON not in client.get(f"/{town.slug}/processes/{process.slug}/proposals/").text


# --- hidden and pending contributions stay as they are ------------------------------------------


@pytest.mark.parametrize("visibility", ["hidden", "pending"])
def test_authors_cannot_edit_a_hidden_or_pending_proposal(
    app, client, login, town, process, people, visibility
):
    from app.proposals.models import Proposal

    proposal = create_proposal(
        app, process, people["author"], xss=False, title="Alt", visibility=visibility
    )
    login(client, people["author"])
    url = f"/{town.slug}/processes/{process.slug}/proposals/{proposal}/edit"
    form = client.get(url)
    assert form.status_code == 403
    assert "moderation" in form.text  # says why, not a bare "access denied"
    sent = client.post(url, data={"title": "Neu geschrieben", "description": "Anders"})
    assert sent.status_code == 403
    with app.app_context():
        assert db.session.get(Proposal, proposal).title == "Alt"


def test_authors_cannot_edit_a_hidden_comment(app, client, login, town, process, people):
    from app.comments.models import Comment
    from app.contributions.models import Contribution, Visibility

    comment = write_comment(app, people["author"], process, "Wie gemeldet")
    with app.app_context():
        loaded = db.session.get(Comment, comment)
        db.session.get(Contribution, loaded.contribution_id).visibility = Visibility.HIDDEN
        db.session.commit()
    login(client, people["author"])
    url = f"/{town.slug}/comments/{comment}/edit"
    assert client.get(url).status_code == 403
    sent = client.post(url, data={f"edit{comment}-body": "Umgeschrieben"})
    assert sent.status_code == 403 and "hidden by the moderation" in sent.text
    with app.app_context():
        assert db.session.get(Comment, comment).source == "Wie gemeldet"


def test_a_survey_response_with_a_hidden_text_cannot_be_changed(
    app, client, login, town, process, people, make_survey
):
    from app.contributions.models import Contribution, Visibility
    from app.surveys.models import Answer

    survey = make_survey(
        process, xss=False, anonymous=False, questions=[dict(type="long_text", text="Ideen")]
    )
    field = f"q{survey.questions[0].id}"
    url = f"/{town.slug}/processes/{process.slug}/surveys/{survey.id}/"
    login(client, people["author"])
    client.post(url, data={field: "Wie gemeldet"})
    with app.app_context():
        contribution_id = db.session.scalar(select(Answer.contribution_id))
        db.session.get(Contribution, contribution_id).visibility = Visibility.HIDDEN
        db.session.commit()
    page = client.get(url + "?change=1")
    assert "hidden by moderation" in page.text and 'id="answer-form"' not in page.text
    sent = client.post(url, data={field: "Umgeschrieben"})
    assert sent.status_code == 422 and "hidden by moderation" in sent.text
    with app.app_context():
        assert db.session.scalar(select(Answer.text)) == "Wie gemeldet"


# --- the case keeps the text it was about -------------------------------------------------------


def test_report_and_decision_keep_the_text_and_the_audit_log_too(
    app, client, login, town, process, people
):
    from app.accounts.models import User
    from app.contributions.models import Contribution
    from app.core.audit import AuditEntry
    from app.moderation import services
    from app.moderation.models import Decision, Report, ReportReason
    from app.proposals.models import Proposal

    proposal = create_proposal(
        app, process, people["author"], xss=False, title="Wie gemeldet", description="Erster Text"
    )
    with app.app_context(), app.test_request_context():
        contribution = db.session.get(
            Contribution, db.session.get(Proposal, proposal).contribution_id
        )
        services.report(db.session.get(User, people["blocked"].id), contribution, ReportReason.SPAM)
        db.session.commit()
        # the author changes the text while it is still visible (no support, no comment yet)
        loaded = db.session.get(Proposal, proposal)
        loaded.title, loaded.description_text = "Umgeschrieben", "Harmloser Text"
        db.session.commit()
        contribution_id = contribution.id
    login(client, people["moderator"])
    case = client.get(f"/{town.slug}/admin/moderation/contributions/{contribution_id}")
    assert "Wie gemeldet" in case.text and "Erster Text" in case.text  # as reported
    assert "changed since" in case.text
    client.post(
        f"/{town.slug}/admin/moderation/contributions/{contribution_id}/hide",
        data={"hide-reason": "Werbung"},
    )
    with app.app_context():
        assert "Wie gemeldet" in db.session.scalar(select(Report.snapshot))
        decision = db.session.scalar(select(Decision))
        assert decision.action.value == "hide"
        assert "Umgeschrieben" in decision.snapshot  # the text the moderator saw
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "moderation.hide"))
        assert "Umgeschrieben" in str(entry.before)
