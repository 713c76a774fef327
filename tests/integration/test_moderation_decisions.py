"""Decisions and their visible effects: keep, hide, restore, approve, reject, block, review; each
writes exactly one audit entry; moderators cannot edit anybody's text."""

from __future__ import annotations

from datetime import timedelta

import moderation_support
import pytest
from moderation_support import (
    XSS,
    audit_actions,
    contribute,
    contribution_state,
    decide,
    report,
    set_threshold,
)
from sqlalchemy import select

from app.accounts.models import User
from app.contributions.models import Contribution
from app.contributions.services import ContributionRefused, start_contribution
from app.core.time import utcnow
from app.extensions import db
from app.moderation import services
from app.moderation.models import Block, Report, ReportCount, ReviewRequest
from app.processes.models import Process

scene = moderation_support.scene  # the fixture


def _case(scene, contribution_id: int, action: str = "") -> str:
    suffix = f"/{action}" if action else ""
    return f"/{scene.town.slug}/admin/moderation/contributions/{contribution_id}{suffix}"


def _open_reports(app, contribution_id: int) -> int:
    with app.app_context():
        return len(
            db.session.scalars(
                select(Report).where(
                    Report.contribution_id == contribution_id, Report.decision_id.is_(None)
                )
            ).all()
        )


# --- keep ---------------------------------------------------------------------------------------


def test_keep_dismisses_the_reports_and_the_contribution_stays(app, client, login, outbox, scene):
    contribution = contribute(app, scene.author, scene.process)
    report(app, scene.users["citizen"], contribution)
    login(client, scene.users["moderator"])
    response = client.post(_case(scene, contribution, "keep"), data={"keep-note": "Sachlich"})
    assert response.status_code == 302
    assert contribution_state(app, contribution) == ("visible", "")
    assert _open_reports(app, contribution) == 0
    with app.app_context():
        assert db.session.get(ReportCount, contribution).open_count == 0
    assert audit_actions(app) == ["moderation.keep"]
    assert outbox.to(scene.author.email) == []  # authors are not bothered with dismissed reports
    queue = client.get(f"/{scene.town.slug}/admin/moderation/")
    assert f"contributions/{contribution}" not in queue.text


def test_keep_shows_a_contribution_hidden_by_the_threshold_again(app, outbox, scene):
    set_threshold(app, scene.town, 1)
    contribution = contribute(app, scene.author, scene.process)
    report(app, scene.users["citizen"], contribution)
    assert contribution_state(app, contribution)[0] == "hidden"
    decide(app, "keep", scene.users["moderator"], contribution)
    assert contribution_state(app, contribution) == ("visible", "")
    assert audit_actions(app) == ["moderation.auto_hide", "moderation.keep"]


def test_keep_without_open_reports_is_refused(app, client, login, scene):
    contribution = contribute(app, scene.author, scene.process)
    login(client, scene.users["moderator"])
    response = client.post(_case(scene, contribution, "keep"), data={})
    assert response.status_code == 302
    assert audit_actions(app) == []


# --- hide and restore ---------------------------------------------------------------------------


def test_hide_with_a_public_reason_keeps_the_place_and_tells_the_author(
    app, client, login, outbox, scene
):
    contribution = contribute(app, scene.author, scene.process)
    report(app, scene.users["citizen"], contribution)
    login(client, scene.users["staff"])
    reason = f"Beleidigt andere Teilnehmende{XSS}"
    response = client.post(_case(scene, contribution, "hide"), data={"hide-reason": reason})
    assert response.status_code == 302

    visibility, stored = contribution_state(app, contribution)
    assert visibility == "hidden" and stored == reason
    assert _open_reports(app, contribution) == 0
    assert audit_actions(app) == ["moderation.hide"]
    with app.app_context():
        assert db.session.get(Contribution, contribution) is not None  # it keeps its place

    mail = outbox.last_to(scene.author.email)
    assert "Beleidigt andere Teilnehmende" in outbox.body(mail)
    assert scene.users["citizen"].email not in outbox.body(mail)
    # The author's account shows the decision, its reason, and the way to ask for a review.
    login(client, scene.author)
    notices = client.get("/account/moderation")
    assert "Beleidigt andere Teilnehmende" in notices.text and XSS not in notices.text
    assert "/review" in notices.text


def test_the_hidden_notice_shows_the_public_reason_escaped(app, scene):
    from flask import render_template_string

    contribution = contribute(app, scene.author, scene.process)
    decide(app, "hide", scene.users["moderator"], contribution, f"Werbung{XSS}")
    with app.test_request_context():
        loaded = db.session.get(Contribution, contribution)
        html = render_template_string(
            '{% from "moderation/_hidden.html" import hidden_notice %}{{ hidden_notice(c) }}',
            c=loaded,
        )
    assert "Werbung" in html and XSS not in html and "&lt;script&gt;" in html
    assert "moderation-hidden" in html


def test_hide_without_a_reason_is_refused_and_changes_nothing(app, client, login, scene):
    contribution = contribute(app, scene.author, scene.process)
    login(client, scene.users["moderator"])
    response = client.post(_case(scene, contribution, "hide"), data={"hide-reason": "  "})
    assert response.status_code == 422
    assert 'id="hide-reason-error"' in response.text and 'aria-invalid="true"' in response.text
    assert contribution_state(app, contribution) == ("visible", "")
    assert audit_actions(app) == []


def test_restore_shows_a_hidden_contribution_again(app, client, login, outbox, scene):
    contribution = contribute(app, scene.author, scene.process)
    decide(app, "hide", scene.users["moderator"], contribution, "Spam")
    login(client, scene.users["facilitator"])
    response = client.post(_case(scene, contribution, "restore"), data={"restore-note": "Irrtum"})
    assert response.status_code == 302
    assert contribution_state(app, contribution) == ("visible", "")
    assert audit_actions(app) == ["moderation.hide", "moderation.restore"]
    [mail] = outbox.to(scene.author.email)  # the hiding above went through the service alone
    assert scene.town.name.split("<")[0] in mail["Subject"]


def test_restore_of_a_visible_contribution_is_refused(app, client, login, scene):
    contribution = contribute(app, scene.author, scene.process)
    login(client, scene.users["moderator"])
    client.post(_case(scene, contribution, "restore"), data={})
    assert audit_actions(app) == []


# --- pre-moderation -----------------------------------------------------------------------------


def _premoderated(app, make_process, scene):
    return make_process(scene.town, premoderated=True)


def test_contributions_in_a_premoderated_process_wait_for_approval(
    app, client, login, make_process, scene
):
    """Seen by the author and, in the queue, by moderators; by nobody else until approved."""
    from comments_support import thread_id_of

    process = make_process(scene.town, premoderated=True, formats=("comments",))
    thread = thread_id_of(app, process)
    login(client, scene.author)
    client.post(
        f"/{scene.town.slug}/threads/{thread}/comments",
        data={f"thread{thread}-body": "Mein wartender Kommentar"},
    )
    with app.app_context():
        contribution = db.session.scalar(select(Contribution.id))
    assert contribution_state(app, contribution)[0] == "pending"

    thread_page = f"/{scene.town.slug}/processes/{process.slug}/comments/"
    own = client.get(thread_page)
    assert own.status_code == 200 and "Mein wartender Kommentar" in own.text
    for who in ("citizen", "council"):
        login(client, scene.users[who])
        assert "Mein wartender Kommentar" not in client.get(thread_page).text
    client.post("/logout")
    assert "Mein wartender Kommentar" not in client.get(thread_page).text

    login(client, scene.users["moderator"])
    pending = client.get(f"/{scene.town.slug}/admin/moderation/pending")
    assert f"contributions/{contribution}" in pending.text
    assert "Mein wartender Kommentar" in pending.text  # the excerpt, through the comment kind
    client.post(_case(scene, contribution, "approve"), data={})
    login(client, scene.users["citizen"])
    assert "Mein wartender Kommentar" in client.get(thread_page).text


def test_approve_publishes_a_pending_contribution(app, client, login, make_process, scene):
    contribution = contribute(app, scene.author, _premoderated(app, make_process, scene))
    login(client, scene.users["moderator"])
    response = client.post(_case(scene, contribution, "approve"), data={})
    assert response.status_code == 302
    assert contribution_state(app, contribution) == ("visible", "")
    assert audit_actions(app) == ["moderation.approve"]
    pending = client.get(f"/{scene.town.slug}/admin/moderation/pending")
    assert f"contributions/{contribution}" not in pending.text


def test_reject_hides_a_pending_contribution_with_a_reason(
    app, client, login, outbox, make_process, scene
):
    contribution = contribute(app, scene.author, _premoderated(app, make_process, scene))
    login(client, scene.users["moderator"])
    response = client.post(
        _case(scene, contribution, "reject"), data={"reject-reason": "Nicht zum Thema"}
    )
    assert response.status_code == 302
    assert contribution_state(app, contribution) == ("hidden", "Nicht zum Thema")
    assert audit_actions(app) == ["moderation.reject"]
    assert "Nicht zum Thema" in outbox.body(outbox.last_to(scene.author.email))


def test_approve_of_a_contribution_that_is_not_pending_is_refused(app, scene):
    contribution = contribute(app, scene.author, scene.process)
    with pytest.raises(services.DecisionRefused):
        decide(app, "approve", scene.users["moderator"], contribution)


# --- blocks -------------------------------------------------------------------------------------


def _block(client, scene, contribution: int, duration: str = "7", reason: str = "Beleidigungen"):
    return client.post(
        _case(scene, contribution, "block"),
        data={"block-duration": duration, "block-reason": reason},
    )


def _start(app, author, process):
    with app.app_context():
        return start_contribution(
            db.session.get(User, author.id), db.session.get(Process, process.id), "test"
        )


def test_a_blocked_author_is_refused_with_a_clear_message_in_that_municipality_only(
    app, client, login, outbox, scene, make_process, make_member
):
    contribution = contribute(app, scene.author, scene.process)
    login(client, scene.users["moderator"])
    assert _block(client, scene, contribution, "30", "Wiederholt beleidigend").status_code == 302
    assert audit_actions(app) == ["moderation.block"]
    assert "Wiederholt beleidigend" in outbox.body(outbox.last_to(scene.author.email))

    with pytest.raises(ContributionRefused, match="Wiederholt beleidigend") as refused:
        _start(app, scene.author, scene.process)
    assert scene.town.name in str(refused.value)

    # Elsewhere the same person writes as before.
    make_member(scene.other, user=scene.author)
    elsewhere = make_process(scene.other)
    with app.app_context():
        start_contribution(
            db.session.get(User, scene.author.id), db.session.get(Process, elsewhere.id), "test"
        )


def test_a_block_for_a_period_ends_by_itself(app, scene):
    contribution = contribute(app, scene.author, scene.process)
    with app.app_context():
        entry = services.block(
            db.session.get(User, scene.users["moderator"].id),
            db.session.get(type(scene.town), scene.town.id),
            db.session.get(User, scene.author.id),
            utcnow() + timedelta(days=7),
            "Pause",
            db.session.get(Contribution, contribution),
        )
        entry.until = utcnow() - timedelta(minutes=1)
        db.session.commit()
    _start(app, scene.author, scene.process)  # no longer refused


def test_lifting_a_block_lets_the_author_write_again(app, client, login, scene):
    contribution = contribute(app, scene.author, scene.process)
    login(client, scene.users["moderator"])
    _block(client, scene, contribution, "forever")
    with app.app_context():
        block_id = db.session.scalar(select(Block.id))
        assert db.session.get(Block, block_id).until is None
    listing = client.get(f"/{scene.town.slug}/admin/moderation/blocks")
    assert scene.author.display_name not in listing.text  # escaped
    assert f"/blocks/{block_id}/lift" in listing.text
    response = client.post(f"/{scene.town.slug}/admin/moderation/blocks/{block_id}/lift", data={})
    assert response.status_code == 302
    assert audit_actions(app) == ["moderation.block", "moderation.unblock"]
    _start(app, scene.author, scene.process)


def test_blocking_twice_or_oneself_is_refused(app, client, login, scene):
    contribution = contribute(app, scene.author, scene.process)
    login(client, scene.users["moderator"])
    _block(client, scene, contribution)
    _block(client, scene, contribution)
    assert audit_actions(app) == ["moderation.block"]
    own = contribute(app, scene.users["moderator"], scene.process)
    _block(client, scene, own)
    assert audit_actions(app) == ["moderation.block"]


def test_block_needs_a_reason(app, client, login, scene):
    contribution = contribute(app, scene.author, scene.process)
    login(client, scene.users["moderator"])
    response = _block(client, scene, contribution, reason="")
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(Block.id)) is None


# --- review requests ----------------------------------------------------------------------------


def _review_url(decision_id: int) -> str:
    return f"/account/moderation/decisions/{decision_id}/review"


def test_the_author_can_ask_for_a_review_once(app, client, login, scene):
    contribution = contribute(app, scene.author, scene.process)
    decision = decide(app, "hide", scene.users["moderator"], contribution, "Spam")
    login(client, scene.author)
    assert client.get(_review_url(decision)).status_code == 200
    response = client.post(_review_url(decision), data={"text": f"Das war keine Werbung{XSS}"})
    assert response.status_code == 302
    again = client.post(_review_url(decision), data={"text": "Noch einmal"})
    assert again.status_code == 200
    with app.app_context():
        [review] = db.session.scalars(select(ReviewRequest)).all()
        assert review.text.startswith("Das war keine Werbung")
    # The database holds the rule too.
    with app.app_context(), pytest.raises(services.ReviewRefused):
        author = db.session.get(User, scene.author.id)
        services.request_review(author, services.get_own_decision(author, decision), "Nochmal")
    # The queue shows the request, escaped.
    login(client, scene.users["moderator"])
    reviews = client.get(f"/{scene.town.slug}/admin/moderation/reviews")
    assert "Das war keine Werbung" in reviews.text and XSS not in reviews.text


def test_only_the_author_can_ask_for_a_review(app, client, login, scene):
    contribution = contribute(app, scene.author, scene.process)
    decision = decide(app, "hide", scene.users["moderator"], contribution, "Spam")
    for who in ("citizen", "moderator", "platform_admin"):
        login(client, scene.users[who])
        assert client.get(_review_url(decision)).status_code == 404
        assert client.post(_review_url(decision), data={"text": "x"}).status_code == 404


def test_uphold_answers_the_review_and_the_contribution_stays_hidden(
    app, client, login, outbox, scene
):
    contribution = contribute(app, scene.author, scene.process)
    decision = decide(app, "hide", scene.users["moderator"], contribution, "Spam")
    login(client, scene.author)
    client.post(_review_url(decision), data={"text": "Bitte prüfen"})
    with app.app_context():
        review_id = db.session.scalar(select(ReviewRequest.id))
    login(client, scene.users["admin"])
    url = f"/{scene.town.slug}/admin/moderation/reviews/{review_id}/uphold"
    assert client.post(url, data={"uphold-reason": ""}).status_code == 422
    response = client.post(url, data={"uphold-reason": "Es bleibt Werbung."})
    assert response.status_code == 302
    assert contribution_state(app, contribution) == ("hidden", "Spam")
    assert audit_actions(app) == ["moderation.hide", "moderation.uphold"]
    with app.app_context():
        assert db.session.get(ReviewRequest, review_id).resolved_at is not None
    assert "Es bleibt Werbung." in outbox.body(outbox.last_to(scene.author.email))
    # Once answered, it cannot be answered again, nor asked again.
    client.post(url, data={"uphold-reason": "Noch einmal"})
    assert audit_actions(app) == ["moderation.hide", "moderation.uphold"]


def test_restoring_answers_an_open_review(app, client, login, scene):
    contribution = contribute(app, scene.author, scene.process)
    decision = decide(app, "hide", scene.users["moderator"], contribution, "Spam")
    login(client, scene.author)
    client.post(_review_url(decision), data={"text": "Bitte prüfen"})
    decide(app, "restore", scene.users["moderator"], contribution)
    with app.app_context():
        assert db.session.scalar(select(ReviewRequest.resolved_at)) is not None
    login(client, scene.users["moderator"])
    assert "Bitte prüfen" not in client.get(f"/{scene.town.slug}/admin/moderation/reviews").text


# --- one audit entry per action, with who, what, before and after ----------------------------


@pytest.mark.parametrize(
    ("action", "setup", "data"),
    [
        ("keep", "reported", {}),
        ("hide", "reported", {"hide-reason": "Grund"}),
        ("restore", "hidden", {}),
        ("approve", "pending", {}),
        ("reject", "pending", {"reject-reason": "Grund"}),
        ("block", "reported", {"block-duration": "7", "block-reason": "Grund"}),
    ],
)
def test_each_decision_writes_exactly_one_audit_entry(
    app, client, login, make_process, scene, action, setup, data
):
    from app.core.audit import AuditEntry

    process = make_process(scene.town, premoderated=True) if setup == "pending" else scene.process
    contribution = contribute(app, scene.author, process)
    if setup == "reported":
        report(app, scene.users["citizen"], contribution)
    if setup == "hidden":
        decide(app, "hide", scene.users["moderator"], contribution, "Grund")
    with app.app_context():
        before = db.session.scalar(select(db.func.count(AuditEntry.id)))
    login(client, scene.users["staff"])
    assert client.post(_case(scene, contribution, action), data=data).status_code == 302
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).order_by(AuditEntry.id).offset(before)
        ).all()
        assert [e.action for e in entries] == [f"moderation.{action}"]
        [entry] = entries
        assert entry.actor_id == scene.users["staff"].id
        assert entry.municipality_id == scene.town.id
        assert entry.created_at is not None
        if action != "block":
            assert (entry.object_type, entry.object_id) == ("contribution", contribution)
            assert entry.before["visibility"] != entry.after["visibility"] or action == "keep"
        else:
            assert (entry.object_type, entry.object_id) == ("user", scene.author.id)
            assert entry.reason == "Grund"


# --- what moderators may not do -----------------------------------------------------------------


def test_moderation_offers_no_way_to_edit_a_contribution(app):
    """Moderators decide whether a contribution is shown; its text is its author's. Every
    moderation route is listed here, so a route that edited text would have to be added on purpose."""
    moderation_routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in {"moderation", "moderation_account"}
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert moderation_routes == {
        ("moderation.report", "GET"),
        ("moderation.report", "POST"),
        ("moderation.netiquette", "GET"),
        ("moderation.queue", "GET"),
        ("moderation.pending", "GET"),
        ("moderation.reviews", "GET"),
        ("moderation.blocks", "GET"),
        ("moderation.case", "GET"),
        ("moderation.keep", "POST"),
        ("moderation.hide", "POST"),
        ("moderation.restore", "POST"),
        ("moderation.approve", "POST"),
        ("moderation.reject", "POST"),
        ("moderation.block", "POST"),
        ("moderation.lift_block", "POST"),
        ("moderation.uphold", "POST"),
        ("moderation.settings", "GET"),
        ("moderation.settings", "POST"),
        ("moderation_account.notices", "GET"),
        ("moderation_account.request_review", "GET"),
        ("moderation_account.request_review", "POST"),
    }
    assert not any(
        "edit" in rule.rule for rule in app.url_map.iter_rules() if "moderation" in rule.rule
    )


def test_hiding_leaves_the_contribution_itself_untouched(app, scene):
    contribution = contribute(app, scene.author, scene.process)
    with app.app_context():
        before = db.session.get(Contribution, contribution)
        snapshot = (before.author_id, before.kind, before.created_at, before.edited_at)
    decide(app, "hide", scene.users["moderator"], contribution, "Grund")
    with app.app_context():
        after = db.session.get(Contribution, contribution)
        assert (after.author_id, after.kind, after.created_at, after.edited_at) == snapshot


# --- who may decide -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["citizen", "council", "other_staff", "other_admin"])
@pytest.mark.parametrize("action", ["keep", "hide", "restore", "approve", "reject", "block"])
def test_people_who_do_not_moderate_here_get_403_and_change_nothing(
    app, client, login, scene, who, action
):
    contribution = contribute(app, scene.author, scene.process)
    report(app, scene.users["citizen"], contribution)
    login(client, scene.users[who])
    data = {"hide-reason": "x", "reject-reason": "x", "block-duration": "7", "block-reason": "x"}
    assert client.post(_case(scene, contribution, action), data=data).status_code == 403
    assert client.get(_case(scene, contribution)).status_code == 403
    assert contribution_state(app, contribution) == ("visible", "")
    assert audit_actions(app) == []


def test_staff_of_another_municipality_cannot_reach_a_contribution_through_their_own(
    app, client, login, scene
):
    contribution = contribute(app, scene.author, scene.process)
    login(client, scene.users["other_staff"])
    base = f"/{scene.other.slug}/admin/moderation/contributions/{contribution}"
    assert client.get(base).status_code == 404
    for action in ("keep", "hide", "restore", "approve", "reject", "block"):
        assert client.post(f"{base}/{action}", data={"hide-reason": "x"}).status_code == 404
    assert contribution_state(app, contribution) == ("visible", "")


def test_staff_of_another_municipality_cannot_answer_its_reviews_or_lift_its_blocks(
    app, client, login, scene
):
    contribution = contribute(app, scene.author, scene.process)
    decision = decide(app, "hide", scene.users["moderator"], contribution, "Spam")
    with app.app_context():
        author = db.session.get(User, scene.author.id)
        review = services.request_review(
            author, services.get_own_decision(author, decision), "Bitte"
        )
        entry = services.block(
            db.session.get(User, scene.users["moderator"].id),
            db.session.get(type(scene.town), scene.town.id),
            author,
            None,
            "Grund",
        )
        db.session.commit()
        review_id, block_id = review.id, entry.id
    login(client, scene.users["other_staff"])
    other = f"/{scene.other.slug}/admin/moderation"
    assert client.post(f"{other}/reviews/{review_id}/uphold", data={}).status_code == 404
    assert client.post(f"{other}/blocks/{block_id}/lift", data={}).status_code == 404
    with app.app_context():
        assert db.session.get(Block, block_id).lifted_at is None


def test_a_blocked_author_is_refused_when_commenting_through_the_real_route(
    app, client, login, scene, make_process
):
    from comments_support import thread_id_of

    from app.comments.models import Comment

    process = make_process(scene.town, formats=("comments",))
    contribution = contribute(app, scene.author, scene.process)
    login(client, scene.users["moderator"])
    _block(client, scene, contribution, "forever", "Wiederholt beleidigend")

    thread = thread_id_of(app, process)
    login(client, scene.author)
    response = client.post(
        f"/{scene.town.slug}/threads/{thread}/comments",
        data={f"thread{thread}-body": "Noch ein Kommentar"},
    )
    assert response.status_code == 422
    assert "Wiederholt beleidigend" in response.text
    assert "Noch ein Kommentar" in response.text  # nothing typed is lost
    with app.app_context():
        assert db.session.scalar(select(Comment.id)) is None


def test_authors_are_not_told_about_reports_that_were_dismissed(app, client, login, scene):
    quiet = contribute(app, scene.author, scene.process)
    report(app, scene.users["citizen"], quiet)
    decide(app, "keep", scene.users["moderator"], quiet)
    login(client, scene.author)
    page = client.get("/account/moderation").text
    assert f"Beitrag {quiet}" not in page and "empty-state" in page

    set_threshold(app, scene.town, 1)
    hidden_for_a_while = contribute(app, scene.author, scene.process)
    report(app, scene.users["citizen"], hidden_for_a_while)
    decide(app, "keep", scene.users["moderator"], hidden_for_a_while)
    page = client.get("/account/moderation").text
    assert page.count(f"Beitrag {hidden_for_a_while}") == 2  # hidden automatically, then kept
