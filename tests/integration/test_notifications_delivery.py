"""Delivery: the account list, digests that group and never repeat, one-click unsubscribe with the
RFC 8058 headers, the recipient's language, retries while the mail server is down, retention, and
exactly-once expansion and digests with two runners on PostgreSQL."""

from __future__ import annotations

import os
import threading
from datetime import timedelta

import pytest
from notifications_support import (
    consent_to_mail,
    follow,
    next_digest_time,
    notified,
    post_comment,
    proposal_thread,
    run,
    set_choice,
    submit_proposal,
)
from sqlalchemy import func, select

DAY = timedelta(days=1)


@pytest.fixture
def town(make_municipality):
    return make_municipality(xss=False)


@pytest.fixture
def process(make_process, town):
    return make_process(town, formats=("proposals", "comments"))


def _replies(app, town, process, make_member, count: int = 1):
    """``author`` wrote a comment that ``count`` others answer; returns (author, repliers)."""
    author, proposer = make_member(town), make_member(town)
    thread_id = proposal_thread(app, submit_proposal(app, proposer, process))
    parent_id = post_comment(app, author, thread_id)
    repliers = [make_member(town) for _ in range(count)]
    for replier in repliers:
        post_comment(app, replier, thread_id, "Antwort", parent_id=parent_id)
    return author, repliers


# --- the account list ------------------------------------------------------------------------------


def test_the_list_shows_ones_own_notifications_and_the_header_counts_unread(
    app, client, login, town, process, make_member
):
    author, _repliers = _replies(app, town, process, make_member, 2)
    run(app)
    login(client, author)
    page = client.get("/account/notifications")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('class="notif-item is-unread"') == 2
    assert '<span class="nav-count">2' in html
    assert "<script>window.__xss" not in html  # names and titles are escaped


def test_opening_marks_read_and_leads_to_the_object(app, client, login, town, process, make_member):
    from app.extensions import db
    from app.notifications.models import Notification

    author, _ = _replies(app, town, process, make_member)
    run(app)
    with app.app_context():
        notification_id = db.session.scalar(
            select(Notification.id).where(Notification.user_id == author.id)
        )
    login(client, author)
    response = client.get(f"/account/notifications/{notification_id}")
    assert response.status_code == 302 and "/comments/" in response.location
    with app.app_context():
        assert db.session.get(Notification, notification_id).read_at is not None


def test_mark_read_and_mark_all_read_are_plain_forms(
    app, client, login, town, process, make_member
):
    from app.extensions import db
    from app.notifications.models import Notification

    author, _ = _replies(app, town, process, make_member, 3)
    run(app)
    login(client, author)
    with app.app_context():
        first = db.session.scalar(select(Notification.id).where(Notification.user_id == author.id))
    assert client.post(f"/account/notifications/{first}/read").status_code == 302
    with app.app_context():
        unread = select(func.count()).where(
            Notification.read_at.is_(None), Notification.user_id == author.id
        )
        assert db.session.scalar(unread) == 2
    assert client.post("/account/notifications/read").status_code == 302
    with app.app_context():
        assert db.session.scalar(unread) == 0


def test_nobody_reads_or_marks_another_persons_notification(
    app, client, login, town, process, make_member
):
    from app.extensions import db
    from app.notifications.models import Notification

    _replies(app, town, process, make_member)
    run(app)
    stranger = make_member(town)
    with app.app_context():
        notification_id = db.session.scalar(select(Notification.id))
    login(client, stranger)
    assert client.get(f"/account/notifications/{notification_id}").status_code == 404
    assert client.post(f"/account/notifications/{notification_id}/read").status_code == 404
    with app.app_context():
        assert db.session.get(Notification, notification_id).read_at is None


def test_the_list_needs_the_same_queries_for_3_and_for_30_rows(
    app, client, login, count_queries, town, process, make_member
):
    author, _ = _replies(app, town, process, make_member, 3)
    run(app)
    login(client, author)
    client.get("/account/notifications")
    with count_queries() as few:
        client.get("/account/notifications")
    _more_author, _ = _replies(app, town, process, make_member, 0)
    from app.extensions import db
    from app.notifications.models import Event, Notification

    with app.app_context():  # 27 more replies by different people to the same author
        event = db.session.scalar(select(Event).limit(1))
        for n in range(27):
            replier = db.session.scalar(select(Event.actor_id).limit(1))
            copy = Event(
                kind=event.kind,
                municipality_id=event.municipality_id,
                process_id=event.process_id,
                actor_id=replier,
                object_id=event.object_id,
                payload=event.payload,
                expanded_at=event.expanded_at,
            )
            db.session.add(copy)
            db.session.flush()
            db.session.add(
                Notification(user_id=author.id, event_id=copy.id, kind=event.kind, delivery="never")
            )
        db.session.commit()
    with count_queries() as many:
        html = client.get("/account/notifications?page=1").get_data(as_text=True)
    assert html.count("notif-item") >= 20
    # a list on one page is not counted (app.core.pagination); a longer one is, once
    assert many.count <= few.count + 1


# --- preferences and digests ----------------------------------------------------------------------------


def test_preferences_page_saves_a_choice_and_moves_waiting_mail(
    app, client, login, town, process, make_member, outbox
):
    from app.extensions import db
    from app.notifications.models import Notification, Preference

    author, _ = _replies(app, town, process, make_member)
    login(client, author)
    page = client.get("/account/notifications/preferences").get_data(as_text=True)
    assert 'name="kind_comment_reply"' in page
    assert "kind_report_new" not in page  # back-office kinds only for the back office
    form = {"kind_comment_reply": "weekly"}
    assert client.post("/account/notifications/preferences", data=form).status_code == 302
    run(app)
    with app.app_context():
        assert db.session.scalar(select(Preference.delivery)) == "weekly"
        mine = select(Notification.delivery).where(Notification.user_id == author.id)
        assert db.session.scalar(mine) == "weekly"
    assert outbox.to(author.email) == []
    run(app, next_digest_time(app, cadence="weekly"))
    assert len(outbox.to(author.email)) == 1
    bad = {"kind_comment_reply": "hourly"}
    assert client.post("/account/notifications/preferences", data=bad).status_code == 422


def test_a_daily_digest_groups_kinds_and_never_repeats(app, outbox, town, process, make_member):
    proposer = make_member(town)
    proposal_id = submit_proposal(app, proposer, process)
    follow(app, proposer, process)
    commenter, other_proposer = make_member(town), make_member(town)
    post_comment(app, commenter, proposal_thread(app, proposal_id), "Eins")
    submit_proposal(app, other_proposer, process, "Noch ein Vorschlag")
    run(app)
    digest_time = next_digest_time(app)
    assert run(app, digest_time).mails == 1
    (digest,) = outbox.to(proposer.email)
    text = outbox.body(digest)
    assert "Comments on your proposals" in text or "Kommentare zu Ihren Vorschlägen" in text
    assert "Noch ein Vorschlag" in text
    assert run(app, digest_time).mails == 0
    # An event after the digest goes into the next day's, not again into this one.
    post_comment(app, commenter, proposal_thread(app, proposal_id), "Zwei")
    run(app, digest_time)
    assert len(outbox.to(proposer.email)) == 1
    run(app, next_digest_time(app, digest_time))
    assert len(outbox.to(proposer.email)) == 2


def test_no_mail_for_never_or_without_consent_but_the_list_keeps_them(
    app, outbox, town, process, make_member
):
    author, _ = _replies(app, town, process, make_member)
    set_choice(app, author, "comment_reply", "never")
    run(app)
    assert notified(app, "comment_reply") == {author.id: ["comment_reply"]}
    assert outbox.to(author.email) == []


def test_without_consent_to_e_mail_notifications_nothing_is_mailed(
    app, outbox, town, process, make_member
):
    pytest.importorskip("app.privacy.consents")
    from app.accounts.models import User
    from app.extensions import db
    from app.privacy.consents import ConsentKind, record

    author, _repliers = _replies(app, town, process, make_member)
    with app.app_context():  # the person said no to e-mail notifications
        record(db.session.get(User, author.id), ConsentKind.EMAIL_NOTIFICATIONS, False)
        db.session.commit()
    consent_to_mail(app, except_ids={author.id})
    run(app, consent=False)
    assert notified(app, "comment_reply") == {author.id: ["comment_reply"]}
    assert outbox.to(author.email) == []


# --- the mail itself -----------------------------------------------------------------------------------------


def test_mails_carry_a_signed_one_click_unsubscribe(
    app, client, outbox, town, process, make_member
):
    from app.extensions import db
    from app.notifications.models import Preference

    author, _ = _replies(app, town, process, make_member)
    run(app)
    mail = outbox.last_to(author.email)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = mail["List-Unsubscribe"]
    assert header.startswith("<http") and header.endswith(">")
    url = header[1:-1]
    assert url.startswith(app.config["PUBLIC_URL"])
    assert "<a href=" in outbox.body(mail, "html")
    assert url in outbox.body(mail)  # the per-kind link in the text
    path = url[len(app.config["PUBLIC_URL"]) :]

    assert client.get(path).status_code == 200  # a GET (a mail scanner) changes nothing
    with app.app_context():
        assert db.session.scalar(select(func.count(Preference.id))) == 0
    app.config["WTF_CSRF_ENABLED"] = True
    try:  # RFC 8058: the mail client POSTs without session or CSRF token
        assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
        assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        rows = db.session.execute(select(Preference.user_id, Preference.kind, Preference.delivery))
        assert [tuple(r) for r in rows] == [(author.id, "comment_reply", "never")]
    assert client.post(path[:-3] + "abc").status_code == 404  # a forged signature


def test_mails_are_in_the_recipients_language(app, outbox, town, process, make_member):
    from app.accounts.models import User
    from app.extensions import db

    author, _repliers = _replies(app, town, process, make_member)
    english, _ = _replies(app, town, process, make_member)
    with app.app_context():
        db.session.get(User, english.id).locale = "en"
        db.session.commit()
    run(app)
    assert "geantwortet" in outbox.last_to(author.email)["Subject"]
    assert "replied to your comment" in outbox.last_to(english.email)["Subject"]


def test_mails_wait_while_the_mail_server_is_down_and_go_out_once_it_is_back(
    app, outbox, town, process, make_member
):
    from app.core.mail import deliver_queued
    from app.core.time import utcnow

    author, _ = _replies(app, town, process, make_member)
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = 1  # nothing listens there
    try:
        run(app)  # the page that caused it and the scheduler are not held up
        with app.app_context():
            assert deliver_queued(utcnow()) == 0
            assert deliver_queued(utcnow() + timedelta(minutes=5)) == 0
    finally:
        app.config["MAIL_PORT"] = port
    assert len(outbox.to(author.email)) == 1
    assert len(outbox.to(author.email)) == 1


# --- retention ----------------------------------------------------------------------------------------------


def test_notifications_are_kept_90_days(app, town, process, make_member):
    from app.core.time import utcnow
    from app.extensions import db
    from app.notifications import services
    from app.notifications.models import Notification

    _replies(app, town, process, make_member)
    run(app)
    with app.app_context():
        assert services.purge_old(utcnow() + timedelta(days=89)) == 0
        assert services.purge_old(utcnow() + timedelta(days=91)) == 3  # author's, proposer's 2
        db.session.commit()
        assert db.session.scalar(select(func.count(Notification.id))) == 0


# --- two runners ----------------------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="needs PostgreSQL (TEST_DATABASE_URL) for concurrent runners",
)
def test_two_runners_expand_each_event_once_and_send_each_digest_once_on_postgres(
    app, outbox, town, make_process, make_member
):
    from app.core.time import utcnow
    from app.extensions import db
    from app.notifications import jobs, services
    from app.notifications.models import DigestSent, Event, Notification

    process = make_process(town, formats=("proposals", "comments"))
    followers = [make_member(town) for _ in range(30)]
    for follower in followers:
        follow(app, follower, process)
    proposers = [make_member(town) for _ in range(5)]
    for n, proposer in enumerate(proposers):
        submit_proposal(app, proposer, process, f"Vorschlag {n}")
    consent_to_mail(app)
    now = utcnow()
    digest_time = next_digest_time(app, now)

    def in_parallel(step) -> None:
        barrier = threading.Barrier(3)
        errors: list[BaseException] = []

        def runner():
            try:
                with app.app_context():
                    barrier.wait()
                    step()
            except BaseException as exc:  # surfaced below
                errors.append(exc)
            finally:
                with app.app_context():
                    db.session.remove()

        threads = [threading.Thread(target=runner) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not errors, errors

    in_parallel(lambda: services.expand_pending(now))
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Event.expanded_at.is_(None))) == 0
        # 30 followers hear of 5 proposals; each proposer of the 4 others'
        total = db.session.scalar(select(func.count(Notification.id)))
    assert total == 5 * 30 + 0
    in_parallel(lambda: jobs.send_due(digest_time, limit=10_000))
    in_parallel(lambda: jobs.send_due(digest_time, limit=10_000))
    with app.app_context():
        assert db.session.scalar(select(func.count(DigestSent.id))) == 30
    for follower in followers:
        (digest,) = outbox.to(follower.email)
        assert "5" in digest["Subject"]


def test_the_language_someone_switches_to_is_the_language_of_their_mails(
    app, client, login, make_user
):
    from app.accounts.models import User
    from app.extensions import db

    user = make_user()
    login(client, user)
    assert client.get("/lang/en").status_code == 302
    with app.app_context():
        assert db.session.get(User, user.id).locale == "en"
