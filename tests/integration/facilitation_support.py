"""What the route matrix's facilitation routes run against: an approved profile of the matrix's
facilitator, a process architect to remove, and a request of the home municipality by its staff
with that facilitator proposed; and the fixtures the facilitation tests share (a town, its staff,
a process architect)."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.roles import Role


def facilitation_matrix_ids(app, users, home, make_user) -> dict[str, Any]:
    from app.accounts.models import User
    from app.extensions import db
    from app.facilitation import services
    from app.municipalities.models import Municipality

    architect = make_user(xss=False, is_process_architect=True)
    with app.app_context():
        admin = db.session.get(User, users["platform_admin"].id)
        profile = services.save_profile(
            db.session.get(User, users["facilitator"].id),
            services.ProfileData(region="Südbaden", methods="World Café", languages="Deutsch"),
        )
        services.review_profile(admin, profile, approve=True)
        request = services.submit_request(
            db.session.get(User, users["staff"].id),
            db.session.get(Municipality, home.id),
            services.RequestData(
                topic="Matrix-Erstberatung", goals="Ziele", timing="bald", local_context="Ort"
            ),
        )
        services.propose_facilitator(admin, request, profile)
        db.session.commit()
        return {
            "facilitator_profile": profile.id,
            "consultation": request.id,
            "architect": architect.id,
        }


@pytest.fixture
def town(make_municipality):
    return make_municipality(xss=False, slug="musterort")


@pytest.fixture
def staff(town, make_member):
    return make_member(town, Role.STAFF, xss=False)


@pytest.fixture
def architect(make_user):
    return make_user(xss=False, is_process_architect=True)
