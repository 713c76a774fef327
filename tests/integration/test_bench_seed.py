"""The benchmark's generated city: every table filled, counters equal to their rows, pages serve."""

from __future__ import annotations

from sqlalchemy import func, select

from app.bench_seed import Sizes, check_counters, seed_bench
from app.extensions import db

SCALE = 0.001  # the smallest sizes: a few hundred rows per table


def test_seed_bench_fills_every_table_with_counters_that_match_the_rows(app):
    from app.comments.models import Comment
    from app.contributions.models import Thread
    from app.proposals.models import Proposal, ProposalSupport
    from app.surveys.models import Answer, Response

    with app.app_context():
        plan = seed_bench(SCALE, seed=7)
        db.session.commit()
        sizes = Sizes.at(SCALE)
        assert check_counters() == {
            "proposal_supports": 0,
            "proposal_counts": 0,
            "thread_comments": 0,
        }
        for table in (
            "users",
            "memberships",
            "processes",
            "phases",
            "proposal_categories",
            "contributions",
            "threads",
            "proposals",
            "proposal_supports",
            "comments",
            "survey_responses",
            "survey_answers",
            "survey_participations",
        ):
            assert plan.counts[table] > 0, table
            assert db.session.scalar(select(func.count()).select_from(db.metadata.tables[table]))
        assert db.session.scalar(select(func.count()).select_from(Proposal)) == (
            sizes.big_proposals + sizes.small_proposals + 18 * sizes.other_proposals
        )
        assert db.session.scalar(select(func.count()).select_from(ProposalSupport)) == (
            db.session.scalar(select(func.sum(Proposal.support_count)))
        )
        hot = db.session.get(Proposal, plan.hot_proposal_id)
        assert db.session.get(Thread, hot.thread_id).comment_count == 50
        assert (
            db.session.scalar(
                select(func.count()).select_from(Comment).where(Comment.thread_id == hot.thread_id)
            )
            == 50
        )
        # Replies nest: some comments answer others, their root is a top-level comment.
        assert db.session.scalar(select(func.max(Comment.depth))) >= 2
        assert db.session.scalar(select(func.count()).select_from(Response)) == sizes.responses
        assert db.session.scalar(select(func.count(func.distinct(Answer.response_id)))) == (
            sizes.responses
        )


def test_seeded_city_pages_serve(app, client):
    with app.app_context():
        plan = seed_bench(SCALE, seed=8)
        db.session.commit()
    base = f"/{plan.municipality_slug}/processes/{plan.big_process_slug}"
    for url in (
        f"/{plan.municipality_slug}/",
        f"{base}/",
        f"{base}/proposals/",
        f"{base}/proposals/?sort=newest&page=2",
        f"{base}/proposals/{plan.hot_proposal_id}",
        f"{base}/surveys/{plan.survey_id}/results",
    ):
        assert client.get(url).status_code == 200, url


def test_seed_bench_refuses_production_and_a_second_run(app, ctx):
    runner = app.test_cli_runner()
    app.config["ENV_NAME"] = "production"
    try:
        result = runner.invoke(args=["seed-bench", "--scale", "0.001"])
    finally:
        app.config["ENV_NAME"] = "testing"
    assert result.exit_code != 0
    assert "production" in result.output
    result = runner.invoke(args=["seed-bench", "--scale", "0.001"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["seed-bench", "--scale", "0.001"])
    assert result.exit_code != 0
