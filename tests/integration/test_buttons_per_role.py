"""Every ``can()``-guarded button of the proposal page, per role.

Two checks, because one alone lets a loosened rule through:

- generated from the templates and the permission registry: every rule a proposal-page template
  asks with ``can('…')`` is registered and has a button below, and for every role the button shows
  exactly when the registry allows the action (a button without a rule, or a rule the template
  does not follow, fails);
- fixed expectations for the buttons that only some roles may use ("answer officially", the
  council's statement): written down here, independent of the rule, so that a rule loosened to
  more roles fails even though template and registry still agree.
"""

from __future__ import annotations

import re
from pathlib import Path

import proposals_support
import pytest
from proposals_support import Town, create_proposal

from app.extensions import db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "proposals"
PAGE_TEMPLATES = ("show.html", "_support.html")

ROLES = ("citizen", "staff", "moderator", "council", "facilitator", "admin")
VISITORS = (*ROLES, "other_staff", "platform_admin", "anonymous", "author")

# What the page shows when a rule allows it: a link or form action only that button has.
BUTTONS = {
    "proposal.answer": "/admin/processes/{process_id}/proposals/{proposal_id}/answer",
    "proposal.state_position": "/proposals/{proposal_id}/statement",
    "proposal.support": "/proposals/{proposal_id}/support",
    "proposal.edit": "/proposals/{proposal_id}/edit",
    "proposal.withdraw": "/proposals/{proposal_id}/withdraw",
}

# Written down independently of the rules: who answers officially, who states positions.
EXPECTED = {
    "proposal.answer": {"staff", "facilitator", "admin", "platform_admin"},
    "proposal.state_position": {"council"},
}

town = proposals_support.town  # the fixture


def asked_rules() -> set[str]:
    """The rule names the proposal page's templates ask with ``can('…')``."""
    names: set[str] = set()
    for name in PAGE_TEMPLATES:
        names |= set(re.findall(r"can\(['\"]([\w.]+)['\"]", (TEMPLATES / name).read_text()))
    return names


def test_every_rule_the_page_asks_is_registered_and_has_a_button_under_test(app):
    from app.core.permissions import registered_rules

    asked = asked_rules()
    assert asked, "the proposal page asks no rule? the pattern is out of date"
    assert asked <= registered_rules()
    assert asked == set(BUTTONS), "a can()-guarded button of the proposal page has no test here"


@pytest.fixture
def scene(app, town: Town, make_member, make_user):
    from app.core.roles import Role

    author = make_member(town.municipality, Role.CITIZEN, xss=False)
    visitors = {**town.users, "platform_admin": make_user(is_platform_admin=True), "author": author}
    proposal_id = create_proposal(app, town.process, author, xss=False)
    return town, visitors, proposal_id


def _page(app, login, town: Town, visitor, proposal_id: int) -> str:
    client = app.test_client()
    if visitor is not None:
        login(client, visitor)
    response = client.get(town.url(proposal_id))
    assert response.status_code == 200
    return response.text


def _allowed(app, rule: str, visitor, proposal_id: int) -> bool:
    from flask_login import AnonymousUserMixin

    from app.accounts.models import User
    from app.core.permissions import allowed
    from app.proposals.models import Proposal

    with app.test_request_context():
        user = db.session.get(User, visitor.id) if visitor else AnonymousUserMixin()
        return allowed(rule, user, db.session.get(Proposal, proposal_id))


@pytest.mark.parametrize("name", VISITORS)
def test_each_button_shows_exactly_when_the_registry_allows_it(app, login, scene, name):
    town, visitors, proposal_id = scene
    visitor = visitors.get(name)
    html = _page(app, login, town, visitor, proposal_id)
    for rule, marker in BUTTONS.items():
        href = marker.format(process_id=town.process.id, proposal_id=proposal_id)
        assert (href in html) == _allowed(app, rule, visitor, proposal_id), (rule, name)


@pytest.mark.parametrize("rule", sorted(EXPECTED))
def test_restricted_buttons_show_for_exactly_the_expected_roles(app, login, scene, rule):
    town, visitors, proposal_id = scene
    href = BUTTONS[rule].format(process_id=town.process.id, proposal_id=proposal_id)
    shown = {
        name
        for name in VISITORS
        if href in _page(app, login, town, visitors.get(name), proposal_id)
    }
    assert shown == EXPECTED[rule]
