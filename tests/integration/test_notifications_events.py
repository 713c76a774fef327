"""Each event reaches the people concerned and nobody else: not the actor, not another
municipality, not those who opted out of mail, not those who may not read what it is about."""

from __future__ import annotations

from datetime import timedelta

import pytest
from notifications_support import (
    act,
    answer,
    follow,
    load,
    next_digest_time,
    notified,
    post_comment,
    proposal_thread,
    run,
    set_choice,
    submit_proposal,
    support,
)

from app.core.roles import Role

DAY = timedelta(days=1)


@pytest.fixture
def town(make_municipality):
    return make_municipality(xss=False)


@pytest.fixture
def other_town(make_municipality):
    return make_municipality(xss=False)


@pytest.fixture
def process(make_process, town):
    return make_process(town, formats=("proposals", "comments"))


def test_a_reply_reaches_the_parent_author_at_once_and_nobody_else(
    app, outbox, town, other_town, process, make_member
):
    author, replier, bystander = (make_member(town) for _ in range(3))
    make_member(other_town)
    proposal_id = submit_proposal(app, bystander, process)
    thread_id = proposal_thread(app, proposal_id)
    parent_id = post_comment(app, author, thread_id, "Gute Idee")
    run(app)
    outbox.clear()
    reply_id = post_comment(app, replier, thread_id, "Finde ich auch", parent_id=parent_id)
    run(app)

    assert notified(app, "comment_reply") == {author.id: ["comment_reply"]}
    # the proposal's author hears of both comments (daily), the replier of nothing
    assert notified(app, "proposal_comment") == {bystander.id: ["proposal_comment"] * 2}
    mails = outbox.to(author.email)
    assert len(mails) == 1  # immediately, by default
    assert f"/comments/{reply_id}" in outbox.body(mails[0])
    assert outbox.to(replier.email) == []
    assert outbox.to(bystander.email) == []  # daily digest, not yet


def test_a_reply_to_ones_own_comment_tells_nobody(app, town, process, make_member):
    author, proposer = make_member(town), make_member(town)
    thread_id = proposal_thread(app, submit_proposal(app, proposer, process))
    parent_id = post_comment(app, author, thread_id)
    post_comment(app, author, thread_id, "Nachtrag", parent_id=parent_id)
    run(app)
    assert author.id not in notified(app)


def test_comments_on_a_proposal_reach_its_author_in_the_daily_digest(
    app, outbox, town, process, make_member
):
    proposer, commenter, other = make_member(town), make_member(town), make_member(town)
    proposal_id = submit_proposal(app, proposer, process)
    post_comment(app, commenter, proposal_thread(app, proposal_id), "Eins")
    post_comment(app, other, proposal_thread(app, proposal_id), "Zwei")
    run(app)
    assert outbox.to(proposer.email) == []
    report = run(app, next_digest_time(app))
    assert report.mails == 1
    (digest,) = outbox.to(proposer.email)
    assert "2" in digest["Subject"]
    run(app, next_digest_time(app) + DAY)
    assert len(outbox.to(proposer.email)) == 1  # never one event twice


def test_an_official_answer_reaches_author_and_supporters_who_may_read_it(
    app, outbox, town, process, make_member, make_user
):
    proposer, supporter, quiet, staff = (
        make_member(town),
        make_member(town),
        make_member(town),
        make_member(town, Role.STAFF),
    )
    proposal_id = submit_proposal(app, proposer, process)
    support(app, supporter, proposal_id)
    support(app, quiet, proposal_id)
    support(app, staff, proposal_id)
    set_choice(app, quiet, "proposal_answer", "never")
    run(app)
    outbox.clear()
    answer(app, staff, proposal_id)
    run(app)

    assert set(notified(app, "proposal_answer")) == {proposer.id, supporter.id, quiet.id}
    assert len(outbox.to(proposer.email)) == 1
    assert len(outbox.to(supporter.email)) == 1
    assert outbox.to(quiet.email) == []  # opted out of mail, still in the account list
    assert outbox.to(staff.email) == []  # the actor hears nothing of their own answer


def test_members_only_processes_tell_only_members(
    app, town, other_town, make_process, make_member, make_user
):
    process = make_process(town, visibility="members", formats=("proposals",))
    member, outsider, proposer = make_member(town), make_member(other_town), make_member(town)
    follow(app, member, process)
    follow(app, outsider, process)  # followed while it was public, say
    submit_proposal(app, proposer, process)
    run(app)
    assert notified(app, "process_proposal") == {member.id: ["process_proposal"]}


def test_a_new_proposal_reaches_followers_but_not_its_author(app, town, process, make_member):
    follower, proposer = make_member(town), make_member(town)
    follow(app, follower, process)
    follow(app, proposer, process)
    submit_proposal(app, proposer, process)
    run(app)
    assert notified(app, "process_proposal") == {follower.id: ["process_proposal"]}


def test_pending_contributions_tell_the_moderators_and_followers_only_once_published(
    app, town, other_town, make_process, make_member
):
    from app.accounts.models import User
    from app.contributions.models import Contribution
    from app.moderation import services as moderation
    from app.proposals.models import Proposal

    process = make_process(town, premoderated=True, formats=("proposals",))
    moderator, follower, proposer = (
        make_member(town, Role.MODERATOR),
        make_member(town),
        make_member(town),
    )
    make_member(other_town, Role.MODERATOR)
    follow(app, follower, process)
    proposal_id = submit_proposal(app, proposer, process)
    run(app)
    assert notified(app) == {moderator.id: ["contribution_pending"]}

    def approve():
        proposal = load(Proposal, proposal_id)
        return moderation.approve(
            load(User, moderator.id), load(Contribution, proposal.contribution_id)
        )

    act(app, approve)
    run(app)
    assert notified(app, "process_proposal") == {follower.id: ["process_proposal"]}


def test_phase_start_reaches_followers_and_evaluation_reaches_the_council(
    app, town, other_town, make_process, make_member
):
    from app.core.time import utcnow
    from app.processes import jobs as process_jobs
    from app.processes.models import PhaseKind

    now = utcnow()
    process = make_process(
        town,
        phases=[
            (PhaseKind.PARTICIPATION, now - 3 * DAY, now - DAY),
            (PhaseKind.EVALUATION, now - DAY, now + DAY),
        ],
    )
    follower, council, citizen = (
        make_member(town),
        make_member(town, Role.COUNCIL),
        make_member(town),
    )
    other_council = make_member(other_town, Role.COUNCIL)
    follow(app, follower, process)
    with app.app_context():
        process_jobs.handle_due_transitions(now)
    run(app)
    assert notified(app, "process_phase") == {follower.id: ["process_phase"] * 2}
    assert notified(app, "process_evaluation") == {council.id: ["process_evaluation"]}
    assert citizen.id not in notified(app) and other_council.id not in notified(app)
    with app.app_context():
        process_jobs.handle_due_transitions(now)  # a second runner, a rerun
    run(app)
    assert len(notified(app, "process_phase")[follower.id]) == 2


def test_reports_reach_the_moderation_of_the_municipality_but_not_the_reporter(
    app, town, other_town, process, make_member
):
    from app.accounts.models import User
    from app.contributions.models import Contribution
    from app.moderation import services as moderation
    from app.moderation.models import ReportReason
    from app.proposals.models import Proposal

    moderator, staff, reporting_staff, proposer = (
        make_member(town, Role.MODERATOR),
        make_member(town, Role.STAFF),
        make_member(town, Role.STAFF),
        make_member(town),
    )
    make_member(other_town, Role.MODERATOR)
    citizen = make_member(town)
    proposal_id = submit_proposal(app, proposer, process)

    def report():
        contribution = load(Contribution, load(Proposal, proposal_id).contribution_id)
        return moderation.report(
            load(User, reporting_staff.id), contribution, next(iter(ReportReason))
        ).report

    act(app, report)
    run(app)
    assert set(notified(app, "report_new")) == {moderator.id, staff.id}
    assert citizen.id not in notified(app)


def test_hiding_tells_the_author_in_the_list_and_lifting_a_block_by_mail(
    app, outbox, town, process, make_member
):
    from app.accounts.models import User
    from app.contributions.models import Contribution
    from app.moderation import services as moderation
    from app.municipalities.models import Municipality
    from app.proposals.models import Proposal

    moderator, proposer = make_member(town, Role.MODERATOR), make_member(town)
    proposal_id = submit_proposal(app, proposer, process)
    run(app)

    def hide():
        contribution = load(Contribution, load(Proposal, proposal_id).contribution_id)
        return moderation.hide(load(User, moderator.id), contribution, "Beleidigend")

    act(app, hide)
    block_id = act(
        app,
        lambda: moderation.block(
            load(User, moderator.id),
            load(Municipality, town.id),
            load(User, proposer.id),
            None,
            "Wiederholt",
        ),
    )
    run(app)
    assert notified(app)[proposer.id] == ["contribution_hidden", "block_set"]
    assert (
        outbox.to(proposer.email) == []
    )  # these mails are moderation's own (statement of reasons)

    from app.moderation.models import Block

    act(app, lambda: moderation.lift_block(load(User, moderator.id), load(Block, block_id)))
    run(app)
    assert notified(app)[proposer.id][-1] == "block_lifted"
    assert len(outbox.to(proposer.email)) == 1
    assert moderator.id not in notified(app)


def test_answer_deadlines_reach_the_back_office_once(app, town, process, make_member):
    from app.core.time import utcnow
    from app.notifications import jobs
    from app.proposals.models import ProposalSettings

    staff, moderator, proposer, supporter = (
        make_member(town, Role.STAFF),
        make_member(town, Role.MODERATOR),
        make_member(town),
        make_member(town),
    )
    with app.app_context():
        from app.extensions import db

        db.session.add(ProposalSettings(process_id=process.id, answer_threshold=1, answer_days=2))
        db.session.commit()
    proposal_id = submit_proposal(app, proposer, process)
    support(app, supporter, proposal_id)
    with app.app_context():
        assert jobs.record_answer_deadlines(utcnow()) == 1
        assert jobs.record_answer_deadlines(utcnow()) == 0
    run(app)
    assert notified(app, "answer_deadline") == {staff.id: ["answer_deadline"]}
    assert moderator.id not in notified(app, "answer_deadline")


def test_a_new_version_of_a_draft_text_reaches_followers_in_the_daily_digest(
    app, outbox, town, make_process, make_member
):
    from drafts_support import make_draft

    from app.accounts.models import User
    from app.drafts import services as drafts
    from app.drafts.models import Draft

    process = make_process(town, formats=("drafts",))
    staff, follower, bystander = (
        make_member(town, Role.STAFF),
        make_member(town),
        make_member(town),
    )
    follow(app, follower, process)
    follow(app, staff, process)
    ref = make_draft(app, process, staff)

    def second_version():
        draft, actor = load(Draft, ref.id), load(User, staff.id)
        drafts.start_version(actor, draft)
        drafts.save_working(
            actor,
            draft,
            title="Leitbild",
            introduction_source="",
            body_source="## Neu\n\nNeuer Absatz.",
        )
        return drafts.publish(actor, draft)

    act(app, second_version)
    run(app)
    # the first and the second version; the publisher hears nothing of their own act
    assert notified(app, "draft_version") == {follower.id: ["draft_version"] * 2}
    assert bystander.id not in notified(app)
    assert outbox.to(follower.email) == []  # daily by default
    run(app, next_digest_time(app))
    (digest,) = outbox.to(follower.email)
    body = outbox.body(digest)
    assert "Fassung 2 des Entwurfstexts „Leitbild“" in body
    assert f"/drafts/{ref.id}/versions/2/" in body


def test_an_approved_council_statement_is_announced_as_if_it_had_been_published_at_once(
    app, town, make_process, make_member
):
    """Approval publishes any kind through the kind's own write signal: here a council
    statement, which the notifications knew only through its outcomes signal."""
    from app.accounts.models import User
    from app.contributions.models import Contribution
    from app.moderation import services as moderation
    from app.outcomes import services as outcomes
    from app.outcomes.models import CouncilStatement
    from app.processes.models import Process

    process = make_process(town, premoderated=True, formats=("proposals",))
    moderator, council, follower = (
        make_member(town, Role.MODERATOR),
        make_member(town, Role.COUNCIL),
        make_member(town),
    )
    follow(app, follower, process)
    statement_id = act(
        app,
        lambda: outcomes.save_statement(
            load(User, council.id), load(Process, process.id), "Meine Sicht"
        ),
    )
    run(app)
    assert notified(app) == {moderator.id: ["contribution_pending"]}

    def approve():
        statement = load(CouncilStatement, statement_id)
        return moderation.approve(
            load(User, moderator.id), load(Contribution, statement.contribution_id)
        )

    act(app, approve)
    run(app)
    assert notified(app, "process_council") == {follower.id: ["process_council"]}
    assert council.id not in notified(app)


def test_dismissing_the_reports_of_an_auto_hidden_contribution_tells_its_author_it_is_back(
    app, town, process, make_member
):
    from moderation_support import set_threshold

    from app.accounts.models import User
    from app.contributions.models import Contribution, Visibility
    from app.moderation import services as moderation
    from app.moderation.models import ReportReason
    from app.proposals.models import Proposal

    moderator, proposer, first, second = (
        make_member(town, Role.MODERATOR),
        make_member(town),
        make_member(town),
        make_member(town),
    )
    set_threshold(app, town, 2)
    proposal_id = submit_proposal(app, proposer, process)

    def contribution():
        return load(Contribution, load(Proposal, proposal_id).contribution_id)

    for reporter in (first, second):
        act(
            app,
            lambda reporter=reporter: (
                moderation.report(
                    load(User, reporter.id), contribution(), ReportReason("insult")
                ).report
            ),
        )
    with app.app_context():
        assert contribution().visibility == Visibility.HIDDEN  # the threshold hid it
    act(app, lambda: moderation.keep(load(User, moderator.id), contribution(), "Sachlich"))
    run(app)
    assert notified(app)[proposer.id] == ["contribution_hidden", "contribution_restored"]


def test_named_survey_respondents_hear_of_the_outcome_by_their_choice_for_that_kind(
    app, outbox, town, make_process, make_member
):
    """Answering a named survey counts as taking part: the outcome reaches the respondent, and
    the per-kind choice ("never") stops its mail like for anyone else, leaving the account list.
    Answers to an anonymous survey are linked to nobody, so they tell nobody."""
    from sqlalchemy import select

    from app.accounts.models import User
    from app.core.time import utcnow
    from app.extensions import db
    from app.outcomes import services as outcomes
    from app.processes.models import Phase, Process
    from app.surveys import services as surveys
    from app.surveys.models import Option, Question, QuestionType, Survey

    process = make_process(town, formats=("surveys",))
    staff, eager, quiet, anonymous = (
        make_member(town, Role.STAFF),
        make_member(town),
        make_member(town),
        make_member(town),
    )
    with app.app_context():
        ids = {}
        for name, is_anonymous in (("named", False), ("anonymous", True)):
            survey = Survey(
                municipality_id=town.id,
                process_id=process.id,
                title=f"Umfrage {name}",
                state="published",
                anonymous=is_anonymous,
            )
            question = Question(type=QuestionType.SINGLE, text="Wahl", required=True, position=0)
            question.options = [Option(label="A", position=0)]
            survey.questions = [question]
            db.session.add(survey)
            db.session.flush()
            ids[name] = (survey.id, question.id, question.options[0].id)
        db.session.commit()

    def answer(user, name):
        survey_id, question_id, option_id = ids[name]
        return surveys.submit_response(
            load(Survey, survey_id),
            surveys.Respondent(user=load(User, user.id)),
            {question_id: surveys.Submitted(choices=[str(option_id)])},
        )

    act(app, lambda: answer(eager, "named"))
    act(app, lambda: answer(quiet, "named"))
    act(app, lambda: answer(anonymous, "anonymous"))
    set_choice(app, quiet, "outcome_published", "never")
    with app.app_context():  # participation is over: the outcome may be published
        for phase in db.session.scalars(select(Phase).where(Phase.process_id == process.id)):
            phase.ends_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
    run(app)
    outbox.clear()

    def publish():
        actor, target = load(User, staff.id), load(Process, process.id)
        outcomes.save_outcome(actor, target, outcomes.OutcomeData(summary="Beschlossen"))
        return outcomes.publish_outcome(actor, target, utcnow())

    act(app, publish)
    run(app)
    assert set(notified(app, "outcome_published")) == {eager.id, quiet.id}
    (mail,) = outbox.to(eager.email)  # at once, by default
    assert "/notifications/unsubscribe/" in outbox.body(mail)  # one click stops this kind
    assert outbox.to(quiet.email) == []  # their choice for this kind
    assert outbox.to(anonymous.email) == []
