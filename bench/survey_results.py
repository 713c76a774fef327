"""Benchmark: the results page of a survey with 20,000 responses must render in under a second.

Seeds the demo into a scratch SQLite database, adds generated responses to the demo survey of the
Marktplatz process until it has ``--responses``, then times the results page with the test client,
for the public and for staff (who also get the breakdown by trialog group). Prints the timings and
the number of SQL statements per page; exits with status 1 when the median is over the target.

    .venv/bin/python bench/survey_results.py [--responses 20000] [--runs 5]

Not a unit test on purpose: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_SECONDS = 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    path = Path(tempfile.mkdtemp(prefix="trialog-bench-")) / "bench.db"
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    from sqlalchemy import event, func, select

    from app import create_app
    from app.core.time import utcnow
    from app.demo import seed_demo
    from app.extensions import db
    from app.surveys.demo import PROCESS_SLUG, TITLE, generate_responses
    from app.surveys.models import Response, Survey

    app = create_app("development")
    with app.app_context():
        db.create_all()
        seed_demo()
        survey = db.session.scalar(select(Survey).where(Survey.title == TITLE))
        have = db.session.scalar(
            select(func.count(Response.id)).where(Response.survey_id == survey.id)
        )
        started = time.perf_counter()
        rng = random.Random(1)  # noqa: S311  generated answers, not secrets
        generate_responses(survey, max(0, args.responses - have), rng, utcnow())
        db.session.commit()
        total = db.session.scalar(
            select(func.count(Response.id)).where(Response.survey_id == survey.id)
        )
        print(f"seeded {total} responses in {time.perf_counter() - started:.1f} s ({path})")
        url = f"/musterstadt/processes/{PROCESS_SLUG}/surveys/{survey.id}/results"
        engine = db.engine
        staff_id = db.session.execute(
            db.text("SELECT id FROM users WHERE email = 'verwaltung@musterstadt.example'")
        ).scalar()
        from app.accounts.models import User

        staff_session = db.session.get(User, staff_id).get_id()

    worst = 0.0
    for who in ("public", "staff"):
        client = app.test_client()
        if who == "staff":
            with client.session_transaction() as session:
                session["_user_id"] = staff_session
                session["_fresh"] = True
        statements: list[int] = []

        def listener(*_args, statements=statements) -> None:
            statements.append(1)

        timings = []
        for _ in range(args.runs):
            statements.clear()
            event.listen(engine, "before_cursor_execute", listener)
            begin = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - begin)
            event.remove(engine, "before_cursor_execute", listener)
            assert response.status_code == 200, response.status_code
        median = statistics.median(timings)
        worst = max(worst, median)
        print(
            f"{who:6} results page: median {median * 1000:.0f} ms, best {min(timings) * 1000:.0f} ms, "
            f"{len(statements)} SQL statements"
        )
    print(
        f"target: under {TARGET_SECONDS * 1000:.0f} ms -> {'OK' if worst < TARGET_SECONDS else 'TOO SLOW'}"
    )
    return 0 if worst < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
