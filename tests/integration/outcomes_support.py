"""What the outcomes tests share: English pages, a town, and a process whose participation ended
and whose evaluation runs now (the report's usual moment).

The fixtures are taken over by assignment (``town = outcomes_support.town``), so that pytest finds
them in the test module."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.core.time import utcnow
from app.processes.models import PhaseKind

DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def english(client):
    client.get("/lang/en")


@pytest.fixture
def town(make_municipality):
    return make_municipality(xss=False)


@pytest.fixture
def evaluating(town, make_process):
    """A process whose participation ended and whose evaluation runs now."""
    now = utcnow()
    return make_process(
        town,
        xss=False,
        formats=("proposals", "comments"),
        phases=[
            (PhaseKind.PARTICIPATION, now - 40 * DAY, now - 10 * DAY),
            (PhaseKind.EVALUATION, now - 10 * DAY, now + 10 * DAY),
        ],
        feedback_by=date.today() + timedelta(days=30),
    )
