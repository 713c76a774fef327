"""Property-based run of schemathesis over the OpenAPI document: no server error, no response that
breaks its schema, whatever the generated input. Bounded: a few examples per operation, no shrinking,
well under a minute in total.

Half of the generated cases get the path parameters of real objects (the town's municipality,
process, proposal, phase and survey), so that the operations run past "not found" into the
services; every case carries a valid token, so that the writes reach their validation too.
"""

from __future__ import annotations

import random
import time

import api_support
import pytest
import schemathesis
from api_support import bearer, create_proposal, make_token
from comments_support import write_comment
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

api_town = api_support.api_town  # the fixture

EXAMPLES = 6
TIME_LIMIT = 60.0
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def real_ids(app, api_town, make_survey) -> dict[str, object]:
    from app.extensions import db
    from app.processes.models import Phase as ProcessPhase
    from app.proposals.models import Proposal

    proposal = create_proposal(app, api_town.process, api_town.users["citizen"])
    with app.app_context():
        thread_id = db.session.get(Proposal, proposal).thread_id
        phase_id = db.session.scalar(
            db.select(ProcessPhase.id).where(ProcessPhase.process_id == api_town.process.id)
        )
    write_comment(app, api_town.users["citizen"], api_town.process, "Im Prozess")
    write_comment(
        app, api_town.users["staff"], api_town.process, "Zum Vorschlag", thread_id=thread_id
    )
    survey = make_survey(api_town.process, results_visibility="live")
    return {
        "slug": api_town.municipality.slug,
        "process_slug": api_town.process.slug,
        "proposal_id": proposal,
        "phase_id": phase_id,
        "survey_id": survey.id,
    }


def test_schemathesis_finds_no_server_error_and_no_schema_violation(app, api_town, real_ids):
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    token = make_token(app, api_town.users["staff"], api_town.municipality)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    chooser = random.Random(16)
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    budget = TIME_LIMIT / len(operations)

    for operation in operations:
        if time.monotonic() - started > TIME_LIMIT:
            pytest.fail("the schemathesis run took longer than its time limit")

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case) -> None:
            if chooser.random() < 0.5:
                for name in case.path_parameters or {}:
                    if name in real_ids:
                        case.path_parameters[name] = real_ids[name]
            case.call_and_validate(headers=bearer(token), checks=CHECKS)

        operation_started = time.monotonic()
        run()
        assert time.monotonic() - operation_started < max(budget * 4, 10), operation.label
    app.config["API_RATE_LIMIT"] = "300 per minute"
