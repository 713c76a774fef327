"""Shared set-up of the notification tests: acting through the real services, running the jobs.

Every act goes through the domain's service (so its signal records the event, as in a request) and
commits; ``run`` then does what the scheduler process does at ``now``: expand the events and queue
the mails that are due. The ``outbox`` fixture delivers the queue to the test SMTP server.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

DAY = timedelta(days=1)


def next_digest_time(app, now: datetime | None = None, cadence: str = "daily") -> datetime:
    """A moment just after the next 07:00 in Berlin (a Monday for weekly), when digests are due."""
    from app.core.time import utcnow
    from app.notifications.models import Delivery
    from app.notifications.services import mail_due

    with app.app_context():
        return mail_due(Delivery(cadence), now or utcnow()) + timedelta(minutes=1)


def consent_to_mail(app, *, except_ids=()) -> None:
    """Everyone agreed to e-mail notifications, where the privacy domain asks for that consent."""
    try:
        from app.privacy.consents import ConsentKind, record, wants_email
    except ImportError:
        return
    from app.accounts.models import User
    from app.extensions import db

    with app.app_context():
        for user in db.session.scalars(select(User)):
            if user.id not in except_ids and not wants_email(user):
                record(user, ConsentKind.EMAIL_NOTIFICATIONS, True)
        db.session.commit()


def run(app, now: datetime | None = None, *, consent: bool = True):
    """The scheduler's notification jobs at ``now``; ``consent`` first lets everyone get mail."""
    from app.core.time import utcnow
    from app.notifications import jobs

    if consent:
        consent_to_mail(app)
    with app.app_context():
        return jobs.run_all(now or utcnow())


def act(app, fn):
    """Run ``fn()`` in a request context and commit, as one request would; returns its result's id."""
    from app.extensions import db

    with app.test_request_context():
        result = fn()
        ident = getattr(result, "id", result)
        db.session.commit()
        return ident


def load(model, ident):
    from app.extensions import db

    return db.session.get(model, ident)


def notified(app, kind: str | None = None) -> dict[int, list[str]]:
    """user id -> kinds of their notifications (optionally of one kind)."""
    from app.extensions import db
    from app.notifications.models import Notification

    with app.app_context():
        query = select(Notification.user_id, Notification.kind).order_by(Notification.id)
        if kind:
            query = query.where(Notification.kind == kind)
        found: dict[int, list[str]] = {}
        for user_id, row_kind in db.session.execute(query):
            found.setdefault(user_id, []).append(row_kind)
        return found


def post_comment(app, author, thread_id: int, text: str = "Ein Kommentar", parent_id=None):
    from app.accounts.models import User
    from app.comments import services as comments
    from app.comments.models import Comment
    from app.contributions.models import Thread
    from app.processes.models import Process

    def do():
        thread = load(Thread, thread_id)
        parent = load(Comment, parent_id) if parent_id else None
        return comments.post_comment(
            load(User, author.id), thread, load(Process, thread.process_id), text, parent
        )

    return act(app, do)


def submit_proposal(app, author, process, title: str = "Mehr Bäume") -> int:
    from app.accounts.models import User
    from app.processes.models import Process
    from app.proposals import services as proposals

    return act(
        app,
        lambda: proposals.submit_proposal(
            load(User, author.id),
            load(Process, process.id),
            proposals.ProposalData(title=title, description="Im Park, bitte."),
        ),
    )


def proposal_thread(app, proposal_id: int) -> int:
    from app.proposals.models import Proposal

    with app.app_context():
        return load(Proposal, proposal_id).thread_id


def support(app, user, proposal_id: int) -> None:
    from app.accounts.models import User
    from app.proposals import services as proposals
    from app.proposals.models import Proposal

    act(app, lambda: proposals.support(load(User, user.id), load(Proposal, proposal_id)))


def answer(app, actor, proposal_id: int, status: str = "accepted") -> None:
    from app.accounts.models import User
    from app.proposals import services as proposals
    from app.proposals.models import Proposal, ProposalStatus

    act(
        app,
        lambda: proposals.change_status(
            load(User, actor.id),
            load(Proposal, proposal_id),
            ProposalStatus(status),
            "Wir setzen das um.",
            "Bauamt",
        ),
    )


def follow(app, user, process) -> None:
    from app.accounts.models import User
    from app.processes import services as processes
    from app.processes.models import Process

    act(app, lambda: processes.follow(load(User, user.id), load(Process, process.id)))


def set_choice(app, user, kind: str, delivery: str) -> None:
    from app.notifications import services
    from app.notifications.models import Delivery

    act(app, lambda: services.set_choice(user.id, kind, Delivery(delivery)))


def at(hour: int, day: int = 7) -> datetime:
    return datetime(2030, 1, day, hour, tzinfo=UTC)
