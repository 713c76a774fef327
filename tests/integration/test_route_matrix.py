"""The permission matrix: every route and every kind of visitor, against a declared expectation.

The routes come from ``app.url_map``; a route without a declaration below fails
``test_every_route_is_declared``, so no later route slips through unchecked. For each declared route
and each actor the test asserts the declared status: the allowed status for actors the access level
admits, 403 for logged-in actors it does not, and a redirect to the login page for anonymous visitors
where login could help.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from api_support import api_matrix_ids
from comments_support import comment_matrix_ids
from documents_support import document_matrix_ids
from drafts_support import draft_matrix_ids
from events_support import event_matrix_ids
from facilitation_support import facilitation_matrix_ids
from moderation_support import route_matrix_ids
from proposals_support import proposal_matrix_ids
from rollback_support import rolled_back, wipe
from surveys_support import survey_matrix_ids

from app.core.roles import Role

# Access levels -----------------------------------------------------------------------------------
PUBLIC = "public"  # everyone
LOGIN = "login"  # any logged-in account
BACKOFFICE = (
    "backoffice"  # staff, moderators, facilitators, admins of this municipality; platform admins
)
MEMBER_ADMIN = "member_admin"  # admins of this municipality; platform admins
PLATFORM = "platform"  # platform admins
# staff, facilitators, admins of this municipality; platform admins (not moderators, not council)
PROCESS_MANAGE = "process_manage"
# members of this municipality, whatever their role (not other towns' staff, not platform admins)
MEMBER = "member"
COMMENT_AUTHOR = "comment_author"  # the citizen, who wrote the matrix's comment
PROPOSAL_AUTHOR = "proposal_author"  # the citizen, who wrote the matrix's proposal
COUNCIL = "council"  # council members of this municipality
OFFICIAL_ANSWER = "official_answer"  # staff and admins of this municipality
# moderators, staff, facilitators, admins of this municipality; platform admins (not council)
MODERATE = "moderate"
RESIDENCY = "residency"  # staff and admins of this municipality; platform admins
# council, staff, facilitators, admins of this municipality; platform admins (the consolidated report)
REPORT = "report"
# the API's writes: a personal token in the Authorization header, never a browser session (401)
API_TOKEN = "api_token"
# whoever runs processes somewhere (staff, facilitators, admins of any municipality): own tokens
API_TOKENS = "api_tokens"

ACTORS = (
    "anonymous",
    "citizen",
    "staff",
    "moderator",
    "council",
    "facilitator",
    "admin",
    "other_staff",
    "other_admin",
    "platform_admin",
)
HOME_ROLES = {
    "citizen": Role.CITIZEN,
    "staff": Role.STAFF,
    "moderator": Role.MODERATOR,
    "council": Role.COUNCIL,
    "facilitator": Role.FACILITATOR,
    "admin": Role.ADMIN,
}
ADMITTED = {
    PUBLIC: set(ACTORS),
    LOGIN: set(ACTORS) - {"anonymous"},
    BACKOFFICE: {"staff", "moderator", "facilitator", "admin", "platform_admin"},
    MEMBER_ADMIN: {"admin", "platform_admin"},
    PLATFORM: {"platform_admin"},
    PROCESS_MANAGE: {"staff", "facilitator", "admin", "platform_admin"},
    MEMBER: {"citizen", "staff", "moderator", "council", "facilitator", "admin"},
    COMMENT_AUTHOR: {"citizen"},
    PROPOSAL_AUTHOR: {"citizen"},
    COUNCIL: {"council"},
    OFFICIAL_ANSWER: {"staff", "admin"},
    MODERATE: {"staff", "moderator", "facilitator", "admin", "platform_admin"},
    RESIDENCY: {"staff", "admin", "platform_admin"},
    REPORT: {"council", "staff", "facilitator", "admin", "platform_admin"},
    API_TOKEN: set(ACTORS),
    API_TOKENS: {"staff", "facilitator", "admin", "other_staff", "other_admin"},
}


@dataclass
class World:
    """The data every matrix case runs against: Musterstadt with one member per role, and another
    municipality whose staff and admin must not get in."""

    municipality: Any
    other: Any
    users: dict[str, Any]
    ids: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    access: str
    status: int | dict[str, int] = 200
    args: Callable[[World], dict[str, Any]] = lambda world: {}

    def expected_for(self, actor: str) -> int:
        if isinstance(self.status, dict):
            return self.status.get(actor, self.status["default"])
        return self.status


def _slug(world: World) -> dict[str, Any]:
    return {"slug": world.municipality.slug}


def _membership(world: World) -> dict[str, Any]:
    return {"slug": world.municipality.slug, "membership_id": world.ids["citizen_membership"]}


def _municipality_id(world: World) -> dict[str, Any]:
    return {"municipality_id": world.municipality.id}


def _process(world: World) -> dict[str, Any]:
    return {"slug": world.municipality.slug, "process_slug": world.ids["process_slug"]}


def _draft(world: World) -> dict[str, Any]:
    return {"slug": world.municipality.slug, "process_id": world.ids["draft"]}


def _draft_phase(world: World) -> dict[str, Any]:
    return {**_draft(world), "phase_id": world.ids["draft_phase"]}


def _comment_ids(**names: str) -> Callable[[World], dict[str, Any]]:
    """The slug and, for each argument, the id of that name in ``world.ids``."""
    return lambda world: {**_slug(world), **{arg: world.ids[key] for arg, key in names.items()}}


def _survey(world: World) -> dict[str, Any]:
    return {**_process(world), "survey_id": world.ids["survey"]}


def _survey_process(world: World) -> dict[str, Any]:
    return {**_slug(world), "process_id": world.ids["survey_process"]}


def _survey_admin(world: World, *names: str) -> dict[str, Any]:
    keys = {"question_id": "survey_question", "option_id": "survey_option"}
    return {
        **_slug(world),
        "survey_id": world.ids["survey"],
        **{name: world.ids[keys[name]] for name in names},
    }


def _survey_question(world: World) -> dict[str, Any]:
    return _survey_admin(world, "question_id")


def _survey_option(world: World) -> dict[str, Any]:
    return _survey_admin(world, "question_id", "option_id")


# members get their empty answers back (422); others are told they would have to join (302)
SURVEY_ANSWER = {"other_staff": 302, "other_admin": 302, "platform_admin": 302, "default": 422}


def _ids(**names: str) -> Callable[[World], dict[str, Any]]:
    """Arguments from ``world.ids``: ``_ids(block_id="block")`` gives the slug and that id."""
    return lambda world: {**_slug(world), **{arg: world.ids[key] for arg, key in names.items()}}


def _proposal(world: World) -> dict[str, Any]:
    return {**_process(world), "proposal_id": world.ids["proposal"]}


def _proposal_process(world: World) -> dict[str, Any]:
    return {**_slug(world), "process_id": world.ids["proposal_process"]}


def _proposal_admin(world: World) -> dict[str, Any]:
    return {**_proposal_process(world), "proposal_id": world.ids["proposal"]}


LOGGED_IN_REDIRECT = {"anonymous": 200, "default": 302}


def _api(world: World) -> dict[str, Any]:
    return {"slug": world.municipality.slug}


def _api_process(world: World) -> dict[str, Any]:
    return {**_api(world), "process_slug": world.ids["process_slug"]}


def _api_proposal(world: World) -> dict[str, Any]:
    return {**_api_process(world), "proposal_id": world.ids["proposal"]}


def _api_phase(world: World) -> dict[str, Any]:
    return {**_api_process(world), "phase_id": world.ids["draft_phase"]}


# The JSON API (/api/v1), as a group. Reads are public and the same for everyone: they never look
# at the session (an anonymous visitor's view). Writes take a personal token only, so every browser
# session gets 401.
API_ROUTES: dict[tuple[str, str], Route] = {
    ("api-docs.openapi_json", "GET"): Route(PUBLIC),
    ("api_docs.docs", "GET"): Route(PUBLIC),
    ("api.municipalities", "GET"): Route(PUBLIC),
    ("api.municipalities_csv", "GET"): Route(PUBLIC),
    ("api.municipality", "GET"): Route(PUBLIC, args=_api),
    ("api.process_list", "GET"): Route(PUBLIC, args=_api),
    ("api.process_list_csv", "GET"): Route(PUBLIC, args=_api),
    ("api.process", "GET"): Route(PUBLIC, args=_api_process),
    ("api.process_comments", "GET"): Route(PUBLIC, args=_api_process),
    ("api.process_comments_csv", "GET"): Route(PUBLIC, args=_api_process),
    ("api.proposal_list", "GET"): Route(PUBLIC, args=_api_process),
    ("api.proposal_list_csv", "GET"): Route(PUBLIC, args=_api_process),
    ("api.proposal", "GET"): Route(PUBLIC, args=_api_proposal),
    ("api.proposal_comments", "GET"): Route(PUBLIC, args=_api_proposal),
    ("api.proposal_comments_csv", "GET"): Route(PUBLIC, args=_api_proposal),
    ("api.survey_list", "GET"): Route(PUBLIC, args=_api_process),
    ("api.outcome", "GET"): Route(PUBLIC, 404, _api_process),  # the world's process has none yet
    ("api.council_decisions", "GET"): Route(PUBLIC, args=_api_process),
    ("api.survey_results", "GET"): Route(
        PUBLIC, args=lambda w: {**_api_process(w), "survey_id": w.ids["survey"]}
    ),
    ("api_write.create_process", "POST"): Route(API_TOKEN, 401, _api),
    ("api_write.update_process", "PATCH"): Route(API_TOKEN, 401, _api_process),
    ("api_write.publish_process", "POST"): Route(API_TOKEN, 401, _api_process),
    ("api_write.archive_process", "POST"): Route(API_TOKEN, 401, _api_process),
    ("api_write.create_phase", "POST"): Route(API_TOKEN, 401, _api_process),
    ("api_write.update_phase", "PATCH"): Route(API_TOKEN, 401, _api_phase),
    ("api_write.change_proposal_status", "POST"): Route(API_TOKEN, 401, _api_proposal),
    ("api_write.publish_outcome", "POST"): Route(API_TOKEN, 401, _api_process),
    ("api_tokens.tokens", "GET"): Route(API_TOKENS),
    ("api_tokens.tokens", "POST"): Route(API_TOKENS, 422),
    # the staff member's token: revoked by its owner, not found for everyone else
    ("api_tokens.revoke", "POST"): Route(
        LOGIN, {"staff": 302, "default": 404}, lambda w: {"token_id": w.ids["api_token"]}
    ),
}

# (endpoint, method) -> expectation. Add every new route here.
ROUTES: dict[tuple[str, str], Route] = {
    ("site.home", "GET"): Route(PUBLIC),
    ("site.legal", "GET"): Route(PUBLIC, args=lambda w: {"name": "impressum"}),
    ("site.set_language", "GET"): Route(PUBLIC, 302, lambda w: {"code": "en"}),
    ("site.healthz", "GET"): Route(PUBLIC),
    ("accounts.register", "GET"): Route(PUBLIC, LOGGED_IN_REDIRECT),
    ("accounts.register", "POST"): Route(PUBLIC, {"anonymous": 422, "default": 302}),
    ("accounts.verify", "GET"): Route(PUBLIC, 302, lambda w: {"token": "forged"}),
    ("accounts.login", "GET"): Route(PUBLIC, LOGGED_IN_REDIRECT),
    ("accounts.login", "POST"): Route(PUBLIC, {"anonymous": 422, "default": 302}),
    ("accounts.logout", "POST"): Route(LOGIN, 302),
    ("accounts.forgot_password", "GET"): Route(PUBLIC),
    ("accounts.forgot_password", "POST"): Route(PUBLIC, 422),
    ("accounts.reset_password", "GET"): Route(PUBLIC, 302, lambda w: {"token": "forged"}),
    ("accounts.reset_password", "POST"): Route(PUBLIC, 302, lambda w: {"token": "forged"}),
    ("accounts.profile", "GET"): Route(LOGIN),
    ("accounts.profile", "POST"): Route(LOGIN, 302),
    ("accounts.change_password", "GET"): Route(LOGIN),
    ("accounts.change_password", "POST"): Route(LOGIN, 422),
    ("accounts.change_email", "GET"): Route(LOGIN),
    ("accounts.change_email", "POST"): Route(LOGIN, 422),
    ("accounts.confirm_email_change", "GET"): Route(PUBLIC, 302, lambda w: {"token": "forged"}),
    ("accounts.delete_account", "GET"): Route(LOGIN),
    ("accounts.delete_account", "POST"): Route(LOGIN, 422),
    ("platform.municipalities", "GET"): Route(PLATFORM),
    ("platform.new_municipality", "GET"): Route(PLATFORM),
    ("platform.new_municipality", "POST"): Route(PLATFORM, 422),
    ("platform.edit_municipality", "GET"): Route(PLATFORM, args=_municipality_id),
    ("platform.edit_municipality", "POST"): Route(PLATFORM, 302, _municipality_id),
    ("platform.toggle_active", "POST"): Route(PLATFORM, 302, _municipality_id),
    ("municipalities.show", "GET"): Route(PUBLIC, args=_slug),
    ("municipalities.join", "POST"): Route(LOGIN, 302, _slug),
    ("municipalities.backoffice", "GET"): Route(BACKOFFICE, args=_slug),
    ("municipalities.members", "GET"): Route(MEMBER_ADMIN, args=_slug),
    ("municipalities.invite", "POST"): Route(MEMBER_ADMIN, 422, _slug),
    ("municipalities.change_role", "POST"): Route(MEMBER_ADMIN, 302, _membership),
    ("municipalities.remove_member", "GET"): Route(MEMBER_ADMIN, args=_membership),
    ("municipalities.remove_member", "POST"): Route(MEMBER_ADMIN, 302, _membership),
    ("municipalities.invitation", "GET"): Route(LOGIN, 302, lambda w: {**_slug(w), "token": "x"}),
    ("municipalities.invitation", "POST"): Route(LOGIN, 302, lambda w: {**_slug(w), "token": "x"}),
    ("processes.show", "GET"): Route(PUBLIC, args=_process),
    ("processes.image", "GET"): Route(PUBLIC, 404, _process),  # the world's process has no image
    ("processes.follow", "POST"): Route(LOGIN, 302, _process),
    ("processes.unfollow", "POST"): Route(LOGIN, 302, _process),
    ("processes.admin_index", "GET"): Route(PROCESS_MANAGE, args=_slug),
    ("processes.admin_new", "GET"): Route(PROCESS_MANAGE, args=_slug),
    ("processes.admin_new", "POST"): Route(PROCESS_MANAGE, 422, _slug),
    ("processes.admin_process", "GET"): Route(PROCESS_MANAGE, args=_draft),
    ("processes.admin_edit", "GET"): Route(PROCESS_MANAGE, args=_draft),
    # an empty POST keeps the stored values (WTForms falls back to the object): saved, redirected
    ("processes.admin_edit", "POST"): Route(PROCESS_MANAGE, 302, _draft),
    ("processes.admin_preview", "GET"): Route(PROCESS_MANAGE, args=_draft),
    ("processes.admin_publish", "POST"): Route(PROCESS_MANAGE, 302, _draft),
    ("processes.admin_archive", "GET"): Route(PROCESS_MANAGE, args=_draft),
    ("processes.admin_archive", "POST"): Route(PROCESS_MANAGE, 302, _draft),
    ("processes.admin_new_phase", "GET"): Route(PROCESS_MANAGE, args=_draft),
    ("processes.admin_new_phase", "POST"): Route(PROCESS_MANAGE, 422, _draft),
    ("processes.admin_edit_phase", "GET"): Route(PROCESS_MANAGE, args=_draft_phase),
    ("processes.admin_edit_phase", "POST"): Route(PROCESS_MANAGE, 422, _draft_phase),
    ("processes.admin_delete_phase", "GET"): Route(PROCESS_MANAGE, args=_draft_phase),
    ("processes.admin_delete_phase", "POST"): Route(PROCESS_MANAGE, 302, _draft_phase),
    ("comments.process_thread", "GET"): Route(PUBLIC, args=_process),
    ("comments.permalink", "GET"): Route(PUBLIC, 302, _comment_ids(comment_id="citizen_comment")),
    # without htmx, "load more" sends the reader to the page of the thread's owner
    ("comments.more", "GET"): Route(PUBLIC, 302, _comment_ids(thread_id="comment_thread")),
    ("comments.create", "POST"): Route(MEMBER, 422, _comment_ids(thread_id="comment_thread")),
    ("comments.reply", "GET"): Route(MEMBER, args=_comment_ids(comment_id="citizen_comment")),
    ("comments.reply", "POST"): Route(MEMBER, 422, _comment_ids(comment_id="citizen_comment")),
    ("comments.edit", "GET"): Route(
        COMMENT_AUTHOR, args=_comment_ids(comment_id="citizen_comment")
    ),
    ("comments.edit", "POST"): Route(
        COMMENT_AUTHOR, 422, _comment_ids(comment_id="citizen_comment")
    ),
    ("comments.delete", "GET"): Route(
        COMMENT_AUTHOR, args=_comment_ids(comment_id="citizen_comment")
    ),
    ("comments.delete", "POST"): Route(
        COMMENT_AUTHOR, 302, _comment_ids(comment_id="citizen_comment")
    ),
    # an empty reaction is refused (400); the author may not react to their own comment (403)
    ("comments.react", "POST"): Route(
        MEMBER, {"citizen": 403, "default": 400}, _comment_ids(comment_id="citizen_comment")
    ),
    ("comments.official", "POST"): Route(
        OFFICIAL_ANSWER, 400, _comment_ids(comment_id="staff_comment")
    ),
    ("surveys.index", "GET"): Route(PUBLIC, args=_process),
    ("surveys.show", "GET"): Route(PUBLIC, args=_survey),
    ("surveys.show", "POST"): Route(LOGIN, SURVEY_ANSWER, _survey),
    ("surveys.survey_results", "GET"): Route(PUBLIC, args=_survey),
    ("surveys.texts", "GET"): Route(
        PUBLIC, args=lambda w: {**_survey(w), "question_id": w.ids["survey_text_question"]}
    ),
    ("surveys.admin_index", "GET"): Route(PROCESS_MANAGE, args=_survey_process),
    ("surveys.admin_new", "GET"): Route(PROCESS_MANAGE, args=_survey_process),
    ("surveys.admin_new", "POST"): Route(PROCESS_MANAGE, 422, _survey_process),
    ("surveys.admin_survey", "GET"): Route(PROCESS_MANAGE, args=_survey_admin),
    ("surveys.admin_edit", "GET"): Route(PROCESS_MANAGE, args=_survey_admin),
    ("surveys.admin_edit", "POST"): Route(PROCESS_MANAGE, 422, _survey_admin),
    ("surveys.admin_preview", "GET"): Route(PROCESS_MANAGE, args=_survey_admin),
    ("surveys.admin_publish", "POST"): Route(PROCESS_MANAGE, 302, _survey_admin),
    ("surveys.admin_unpublish", "POST"): Route(PROCESS_MANAGE, 302, _survey_admin),
    ("surveys.admin_delete", "GET"): Route(PROCESS_MANAGE, args=_survey_admin),
    ("surveys.admin_delete", "POST"): Route(PROCESS_MANAGE, 302, _survey_admin),
    ("surveys.admin_new_question", "GET"): Route(PROCESS_MANAGE, args=_survey_admin),
    ("surveys.admin_new_question", "POST"): Route(PROCESS_MANAGE, 422, _survey_admin),
    ("surveys.admin_edit_question", "GET"): Route(PROCESS_MANAGE, args=_survey_question),
    ("surveys.admin_edit_question", "POST"): Route(PROCESS_MANAGE, 422, _survey_question),
    ("surveys.admin_delete_question", "GET"): Route(PROCESS_MANAGE, args=_survey_question),
    ("surveys.admin_delete_question", "POST"): Route(PROCESS_MANAGE, 302, _survey_question),
    ("surveys.admin_move_question", "POST"): Route(PROCESS_MANAGE, 302, _survey_question),
    ("surveys.admin_new_option", "POST"): Route(PROCESS_MANAGE, 422, _survey_question),
    ("surveys.admin_edit_option", "GET"): Route(PROCESS_MANAGE, args=_survey_option),
    ("surveys.admin_edit_option", "POST"): Route(PROCESS_MANAGE, 422, _survey_option),
    ("surveys.admin_delete_option", "GET"): Route(PROCESS_MANAGE, args=_survey_option),
    ("surveys.admin_delete_option", "POST"): Route(PROCESS_MANAGE, 302, _survey_option),
    ("surveys.admin_move_option", "POST"): Route(PROCESS_MANAGE, 302, _survey_option),
    ("surveys.export_csv", "GET"): Route(PROCESS_MANAGE, args=_survey_admin),
    ("surveys.export_xlsx", "GET"): Route(PROCESS_MANAGE, args=_survey_admin),
    ("proposals.index", "GET"): Route(PUBLIC, args=_process),
    ("proposals.similar", "GET"): Route(PUBLIC, args=_process),
    ("proposals.show", "GET"): Route(PUBLIC, args=_proposal),
    ("proposals.new", "GET"): Route(MEMBER, args=_process),
    ("proposals.new", "POST"): Route(MEMBER, 422, _process),
    ("proposals.edit", "GET"): Route(PROPOSAL_AUTHOR, args=_proposal),
    ("proposals.edit", "POST"): Route(PROPOSAL_AUTHOR, 422, _proposal),
    ("proposals.withdraw", "GET"): Route(PROPOSAL_AUTHOR, args=_proposal),
    ("proposals.withdraw", "POST"): Route(PROPOSAL_AUTHOR, 302, _proposal),
    ("proposals.support", "POST"): Route(MEMBER, 302, _proposal),
    ("proposals.unsupport", "POST"): Route(MEMBER, 302, _proposal),
    ("proposals.statement", "GET"): Route(COUNCIL, args=_proposal),
    ("proposals.statement", "POST"): Route(COUNCIL, 422, _proposal),
    ("proposals.admin_index", "GET"): Route(PROCESS_MANAGE, args=_proposal_process),
    # an empty form asks for no answer promise and no categories: saved, redirected
    ("proposals.admin_settings", "GET"): Route(PROCESS_MANAGE, args=_proposal_process),
    ("proposals.admin_settings", "POST"): Route(PROCESS_MANAGE, 302, _proposal_process),
    ("proposals.answer", "GET"): Route(PROCESS_MANAGE, args=_proposal_admin),
    ("proposals.answer", "POST"): Route(PROCESS_MANAGE, 422, _proposal_admin),
    ("moderation.report", "GET"): Route(LOGIN, args=_ids(contribution_id="reported")),
    ("moderation.report", "POST"): Route(LOGIN, 422, _ids(contribution_id="reported")),
    ("moderation.netiquette", "GET"): Route(PUBLIC, args=_slug),
    ("moderation.queue", "GET"): Route(MODERATE, args=_slug),
    ("moderation.pending", "GET"): Route(MODERATE, args=_slug),
    ("moderation.reviews", "GET"): Route(MODERATE, args=_slug),
    ("moderation.blocks", "GET"): Route(MODERATE, args=_slug),
    ("moderation.case", "GET"): Route(MODERATE, args=_ids(contribution_id="reported")),
    ("moderation.keep", "POST"): Route(MODERATE, 302, _ids(contribution_id="reported")),
    ("moderation.hide", "POST"): Route(MODERATE, 422, _ids(contribution_id="reported")),
    ("moderation.restore", "POST"): Route(MODERATE, 302, _ids(contribution_id="reported")),
    ("moderation.approve", "POST"): Route(MODERATE, 302, _ids(contribution_id="reported")),
    ("moderation.reject", "POST"): Route(MODERATE, 422, _ids(contribution_id="reported")),
    ("moderation.block", "POST"): Route(MODERATE, 422, _ids(contribution_id="reported")),
    ("moderation.lift_block", "POST"): Route(MODERATE, 302, _ids(block_id="block")),
    ("moderation.uphold", "POST"): Route(MODERATE, 422, _ids(review_id="review")),
    ("moderation.settings", "GET"): Route(MEMBER_ADMIN, args=_slug),
    ("moderation.settings", "POST"): Route(MEMBER_ADMIN, 302, _slug),
    # nobody in the matrix wrote the hidden contribution: its decision is nobody else's business
    ("moderation_account.notices", "GET"): Route(LOGIN),
    ("moderation_account.request_review", "GET"): Route(
        LOGIN, 404, lambda w: {"decision_id": w.ids["hidden_decision"]}
    ),
    ("moderation_account.request_review", "POST"): Route(
        LOGIN, 404, lambda w: {"decision_id": w.ids["hidden_decision"]}
    ),
    ("privacy.data", "GET"): Route(LOGIN),
    ("privacy.request_export", "POST"): Route(LOGIN, 302),
    # nobody's export 0: an export is only ever shown to its owner
    ("privacy.export_status", "GET"): Route(LOGIN, 404, lambda w: {"export_id": 0}),
    ("privacy.download_export", "GET"): Route(LOGIN, 404, lambda w: {"export_id": 0}),
    # everyone in the matrix holds the current consents: the page sends them on
    ("privacy.renew_consent", "GET"): Route(LOGIN, 302),
    ("privacy.renew_consent", "POST"): Route(LOGIN, 302),
    ("privacy.consents_page", "GET"): Route(LOGIN),
    ("privacy.consents_page", "POST"): Route(LOGIN, 302),
    ("legal.show", "GET"): Route(PUBLIC, args=lambda w: {**_slug(w), "kind": "datenschutz"}),
    ("legal.admin_index", "GET"): Route(MEMBER_ADMIN, args=_slug),
    ("legal.edit", "GET"): Route(MEMBER_ADMIN, args=lambda w: {**_slug(w), "kind": "impressum"}),
    ("legal.edit", "POST"): Route(MEMBER_ADMIN, 422, lambda w: {**_slug(w), "kind": "impressum"}),
    ("legal.history", "GET"): Route(MEMBER_ADMIN, args=lambda w: {**_slug(w), "kind": "impressum"}),
    # no version saved yet in the world
    ("legal.show_version", "GET"): Route(
        MEMBER_ADMIN, 404, lambda w: {**_slug(w), "kind": "impressum", "number": 1}
    ),
    ("platform_legal.admin_index", "GET"): Route(PLATFORM),
    ("platform_legal.edit", "GET"): Route(PLATFORM, args=lambda w: {"kind": "impressum"}),
    ("platform_legal.edit", "POST"): Route(PLATFORM, 422, lambda w: {"kind": "impressum"}),
    ("platform_legal.history", "GET"): Route(PLATFORM, args=lambda w: {"kind": "impressum"}),
    ("platform_legal.show_version", "GET"): Route(
        PLATFORM, 404, lambda w: {"kind": "impressum", "number": 1}
    ),
    ("residency.index", "GET"): Route(RESIDENCY, args=_slug),
    # an unticked box: the draft process needs no verification, saved
    ("residency.residents_only", "POST"): Route(
        RESIDENCY, 302, lambda w: {**_slug(w), "process_id": w.ids["draft"]}
    ),
    ("residency.generate_codes", "POST"): Route(RESIDENCY, 422, _slug),
    ("residency.void_codes", "POST"): Route(RESIDENCY, 404, lambda w: {**_slug(w), "batch_id": 0}),
    ("residency.members", "GET"): Route(RESIDENCY, args=_slug),
    ("residency.verify_member", "POST"): Route(RESIDENCY, 302, _membership),
    ("residency.revoke", "GET"): Route(
        RESIDENCY, 404, lambda w: {**_slug(w), "verification_id": 0}
    ),
    ("residency.revoke", "POST"): Route(
        RESIDENCY, 404, lambda w: {**_slug(w), "verification_id": 0}
    ),
    ("residency_account.account", "GET"): Route(LOGIN),
    ("residency_account.account", "POST"): Route(LOGIN, 422),
    ("audit.log", "GET"): Route(MODERATE, args=_slug),  # moderators: the moderation entries
    ("platform_audit.log_all", "GET"): Route(PLATFORM),
}
# The world's published process is still in participation: publishing its outcome is refused
# (redirect back with the reason); empty forms are 422.
OUTCOME_ROUTES = {
    ("outcomes.report", "GET"): Route(REPORT, args=_process),
    ("outcomes.report_pdf", "GET"): Route(REPORT, args=_process),
    ("outcomes.report_csv", "GET"): Route(REPORT, args=_process),
    ("outcomes.report_json", "GET"): Route(REPORT, args=_process),
    ("outcomes.report_recount", "POST"): Route(PROCESS_MANAGE, 302, _process),
    ("outcomes.workspace", "GET"): Route(COUNCIL, args=_slug),
    ("outcomes.statement", "GET"): Route(COUNCIL, args=_process),
    ("outcomes.statement", "POST"): Route(COUNCIL, 422, _process),
    ("outcomes.admin_outcome", "GET"): Route(PROCESS_MANAGE, args=_proposal_process),
    ("outcomes.admin_decision", "POST"): Route(PROCESS_MANAGE, 422, _proposal_process),
    ("outcomes.admin_save_outcome", "POST"): Route(PROCESS_MANAGE, 422, _proposal_process),
    ("outcomes.admin_publish", "POST"): Route(PROCESS_MANAGE, 302, _proposal_process),
    ("outcomes.admin_settings", "POST"): Route(PROCESS_MANAGE, 302, _proposal_process),
    ("outcomes_account.mine_page", "GET"): Route(LOGIN),
}
ROUTES.update(OUTCOME_ROUTES)
# Each person's own notifications: ids of others' (or none) are 404; the unsubscribe link needs no
# login and refuses a forged token.
NOTIFICATION_ROUTES = {
    ("notifications.index", "GET"): Route(LOGIN),
    ("notifications.open_notification", "GET"): Route(
        LOGIN, 404, lambda w: {"notification_id": 2_000_000}
    ),
    ("notifications.mark_read", "POST"): Route(
        LOGIN, 404, lambda w: {"notification_id": 2_000_000}
    ),
    ("notifications.mark_all_read", "POST"): Route(LOGIN, 302),
    ("notifications.preferences", "GET"): Route(LOGIN),
    ("notifications.preferences", "POST"): Route(LOGIN, 302),
    ("notifications_unsubscribe.confirm", "GET"): Route(PUBLIC, 404, lambda w: {"token": "forged"}),
    ("notifications_unsubscribe.unsubscribe", "POST"): Route(
        PUBLIC, 404, lambda w: {"token": "forged"}
    ),
}
ROUTES.update(NOTIFICATION_ROUTES)


def _event(world: World) -> dict[str, Any]:
    return {**_process(world), "event_id": world.ids["event"]}


def _event_process(world: World) -> dict[str, Any]:
    return {**_slug(world), "process_id": world.ids["event_process"]}


def _event_admin(world: World) -> dict[str, Any]:
    return {**_event_process(world), "event_id": world.ids["event"]}


def _paper_survey(world: World) -> dict[str, Any]:
    return {**_event_process(world), "survey_id": world.ids["survey"]}


# Events: anyone reads events, feeds and the easy-read page; logged-in people register (a seat,
# 302) and cancel (nothing to cancel: 404); those who run processes do the rest (empty forms 422).
EVENT_ROUTES = {
    ("events.index", "GET"): Route(PUBLIC, args=_process),
    ("events.show", "GET"): Route(PUBLIC, args=_event),
    ("events.register", "POST"): Route(LOGIN, 302, _event),
    ("events.cancel", "POST"): Route(LOGIN, 404, _event),
    ("events.process_feed", "GET"): Route(PUBLIC, args=_process),
    ("events.municipality_feed", "GET"): Route(PUBLIC, args=_slug),
    ("events.photo", "GET"): Route(PUBLIC, 404, lambda w: {**_slug(w), "photo_id": 0}),
    ("events.easy_read", "GET"): Route(PUBLIC, args=_process),
    ("events.admin_index", "GET"): Route(PROCESS_MANAGE, args=_event_process),
    ("events.admin_new", "GET"): Route(PROCESS_MANAGE, args=_event_process),
    ("events.admin_new", "POST"): Route(PROCESS_MANAGE, 422, _event_process),
    ("events.admin_edit", "GET"): Route(PROCESS_MANAGE, args=_event_admin),
    ("events.admin_edit", "POST"): Route(PROCESS_MANAGE, 422, _event_admin),
    # cancelling asks for a reason first (422 without one); deleting the matrix's event, which
    # nobody registered for, redirects (the case's writes are rolled back)
    ("events.admin_cancel", "GET"): Route(PROCESS_MANAGE, args=_event_admin),
    ("events.admin_cancel", "POST"): Route(PROCESS_MANAGE, 422, _event_admin),
    ("events.admin_delete", "GET"): Route(PROCESS_MANAGE, args=_event_admin),
    ("events.admin_delete", "POST"): Route(PROCESS_MANAGE, 302, _event_admin),
    ("events.admin_registrants", "GET"): Route(PROCESS_MANAGE, args=_event_admin),
    ("events.admin_registrants_csv", "GET"): Route(PROCESS_MANAGE, args=_event_admin),
    ("events.admin_documentation", "GET"): Route(PROCESS_MANAGE, args=_event_admin),
    ("events.admin_documentation", "POST"): Route(PROCESS_MANAGE, 302, _event_admin),
    ("events.admin_add_photo", "POST"): Route(PROCESS_MANAGE, 422, _event_admin),
    ("events.admin_delete_photo", "POST"): Route(
        PROCESS_MANAGE, 404, lambda w: {**_event_admin(w), "photo_id": 0}
    ),
    ("events.admin_onsite", "GET"): Route(PROCESS_MANAGE, args=_event_process),
    ("events.admin_onsite", "POST"): Route(PROCESS_MANAGE, 422, _event_process),
    ("events.admin_import", "GET"): Route(PROCESS_MANAGE, args=_event_process),
    ("events.admin_import", "POST"): Route(PROCESS_MANAGE, 422, _event_process),
    ("events.admin_easy_read", "GET"): Route(PROCESS_MANAGE, args=_event_process),
    ("events.admin_easy_read", "POST"): Route(PROCESS_MANAGE, 422, _event_process),
    ("events.admin_paper_pdf", "GET"): Route(PROCESS_MANAGE, args=_event_process),
    ("events.admin_paper_entry", "GET"): Route(PROCESS_MANAGE, args=_paper_survey),
    # the matrix survey's required choice is missing
    ("events.admin_paper_entry", "POST"): Route(PROCESS_MANAGE, 422, _paper_survey),
}
ROUTES.update(EVENT_ROUTES)


def _draft_page(**names: str) -> Callable[[World], dict[str, Any]]:
    """The world's draft in its process, plus ids from ``world.ids`` (``number`` given as is)."""
    return lambda world: {
        **_process(world),
        "draft_id": world.ids["draft_text"],
        **{arg: world.ids[key] if isinstance(key, str) else key for arg, key in names.items()},
    }


def _draft_admin(world: World) -> dict[str, Any]:
    return {**_slug(world), "draft_id": world.ids["draft_text"]}


# The world's draft has one published version and no version in progress: the editor and the import
# send staff back to start one (302); comparing needs two versions (404); starting a version works.
DRAFT_ROUTES = {
    ("drafts.index", "GET"): Route(PUBLIC, args=_process),
    ("drafts.show", "GET"): Route(PUBLIC, args=_draft_page()),
    ("drafts.text_thread", "GET"): Route(PUBLIC, args=_draft_page(number=1)),
    ("drafts.chapter_thread", "GET"): Route(PUBLIC, args=_draft_page(chapter_id="draft_chapter")),
    ("drafts.paragraph_thread", "GET"): Route(
        PUBLIC, args=_draft_page(paragraph_id="draft_paragraph")
    ),
    ("drafts.changes", "GET"): Route(PUBLIC, 404, _draft_page()),
    ("drafts.report", "GET"): Route(REPORT, args=_draft_page()),
    ("drafts.report_csv", "GET"): Route(REPORT, args=_draft_page()),
    ("drafts.admin_index", "GET"): Route(
        PROCESS_MANAGE, args=lambda w: {**_slug(w), "process_id": w.ids["draft_process"]}
    ),
    ("drafts.admin_new", "GET"): Route(
        PROCESS_MANAGE, args=lambda w: {**_slug(w), "process_id": w.ids["draft_process"]}
    ),
    ("drafts.admin_new", "POST"): Route(
        PROCESS_MANAGE, 422, lambda w: {**_slug(w), "process_id": w.ids["draft_process"]}
    ),
    ("drafts.admin_draft", "GET"): Route(PROCESS_MANAGE, args=_draft_admin),
    ("drafts.admin_edit", "GET"): Route(PROCESS_MANAGE, 302, _draft_admin),
    ("drafts.admin_edit", "POST"): Route(PROCESS_MANAGE, 302, _draft_admin),
    ("drafts.admin_import", "GET"): Route(PROCESS_MANAGE, 302, _draft_admin),
    ("drafts.admin_import", "POST"): Route(PROCESS_MANAGE, 302, _draft_admin),
    ("drafts.admin_publish", "POST"): Route(PROCESS_MANAGE, 302, _draft_admin),
    ("drafts.admin_new_version", "POST"): Route(PROCESS_MANAGE, 302, _draft_admin),
    ("drafts.admin_handling", "GET"): Route(PROCESS_MANAGE, args=_draft_admin),
    # nothing chosen is "not marked yet": saved, back to the list
    ("drafts.admin_mark", "POST"): Route(
        PROCESS_MANAGE, 302, lambda w: {**_draft_admin(w), "comment_id": w.ids["draft_comment"]}
    ),
}
ROUTES.update(DRAFT_ROUTES)
ROUTES.update(API_ROUTES)


def _document_admin(world: World) -> dict[str, Any]:
    return {**_slug(world), "process_id": world.ids["document_process"]}


def _document(world: World) -> dict[str, Any]:
    return {**_document_admin(world), "document_id": world.ids["document"]}


def _document_public(world: World) -> dict[str, Any]:
    return {**_process(world), "document_id": world.ids["document"]}


# Documents: managed by those who run the process; read by whoever reads the process. Search is
# public and finds only what each visitor may read (tests/integration/test_search.py).
DOCUMENT_ROUTES = {
    ("documents.admin_index", "GET"): Route(PROCESS_MANAGE, args=_document_admin),
    ("documents.admin_index", "POST"): Route(PROCESS_MANAGE, 422, _document_admin),
    ("documents.admin_edit", "GET"): Route(PROCESS_MANAGE, args=_document),
    ("documents.admin_edit", "POST"): Route(PROCESS_MANAGE, 422, _document),
    ("documents.admin_delete", "GET"): Route(PROCESS_MANAGE, args=_document),
    ("documents.admin_delete", "POST"): Route(PROCESS_MANAGE, 302, _document),
    ("documents.download", "GET"): Route(PUBLIC, args=_document_public),
    ("documents.thumbnail", "GET"): Route(PUBLIC, args=_document_public),
    ("search.municipality", "GET"): Route(PUBLIC, args=_slug),
    ("search_platform.platform", "GET"): Route(PUBLIC),
}
ROUTES.update(DOCUMENT_ROUTES)


def _consultation(world: World) -> dict[str, Any]:
    return {**_slug(world), "request_id": world.ids["consultation"]}


def _desk(world: World) -> dict[str, Any]:
    return {"request_id": world.ids["consultation"]}


# Facilitator network: the directory is public; profiles are reviewed and architects named by
# platform admins; the consultation desk is for process architects (platform admins act as
# architects too; no matrix actor is an architect only); a municipality's requests belong to its
# officials (staff and admins), like residency.
FACILITATION_ROUTES = {
    ("facilitation.directory", "GET"): Route(PUBLIC),
    ("facilitation.profile", "GET"): Route(
        PUBLIC, args=lambda w: {"profile_id": w.ids["facilitator_profile"]}
    ),
    ("facilitation.own_profile", "GET"): Route(LOGIN),
    ("facilitation.own_profile", "POST"): Route(LOGIN, 422),
    ("facilitation.review_index", "GET"): Route(PLATFORM),
    ("facilitation.approve", "POST"): Route(
        PLATFORM, 302, lambda w: {"profile_id": w.ids["facilitator_profile"]}
    ),
    ("facilitation.reject", "POST"): Route(
        PLATFORM, 302, lambda w: {"profile_id": w.ids["facilitator_profile"]}
    ),
    ("facilitation.architects", "GET"): Route(PLATFORM),
    ("facilitation.architects", "POST"): Route(PLATFORM, 422),
    ("facilitation.remove_architect", "POST"): Route(
        PLATFORM, 302, lambda w: {"user_id": w.ids["architect"]}
    ),
    ("facilitation.desk", "GET"): Route(PLATFORM),
    ("facilitation.desk_show", "GET"): Route(PLATFORM, args=_desk),
    ("facilitation.desk_message", "POST"): Route(PLATFORM, 422, _desk),
    ("facilitation.desk_propose", "POST"): Route(PLATFORM, 422, _desk),
    # an empty template is a valid (empty) concept
    ("facilitation.desk_concept", "POST"): Route(PLATFORM, 302, _desk),
    ("consultations.municipal_index", "GET"): Route(RESIDENCY, args=_slug),
    ("consultations.municipal_new", "GET"): Route(RESIDENCY, args=_slug),
    ("consultations.municipal_new", "POST"): Route(RESIDENCY, 422, _slug),
    ("consultations.municipal_show", "GET"): Route(RESIDENCY, args=_consultation),
    ("consultations.municipal_message", "POST"): Route(RESIDENCY, 422, _consultation),
    ("consultations.municipal_accept", "POST"): Route(RESIDENCY, 422, _consultation),
    ("consultations.municipal_draft", "POST"): Route(RESIDENCY, 302, _consultation),
}
ROUTES.update(FACILITATION_ROUTES)


def _app_routes(app) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_is_declared(app):
    undeclared = _app_routes(app) - set(ROUTES)
    assert not undeclared, f"declare the access of these routes in ROUTES: {sorted(undeclared)}"


def test_no_declaration_for_a_route_that_is_gone(app):
    assert not set(ROUTES) - _app_routes(app)


_WORLD: World | None = None  # built once per test process, then shared by every case


@pytest.fixture(scope="module", autouse=True)
def _wipe_after_the_matrix(app) -> Iterator[None]:
    global _WORLD
    yield
    _WORLD = None
    wipe(app)


@pytest.fixture(autouse=True)
def _clean_state(request, app, smtp_server) -> Iterator[None]:
    """Replaces the per-test table wipe of ``tests/conftest.py``: the world is built once, and each
    case's writes are rolled back (``rollback_support``), so adding routes adds requests only."""
    global _WORLD
    from app.extensions import limiter, write_limiter

    smtp_server[1].clear()
    limiter.reset()
    write_limiter.reset()
    if _WORLD is None:
        _WORLD = _build_world(
            app,
            request.getfixturevalue("make_municipality"),
            request.getfixturevalue("make_member"),
            request.getfixturevalue("make_user"),
            request.getfixturevalue("make_process"),
        )
    with rolled_back(app):
        yield


@pytest.fixture
def world(_clean_state) -> World:
    return _WORLD


def _build_world(app, make_municipality, make_member, make_user, make_process) -> World:
    home = make_municipality(slug="musterstadt")
    other = make_municipality(slug="beispielheim")
    users = {name: make_member(home, role) for name, role in HOME_ROLES.items()}
    users["other_staff"] = make_member(other, Role.STAFF)
    users["other_admin"] = make_member(other, Role.ADMIN)
    users["platform_admin"] = make_user(is_platform_admin=True)
    result = World(home, other, users)
    result.ids.update(town_ids(app, home, users, make_member, make_user, make_process))
    return result


def town_ids(app, town, users: dict, make_member, make_user, make_process) -> dict:
    """One of everything the routes name, made in ``town`` by its ``users``, by id."""
    from app.extensions import db
    from app.municipalities.models import Membership
    from app.processes.models import Phase

    published = make_process(town)
    draft = make_process(town, state="draft")
    ids: dict = {"process_slug": published.slug, "draft": draft.id}
    with app.app_context():
        ids["citizen_membership"] = db.session.scalar(
            db.select(Membership.id).where(Membership.user_id == users["citizen"].id)
        )
        ids["draft_phase"] = db.session.scalar(
            db.select(Phase.id).where(Phase.process_id == draft.id)
        )
    ids.update(comment_matrix_ids(app, users, published))
    ids.update(survey_matrix_ids(app, published))
    ids.update(proposal_matrix_ids(app, users, published))
    ids.update(route_matrix_ids(app, make_member, town, published))
    ids.update(api_matrix_ids(app, users, town))
    ids.update(event_matrix_ids(app, users, published))
    ids.update(draft_matrix_ids(app, users, published))
    ids.update(document_matrix_ids(app, users, published))
    ids.update(facilitation_matrix_ids(app, users, town, make_user))
    return ids


CASES = [
    pytest.param(endpoint, method, actor, id=f"{endpoint}-{method}-{actor}")
    for (endpoint, method) in sorted(ROUTES)
    for actor in ACTORS
]


@pytest.mark.parametrize(("endpoint", "method", "actor"), CASES)
def test_route_access(app, client, login, world, endpoint, method, actor):
    from flask import url_for

    route = ROUTES[(endpoint, method)]
    if actor != "anonymous":
        login(client, world.users[actor])
    with app.test_request_context():
        url = url_for(endpoint, **route.args(world))
    response = client.open(url, method=method, data={})

    if actor in ADMITTED[route.access]:
        assert response.status_code == route.expected_for(actor), (url, actor)
        if response.status_code == 302 and actor != "anonymous":
            assert "/login" not in response.headers["Location"], (url, actor)
    elif actor == "anonymous":
        assert response.status_code == 302, (url, actor)
        assert "/login" in response.headers["Location"], (url, actor)
    else:
        assert response.status_code == 403, (url, actor)
