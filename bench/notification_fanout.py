"""Benchmark: a new proposal in a process with 5,000 followers, from the request to queued mails.

The request only records one event, so its time must not grow with the followers; the scheduler's
expansion (5,000 permission-checked notifications) and the digest run (5,000 queued mails) are timed
separately. Uses a scratch SQLite database unless ``--database-url`` names another (PostgreSQL:
``postgresql+psycopg://postgres@127.0.0.1:5432/bench_notif``, created empty beforehand).

    .venv/bin/python bench/notification_fanout.py [--followers 5000] [--database-url URL]

Not a unit test on purpose: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REQUEST_TARGET_SECONDS = 0.5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--followers", type=int, default=5_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    url = args.database_url or (
        f"sqlite:///{Path(tempfile.mkdtemp(prefix='trialog-bench-')) / 'bench.db'}"
    )
    os.environ["DATABASE_URL"] = url
    from datetime import timedelta

    from sqlalchemy import func, insert, select

    from app import create_app
    from app.accounts.models import User
    from app.core.mail import OutgoingMail
    from app.core.roles import Role
    from app.core.time import utcnow
    from app.extensions import db
    from app.municipalities.models import FederalState, Membership, Municipality
    from app.notifications import jobs, services
    from app.notifications.models import Delivery, Notification
    from app.processes.models import (
        Phase,
        PhaseKind,
        Process,
        ProcessFollow,
        ProcessFormat,
        ProcessState,
    )
    from app.proposals import services as proposals

    app = create_app("development")
    now = utcnow()
    with app.app_context():
        db.create_all()
        town = Municipality(
            name="Benchstadt", slug="benchstadt", federal_state=FederalState.BW, is_active=True
        )
        process = Process(
            municipality=town,
            slug="fanout",
            title="Fan-out",
            state=ProcessState.PUBLISHED,
            phases=[
                Phase(
                    kind=PhaseKind.PARTICIPATION,
                    title="Beteiligung",
                    starts_at=now - timedelta(days=1),
                    ends_at=now + timedelta(days=30),
                )
            ],
            format_rows=[ProcessFormat(key="proposals")],
        )
        db.session.add_all([town, process])
        db.session.flush()
        started = time.perf_counter()
        db.session.execute(
            insert(User),
            [
                dict(
                    email=f"follower{n}@bench.example",
                    display_name=f"Follower {n}",
                    password_hash="!",  # noqa: S106  no login: an impossible hash
                    consented_at=now,
                    email_verified_at=now,
                )
                for n in range(args.followers + 1)
            ],
        )
        ids = db.session.scalars(select(User.id).order_by(User.id)).all()
        db.session.execute(
            insert(Membership),
            [dict(user_id=i, municipality_id=town.id, role=Role.CITIZEN) for i in ids],
        )
        db.session.execute(
            insert(ProcessFollow), [dict(user_id=i, process_id=process.id) for i in ids[1:]]
        )
        try:  # where the privacy domain asks for consent to e-mail notifications, give it
            from app.privacy.consents import ConsentKind, record

            for user in db.session.scalars(select(User)):
                record(user, ConsentKind.EMAIL_NOTIFICATIONS, True)
        except ImportError:
            pass
        db.session.commit()
        print(f"seeded {args.followers} followers in {time.perf_counter() - started:.1f} s ({url})")
        author_id, process_id = ids[0], process.id

    with app.test_request_context():
        started = time.perf_counter()
        proposals.submit_proposal(
            db.session.get(User, author_id),
            db.session.get(Process, process_id),
            proposals.ProposalData(title="Ein Vorschlag", description="Für alle."),
        )
        db.session.commit()
        request_seconds = time.perf_counter() - started
    print(f"request (submit and record the event): {request_seconds * 1000:.0f} ms")

    with app.app_context():
        started = time.perf_counter()
        services.expand_pending(utcnow())
        expand_seconds = time.perf_counter() - started
        count = db.session.scalar(select(func.count(Notification.id)))
        print(f"scheduler: expanded into {count} notifications in {expand_seconds:.2f} s")
        digest_time = services.mail_due(Delivery.DAILY, utcnow()) + timedelta(minutes=1)
        started = time.perf_counter()
        total = 0
        while True:
            report = jobs.send_due(digest_time, limit=1_000)
            total += report.mails
            if not report.mails:
                break
        mail_seconds = time.perf_counter() - started
        queued = db.session.scalar(select(func.count(OutgoingMail.id)))
        print(f"scheduler: {total} digests composed, {queued} mails queued in {mail_seconds:.2f} s")
    return 0 if request_seconds <= REQUEST_TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
