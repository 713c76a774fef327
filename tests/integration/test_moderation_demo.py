"""seed-demo gives Musterstadt a few open reports on the demo contributions, once."""

from __future__ import annotations

from sqlalchemy import func, select

from app.contributions.models import Contribution
from app.extensions import db
from app.moderation.models import Report, ReportCount
from app.municipalities.models import Municipality


def _open_reports() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Report).where(Report.decision_id.is_(None))
    )


def test_seed_demo_adds_a_few_open_reports_to_musterstadt_once(app):
    from app.demo import seed_demo

    with app.app_context():
        seed_demo()
        db.session.commit()
        musterstadt = db.session.scalar(
            select(Municipality).where(Municipality.slug == "musterstadt")
        )
        has_contributions = db.session.scalar(
            select(Contribution.id).where(Contribution.municipality_id == musterstadt.id).limit(1)
        )
        reports = _open_reports()
        if has_contributions is None:
            assert reports == 0  # nothing to report: the queue shows its empty state
            return
        assert 1 <= reports <= 4
        assert db.session.scalars(select(Report.municipality_id).distinct()).all() == [
            musterstadt.id
        ]
        # The kept counts agree with the reports, and nobody reported their own contribution.
        for row in db.session.scalars(select(ReportCount)):
            assert row.open_count == db.session.scalar(
                select(func.count())
                .select_from(Report)
                .where(Report.contribution_id == row.contribution_id)
            )
        for report in db.session.scalars(select(Report)):
            assert report.reporter_id != report.contribution.author_id
        seed_demo()
        db.session.commit()
        assert _open_reports() == reports
