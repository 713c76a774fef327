"""The buttons of every comment, per visitor: exactly what the comment rules allow.

A thread page decides the buttons of all its comments at once (``policies.actions_on``) instead of
asking ``can`` per comment and button. These tests hold it to the rules: for every visitor and
every kind of comment (fresh or old, own or someone else's, the administration's, hidden, deleted,
awaiting moderation; in the participation and the evaluation phase) the page offers reply, react,
edit, delete and the official-answer mark exactly when ``allowed`` says so, and ``actions_on``
gives the same answers as the rules one by one.
"""

from __future__ import annotations

from datetime import timedelta

import comments_support
import pytest
from comments_support import write_comment

from app.comments.models import Comment
from app.contributions.models import Visibility
from app.core.time import utcnow
from app.extensions import db
from app.processes.models import PhaseKind

town = comments_support.town  # the fixture

VISITORS = (
    "citizen",
    "neighbour",
    "staff",
    "moderator",
    "council",
    "facilitator",
    "admin",
    "other_staff",
    "platform_admin",
    "anonymous",
)

# What the page shows when a rule allows it, for the comment with id {id}: a mark only that
# button carries.
BUTTONS = {
    "comment.reply": 'id="reply-link-{id}"',
    "comment.react": 'id="reactions-{id}"',
    "comment.edit": 'href="/{slug}/comments/{id}/edit"',
    "comment.delete": 'href="/{slug}/comments/{id}/delete"',
    "comment.mark_official": 'action="/{slug}/comments/{id}/official"',
}


def _set(app, comment_id: int, *, minutes_ago: int | None = None, visibility=None) -> None:
    with app.app_context():
        contribution = db.session.get(Comment, comment_id).contribution
        if minutes_ago is not None:
            contribution.created_at = utcnow() - timedelta(minutes=minutes_ago)
        if visibility is not None:
            contribution.visibility = visibility
        db.session.commit()


@pytest.fixture(params=[PhaseKind.PARTICIPATION, PhaseKind.EVALUATION], ids=lambda k: k.value)
def scene(request, app, town, make_process, make_user):
    """A thread with one comment of each kind; the citizen wrote most of them."""
    if request.param == PhaseKind.EVALUATION:
        now = utcnow()
        town.process = make_process(
            town.municipality,
            phases=[
                (PhaseKind.PARTICIPATION, now - timedelta(days=10), now - timedelta(days=5)),
                (PhaseKind.EVALUATION, now - timedelta(days=5), now + timedelta(days=5)),
            ],
            formats=("comments",),
        )
        # written while the participation ran, through the services (which do not check phases)
    citizen, staff = town.users["citizen"], town.users["staff"]
    ids = {
        "fresh": write_comment(app, citizen, town.process, "Frisch"),
        "old": write_comment(app, citizen, town.process, "Alt"),
        "administration": write_comment(app, staff, town.process, "Die Verwaltung"),
        "hidden": write_comment(app, citizen, town.process, "Versteckt"),
        "deleted": write_comment(app, citizen, town.process, "Gelöscht"),
        "pending": write_comment(app, citizen, town.process, "Wartet"),
    }
    ids["reply"] = write_comment(app, town.users["neighbour"], town.process, "Antwort", ids["old"])
    ids["under_deleted"] = write_comment(
        app, town.users["neighbour"], town.process, "Unter Gelöschtem", ids["deleted"]
    )
    _set(app, ids["old"], minutes_ago=60)
    _set(app, ids["hidden"], visibility=Visibility.HIDDEN)
    _set(app, ids["deleted"], visibility=Visibility.DELETED)
    _set(app, ids["pending"], visibility=Visibility.PENDING)
    visitors = {**town.users, "platform_admin": make_user(is_platform_admin=True)}
    return town, visitors, ids


def _allowed(app, visitor, rule: str, comment_id: int) -> bool:
    from flask_login import AnonymousUserMixin

    from app.accounts.models import User
    from app.core.permissions import allowed

    with app.test_request_context():
        user = db.session.get(User, visitor.id) if visitor else AnonymousUserMixin()
        return allowed(rule, user, db.session.get(Comment, comment_id))


@pytest.mark.parametrize("name", VISITORS)
def test_each_comment_button_shows_exactly_when_its_rule_allows_it(app, login, scene, name):
    town, visitors, ids = scene
    visitor = visitors.get(name)
    client = app.test_client()
    if visitor is not None:
        login(client, visitor)
    page = client.get(town.thread_url()).get_data(as_text=True)
    assert f'id="comment-{ids["fresh"]}"' in page  # the thread is on the page
    for kind, comment_id in ids.items():
        # hidden and deleted comments, and others' awaiting moderation, show a placeholder
        # without buttons (their author may still delete one: from its own page)
        with_buttons = kind not in {"hidden", "deleted"} and (
            kind != "pending" or name == "citizen"
        )
        for rule, marker in BUTTONS.items():
            shown = marker.format(id=comment_id, slug=town.municipality.slug) in page
            expected = with_buttons and _allowed(app, visitor, rule, comment_id)
            assert shown == expected, (name, kind, rule)


@pytest.mark.parametrize("name", VISITORS)
def test_actions_on_a_page_answer_what_the_rules_answer_one_by_one(app, scene, name):
    from flask_login import AnonymousUserMixin

    from app.accounts.models import User
    from app.comments import policies
    from app.core.permissions import allowed

    town, visitors, ids = scene
    visitor = visitors.get(name)
    with app.test_request_context():
        user = db.session.get(User, visitor.id) if visitor else AnonymousUserMixin()
        comments = [db.session.get(Comment, comment_id) for comment_id in ids.values()]
        thread = comments[0].thread
        process = db.session.get(type(town.process), town.process.id)
        found = policies.actions_on(user, thread, process, comments)
        for comment in comments:
            expected = {rule for rule in policies.COMMENT_ACTIONS if allowed(rule, user, comment)}
            assert found[comment.id] == expected, (name, comment.id)


def test_the_buttons_under_test_cover_every_comment_rule():
    from app.comments import policies
    from app.core.permissions import registered_rules

    assert set(BUTTONS) == set(policies.COMMENT_ACTIONS)
    assert set(policies.COMMENT_ACTIONS) <= registered_rules()


def test_the_scene_offers_each_button_to_someone(app, login, scene):
    """The comparison above means something only if each button shows somewhere."""
    town, visitors, ids = scene
    seen = set()
    for name in ("citizen", "staff", "neighbour"):
        client = app.test_client()
        login(client, visitors[name])
        page = client.get(town.thread_url()).get_data(as_text=True)
        for rule, marker in BUTTONS.items():
            if any(marker.format(id=i, slug=town.municipality.slug) in page for i in ids.values()):
                seen.add(rule)
    assert seen == set(BUTTONS)
