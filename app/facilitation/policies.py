"""Who may do what in the facilitator directory and with first consultations.

- The directory shows approved profiles to everyone; a profile's owner and platform admins see it
  in any state. Anyone logged in may keep a profile of their own; platform admins review them.
- Process architects are a platform role (``User.is_process_architect``); platform admins act as
  architects too. Architects see every request and answer, comment, propose and fill the concept.
- A municipality's staff and admins (``OFFICIAL_ROLES``: they speak for it) request consultations,
  follow their own municipality's requests, comment and accept a proposed facilitator. Nobody of
  another municipality sees them.
"""

from __future__ import annotations

from app.core.permissions import allowed, rule
from app.core.roles import OFFICIAL_ROLES
from app.facilitation.models import ConsultationRequest, FacilitatorProfile
from app.municipalities.models import Municipality
from app.municipalities.policies import is_platform_admin


def _authenticated(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def is_architect(user) -> bool:
    return _authenticated(user) and (
        bool(user.is_process_architect) or bool(user.is_platform_admin)
    )


@rule("facilitation.architect")
def architect(user, _target: object = None) -> bool:
    return is_architect(user)


@rule("facilitation.own_profile")
def own_profile(user, _target: object = None) -> bool:
    return _authenticated(user)


@rule("facilitation.review")
def review(user, _target: object = None) -> bool:
    return is_platform_admin(user)


@rule("facilitation.manage_architects")
def manage_architects(user, _target: object = None) -> bool:
    return is_platform_admin(user)


@rule("facilitator_profile.view")
def view_profile(user, profile: FacilitatorProfile) -> bool:
    if not isinstance(profile, FacilitatorProfile):
        return False
    if profile.is_approved or is_platform_admin(user):
        return True
    return _authenticated(user) and profile.user_id == user.id


@rule("consultation.request")
def request_consultation(user, municipality: Municipality) -> bool:
    return isinstance(municipality, Municipality) and (
        is_platform_admin(user)
        or (_authenticated(user) and user.role_in(municipality) in OFFICIAL_ROLES)
    )


@rule("consultation.municipality")
def municipality_side(user, request: ConsultationRequest) -> bool:
    """The requesting municipality's side of one request: read, comment, accept, draft."""
    return isinstance(request, ConsultationRequest) and allowed(
        "consultation.request", user, request.municipality
    )


@rule("consultation.answer")
def answer(user, request: ConsultationRequest) -> bool:
    return isinstance(request, ConsultationRequest) and is_architect(user)
