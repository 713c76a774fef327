"""Benchmark: the consolidated report of a process with 10,000 proposals and 100,000 comments must
render in under 2 s, its PDF in under 30 s.

Seeds the demo into a scratch SQLite database, adds generated proposals (with supports counted on
the row) and comments (with agreements) to the Marktplatz process through bulk inserts, then times
the report page and the PDF with the test client as the demo council member. Prints the timings
and the SQL statements per request; exits with status 1 when a median misses its target.

    .venv/bin/python bench/outcomes_report.py [--proposals 10000] [--comments 100000] [--runs 3]

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
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PAGE_TARGET = 2.0
PDF_TARGET = 30.0
PROCESS_SLUG = "neugestaltung-marktplatz"


def _seed(proposals: int, comments: int) -> None:
    """Bulk rows: one contribution per proposal and comment, threads, counters kept on the rows."""
    from sqlalchemy import func, insert, select

    from app.accounts.models import User
    from app.comments.models import Comment
    from app.contributions.models import Contribution, Thread
    from app.core.roles import TrialogGroup
    from app.core.time import utcnow
    from app.extensions import db
    from app.processes.models import Process
    from app.proposals.models import Proposal, ProposalStatus

    process = db.session.scalar(select(Process).where(Process.slug == PROCESS_SLUG))
    authors = list(db.session.scalars(select(User.id)))
    rng = random.Random(7)  # noqa: S311  generated data, not secrets
    now = utcnow()
    groups = list(TrialogGroup)
    start = (db.session.scalar(select(func.max(Contribution.id))) or 0) + 1
    thread_start = (db.session.scalar(select(func.max(Thread.id))) or 0) + 1

    def contribution(cid: int, kind: str, days: int) -> dict:
        return {
            "id": cid,
            "municipality_id": process.municipality_id,
            "process_id": process.id,
            "author_id": rng.choice(authors),
            "author_group": rng.choice(groups).value,
            "kind": kind,
            "visibility": "visible",
            "hidden_reason": "",
            "created_at": now - timedelta(days=days, minutes=rng.randrange(1440)),
        }

    per_thread = max(1, comments // max(1, proposals))
    rows_c, rows_t, rows_p = [], [], []
    for n in range(proposals):
        cid, tid = start + n, thread_start + n
        rows_c.append(contribution(cid, "proposal", rng.randrange(60)))
        rows_t.append(
            {
                "id": tid,
                "municipality_id": process.municipality_id,
                "process_id": process.id,
                "comment_count": per_thread,
                "created_at": now,
            }
        )
        rows_p.append(
            {
                "municipality_id": process.municipality_id,
                "process_id": process.id,
                "contribution_id": cid,
                "thread_id": tid,
                "title": f"Vorschlag {n}",
                "description": f"<p>Text {n}</p>",
                "description_text": f"Text {n}",
                "search_text": f"vorschlag {n}",
                "address": "",
                "status": rng.choice(list(ProposalStatus)).value,
                "support_count": rng.randrange(200),
                "created_at": now,
            }
        )
    db.session.execute(insert(Contribution), rows_c)
    db.session.execute(insert(Thread), rows_t)
    db.session.execute(insert(Proposal), rows_p)
    comment_start = start + proposals
    for offset in range(0, comments, 10_000):
        batch_c, batch_m = [], []
        for n in range(offset, min(comments, offset + 10_000)):
            cid = comment_start + n
            batch_c.append(contribution(cid, "comment", rng.randrange(60)))
            batch_m.append(
                {
                    "contribution_id": cid,
                    "thread_id": thread_start + (n % proposals),
                    "depth": 0,
                    "source": "Kommentar",
                    "body": "<p>Kommentar</p>",
                    "is_official_answer": False,
                    "agree_count": rng.randrange(30),
                    "disagree_count": 0,
                }
            )
        db.session.execute(insert(Contribution), batch_c)
        db.session.execute(insert(Comment), batch_m)
    db.session.commit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    path = Path(tempfile.mkdtemp(prefix="trialog-bench-")) / "bench.db"
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    from sqlalchemy import event, select

    from app import create_app
    from app.accounts.models import User
    from app.demo import seed_demo
    from app.extensions import db

    app = create_app("development")
    with app.app_context():
        db.create_all()
        seed_demo()
        db.session.commit()
        started = time.perf_counter()
        _seed(args.proposals, args.comments)
        print(
            f"seeded {args.proposals} proposals and {args.comments} comments in "
            f"{time.perf_counter() - started:.1f} s ({path})"
        )
        council = db.session.scalar(select(User).where(User.email == "rat@musterstadt.example"))
        session_id = council.get_id()
        engine = db.engine

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    failed = False
    base = f"/musterstadt/processes/{PROCESS_SLUG}/report"
    for name, url, target in (("page", base, PAGE_TARGET), ("pdf", base + ".pdf", PDF_TARGET)):
        statements: list[int] = []

        def listener(*_args, statements=statements) -> None:
            statements.append(1)

        times = []
        for _ in range(args.runs):
            statements.clear()
            event.listen(engine, "before_cursor_execute", listener)
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            event.remove(engine, "before_cursor_execute", listener)
            assert response.status_code == 200, response.status_code
        median = statistics.median(times)
        verdict = "ok" if median <= target else "TOO SLOW"
        failed |= median > target
        print(
            f"report {name}: median {median:.2f} s over {args.runs} runs "
            f"(target {target:.0f} s, {len(statements)} SQL statements) {verdict}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
