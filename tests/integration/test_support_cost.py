"""What a support costs: the statements of one support POST, and the rules answered inside them.

The participation guards (blocks, residency) are answered inside the statement that loads the
proposal, and the consent check inside the one that loads the logged-in person (with their
memberships). These tests prove both that nothing is asked on its own any more and that every rule
still decides as before.
"""

from __future__ import annotations

import re
from datetime import timedelta

import proposals_support
import pytest
from proposals_support import Town, create_proposal
from sqlalchemy import event, func, select

from app.accounts.models import User
from app.core.time import utcnow
from app.extensions import db
from app.municipalities.models import Municipality
from app.proposals.models import ProposalSupport

town = proposals_support.town  # the fixture
REASON = "Wiederholt beleidigend"


def _statements(app):
    """``with _statements(app) as seen:`` the SQL statements run inside the block."""
    from contextlib import contextmanager

    @contextmanager
    def recording():
        seen: list[str] = []

        def record(_conn, _cursor, statement, *_args) -> None:
            seen.append(" ".join(statement.split()))

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield seen
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return recording()


def _main_table(statement: str) -> str:
    """The table a statement is about: the one after its FROM, INTO or UPDATE outside of any
    parentheses (not a subquery's)."""
    depth, top = 0, []
    for char in statement:
        depth += {"(": 1, ")": -1}.get(char, 0)
        top.append(char if depth == 0 or char == ")" else " ")
    found = re.search(r"\b(?:FROM|INTO|UPDATE)\s+(\w+)", "".join(top))
    return found.group(1) if found else statement[:20]


def test_a_support_post_runs_six_statements_and_no_guard_asks_on_its_own(
    app, client, login, make_member, town: Town
):
    proposal = create_proposal(app, town.process, town.users["citizen"], xss=False)
    person = make_member(town.municipality, xss=False)
    login(client, person)
    client.get(town.url(proposal))
    for action, count in (("support", "1"), ("unsupport", "0")):
        with _statements(app) as seen:
            response = client.post(town.url(proposal, action), headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert f"{count}</strong>" in response.get_data(as_text=True)
        # The tenant; the person with memberships and consents; the process with its phases and
        # formats; the proposal with its contribution and the guards; the insert (or delete); the
        # counter update that returns the answer promise.
        tables = [_main_table(s) for s in seen]
        assert len(seen) <= 6, tables
        for guarded in ("blocks", "residency_rules", "residency_verifications", "memberships"):
            assert guarded not in tables, tables
        for asked_with_login in ("legal_documents", "consents"):
            assert asked_with_login not in tables, tables


def _block(app, town: Town, blocked, until, municipality=None) -> None:
    from app.moderation import services

    with app.app_context():
        services.block(
            db.session.get(User, town.users["moderator"].id),
            db.session.get(Municipality, (municipality or town.municipality).id),
            db.session.get(User, blocked.id),
            until,
            REASON,
        )
        db.session.commit()


def _supports(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ProposalSupport))


@pytest.mark.parametrize(
    ("until", "elsewhere", "refused"),
    [
        (None, False, True),  # for good
        (timedelta(days=3), False, True),  # for a while, still running
        (-timedelta(minutes=1), False, False),  # ended a minute ago
        (None, True, False),  # in another municipality only
    ],
)
def test_the_block_answered_with_the_proposal_decides_as_before(
    app, client, login, make_member, town: Town, until, elsewhere, refused
):
    proposal = create_proposal(app, town.process, town.users["citizen"], xss=False)
    person = make_member(town.municipality, xss=False)
    _block(
        app,
        town,
        person,
        None if until is None else utcnow() + until,
        town.other if elsewhere else None,
    )
    login(client, person)
    widget = client.post(town.url(proposal, "support"), headers={"HX-Request": "true"})
    assert widget.status_code == 200
    assert (REASON in widget.text) is refused
    # A refused support leaves no button behind; an accepted one offers taking it back.
    assert ("/unsupport" in widget.text) is not refused
    assert _supports(app) == (0 if refused else 1)


def test_supporting_still_needs_a_membership(app, client, login, make_user, town: Town):
    proposal = create_proposal(app, town.process, town.users["citizen"], xss=False)
    outsider = make_user(xss=False)
    login(client, outsider)
    assert client.post(town.url(proposal, "support")).status_code == 403
    assert _supports(app) == 0


def _asks_consent(app) -> None:
    from app.privacy.models import LegalDocument, LegalKind

    with app.app_context():
        db.session.add(
            LegalDocument(
                municipality_id=None,
                kind=LegalKind.TERMS,
                version=1,
                source="Neu",
                body="<p>Neu</p>",
                asks_consent=True,
            )
        )
        db.session.commit()


def _answer(app, user, version: int, granted: bool) -> None:
    from app.privacy.models import Consent, ConsentKind

    with app.app_context():
        db.session.add(
            Consent(user_id=user.id, kind=ConsentKind.TERMS, version=version, granted=granted)
        )
        db.session.commit()


@pytest.mark.parametrize(
    ("answers", "asked"),
    [
        ([], True),  # the built-in version only: the new one is outstanding
        ([(1, True)], False),
        ([(1, True), (1, False)], True),  # accepted, then withdrawn: the last answer counts
        ([(1, False), (1, True)], False),
    ],
)
def test_the_consent_check_answered_with_the_login_decides_as_before(
    app, client, login, make_member, town: Town, answers, asked
):
    person = make_member(town.municipality, xss=False)
    login(client, person)
    _asks_consent(app)
    for version, granted in answers:
        _answer(app, person, version, granted)
    with _statements(app) as seen:
        response = client.get(f"/{town.municipality.slug}/")
    assert (response.status_code == 302 and "/account/consent" in response.location) is asked
    tables = [_main_table(s) for s in seen]
    assert "legal_documents" not in tables and "consents" not in tables, tables
