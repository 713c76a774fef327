"""Residency verification: residents-only processes, letter codes, in person, revocation.

- In a process limited to verified residents, proposing, supporting, commenting, reacting and
  answering need a verification in that municipality; reading stays as before.
- Letter codes are random, single use, stored as HMACs, valid in their own municipality only, and
  redemption is rate-limited.
- Staff verify in person and revoke with a reason; both are audited; the person sees their status.
"""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from app.core.roles import Role
from app.extensions import db
from tests.integration.comments_support import thread_id_of, write_comment
from tests.integration.proposals_support import create_proposal

REFUSAL = "Only verified residents"


def _refused(message: str) -> bool:
    """Service answers outside a request speak the default language (German)."""
    return REFUSAL in message or "nur bestätigte Einwohner" in message


@pytest.fixture(autouse=True)
def english(client):
    client.get("/lang/en")


@pytest.fixture
def town(make_municipality):
    return make_municipality(xss=False, slug="wohnort")


@pytest.fixture
def other_town(make_municipality):
    return make_municipality(xss=False, slug="nachbarort")


@pytest.fixture
def process(town, make_process):
    return make_process(town, formats=("proposals", "comments", "surveys"), xss=False)


@pytest.fixture
def people(town, make_member):
    return {
        name: make_member(town, role)
        for name, role in (
            ("author", Role.CITIZEN),
            ("resident", Role.CITIZEN),
            ("staff", Role.STAFF),
            ("admin", Role.ADMIN),
            ("moderator", Role.MODERATOR),
            ("council", Role.COUNCIL),
        )
    }


def _residents_only(app, process, people, required: bool = True) -> None:
    from app.accounts.models import User
    from app.processes.models import Process
    from app.residency import services

    with app.app_context():
        services.set_required(
            db.session.get(Process, process.id),
            required,
            db.session.get(User, people["staff"].id),
        )
        db.session.commit()


def _verify(app, town, user, staff) -> int:
    from app.accounts.models import User
    from app.municipalities.models import Municipality
    from app.residency import services

    with app.app_context():
        verification = services.verify_in_person(
            db.session.get(Municipality, town.id),
            db.session.get(User, user.id),
            db.session.get(User, staff.id),
        )
        db.session.commit()
        return verification.id


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- the rule, for every act of participation ---------------------------------------------------


def test_the_gate_refuses_unverified_members_and_admits_verified_ones(app, process, people, town):
    from app.accounts.models import User
    from app.core.permissions import allowed
    from app.core.time import utcnow
    from app.processes.models import Process
    from app.processes.services import contribution_gate

    _residents_only(app, process, people)
    _verify(app, town, people["author"], people["staff"])
    with app.app_context():
        loaded = db.session.get(Process, process.id)
        unverified = db.session.get(User, people["resident"].id)
        verified = db.session.get(User, people["author"].id)
        gate = contribution_gate(loaded, unverified, utcnow())
        assert not gate.allowed and _refused(gate.message)
        assert not allowed("process.contribute", unverified, loaded)
        assert contribution_gate(loaded, verified, utcnow()).allowed
        assert allowed("process.contribute", verified, loaded)


def test_without_the_setting_nobody_needs_a_verification(app, client, login, process, people):
    proposal = create_proposal(app, process, people["author"], xss=False)
    _residents_only(app, process, people, required=False)
    login(client, people["resident"])
    url = f"/wohnort/processes/{process.slug}/proposals/{proposal}/support"
    assert client.post(url).status_code == 302
    from app.proposals.models import ProposalSupport

    with app.app_context():
        assert _count(ProposalSupport) == 1


def test_reading_stays_open(app, client, process, people):
    proposal = create_proposal(app, process, people["author"], xss=False)
    _residents_only(app, process, people)
    for url in (
        f"/wohnort/processes/{process.slug}/",
        f"/wohnort/processes/{process.slug}/proposals/",
        f"/wohnort/processes/{process.slug}/proposals/{proposal}",
    ):
        assert client.get(url).status_code == 200, url


def test_unverified_members_cannot_propose(app, client, login, process, people):
    from app.proposals.models import Proposal

    _residents_only(app, process, people)
    login(client, people["resident"])
    listing = client.get(f"/wohnort/processes/{process.slug}/proposals/")
    assert REFUSAL in listing.text and "/account/residency" in listing.text
    sent = client.post(
        f"/wohnort/processes/{process.slug}/proposals/new",
        data={"title": "Neu", "description": "Text", "submit_anyway": "y"},
    )
    assert sent.status_code == 403 and REFUSAL in sent.text
    with app.app_context():
        assert _count(Proposal) == 0


def test_unverified_members_cannot_support_verified_ones_can(
    app, client, login, process, people, town
):
    from app.proposals.models import ProposalSupport

    proposal = create_proposal(app, process, people["author"], xss=False)
    _residents_only(app, process, people)
    url = f"/wohnort/processes/{process.slug}/proposals/{proposal}/support"
    login(client, people["resident"])
    assert REFUSAL in client.post(url, follow_redirects=True).text
    with app.app_context():
        assert _count(ProposalSupport) == 0
    _verify(app, town, people["resident"], people["staff"])
    assert client.post(url).status_code == 302
    with app.app_context():
        assert _count(ProposalSupport) == 1


def test_unverified_members_cannot_comment_reply_or_react(app, client, login, process, people):
    from app.comments.models import Comment, CommentReaction

    comment = write_comment(app, people["author"], process)
    _residents_only(app, process, people)
    login(client, people["resident"])
    reaction = client.post(f"/wohnort/comments/{comment}/reaction", data={"reaction": "agree"})
    assert reaction.status_code == 403 and REFUSAL in reaction.text
    thread = thread_id_of(app, process)
    written = client.post(
        f"/wohnort/threads/{thread}/comments", data={f"thread{thread}-body": "Trotzdem"}
    )
    assert written.status_code == 422 and REFUSAL in written.text
    reply = client.post(f"/wohnort/comments/{comment}/reply", data={f"reply{comment}-body": "A"})
    assert reply.status_code == 422 and REFUSAL in reply.text
    with app.app_context():
        assert _count(CommentReaction) == 0 and _count(Comment) == 1


def test_unverified_members_cannot_answer_surveys(app, client, login, process, people, make_survey):
    from app.surveys.models import Response

    survey = make_survey(process, xss=False, questions=[dict(type="long_text", text="Ideen")])
    _residents_only(app, process, people)
    login(client, people["resident"])
    url = f"/wohnort/processes/{process.slug}/surveys/{survey.id}/"
    page = client.get(url)
    assert REFUSAL in page.text and 'id="answer-form"' not in page.text
    sent = client.post(url, data={f"q{survey.questions[0].id}": "Trotzdem"}, follow_redirects=True)
    assert REFUSAL in sent.text
    with app.app_context():
        assert _count(Response) == 0


def test_a_verification_counts_in_its_own_municipality_only(
    app, client, login, people, town, other_town, make_member, make_process
):
    from app.accounts.models import User
    from app.core.time import utcnow
    from app.processes.models import Process
    from app.processes.services import contribution_gate

    elsewhere = make_process(other_town, xss=False)
    make_member(other_town, Role.CITIZEN, user=people["author"])
    _residents_only(app, elsewhere, people)
    _verify(app, town, people["author"], people["staff"])
    with app.app_context():
        gate = contribution_gate(
            db.session.get(Process, elsewhere.id),
            db.session.get(User, people["author"].id),
            utcnow(),
        )
        assert not gate.allowed and _refused(gate.message)


# --- letter codes ---------------------------------------------------------------------------------


def _codes(client, town_slug: str = "wohnort", count: int = 3, fmt: str = "csv") -> list[str]:
    response = client.post(
        f"/{town_slug}/admin/residency/codes",
        data={"count": str(count), "label": "Altstadt", "format": fmt},
    )
    assert response.status_code == 200, response.text[:500]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "code"
    return [row[0] for row in rows[1:]]


def test_staff_generate_random_codes_stored_only_as_hashes(app, client, login, people):
    from app.residency.models import ResidencyCode

    login(client, people["staff"])
    codes = _codes(client, count=5)
    assert len(set(codes)) == 5
    assert all(len(code) == 14 and code.count("-") == 2 for code in codes)
    with app.app_context():
        hashes = set(db.session.scalars(select(ResidencyCode.code_hash)))
    assert len(hashes) == 5
    plain = {code.replace("-", "") for code in codes}
    assert not any(p.lower() in h.lower() for p in plain for h in hashes)
    with app.app_context():
        from app.core.audit import AuditEntry

        entry = db.session.query(AuditEntry).filter_by(action="residency.codes_generated").one()
        assert entry.after["count"] == 5


def test_letters_as_pdf(app, client, login, people):
    login(client, people["staff"])
    response = client.post(
        "/wohnort/admin/residency/codes", data={"count": "2", "label": "", "format": "pdf"}
    )
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    from pypdf import PdfReader

    assert len(PdfReader(io.BytesIO(response.data)).pages) == 2


@pytest.mark.parametrize("count", ["0", "2001", "viele", ""])
def test_a_bad_batch_size_is_refused(client, login, people, count):
    login(client, people["staff"])
    response = client.post("/wohnort/admin/residency/codes", data={"count": count, "format": "csv"})
    assert response.status_code == 422


def test_a_citizen_redeems_a_code_once_and_sees_the_status(app, client, login, people, town):
    from app.residency.models import ResidencyVerification

    login(client, people["staff"])
    code = _codes(client)[0]
    login(client, people["resident"])
    response = client.post("/account/residency", data={"code": code.lower().replace("-", " ")})
    assert response.status_code == 302
    page = client.get("/account/residency").text
    assert "verified resident since" in page
    again = client.post("/account/residency", data={"code": code})
    assert again.status_code == 422
    other = app.test_client()
    login(other, people["author"])
    assert other.post("/account/residency", data={"code": code}).status_code == 422
    with app.app_context():
        verification = db.session.query(ResidencyVerification).one()
        assert verification.user_id == people["resident"].id
        assert verification.municipality_id == town.id
        assert verification.method.value == "letter"


def test_a_code_verifies_in_its_own_municipality_and_joins_it(
    app, client, login, people, other_town, make_member
):
    from app.municipalities.models import Membership
    from app.residency.models import ResidencyVerification

    login(client, make_member(other_town, Role.STAFF))
    code = _codes(client, "nachbarort", 1)[0]
    login(client, people["resident"])  # a member of Wohnort, not of Nachbarort
    assert client.post("/account/residency", data={"code": code}).status_code == 302
    with app.app_context():
        verification = db.session.query(ResidencyVerification).one()
        assert verification.municipality_id == other_town.id
        assert (
            db.session.query(Membership)
            .filter_by(user_id=people["resident"].id, municipality_id=other_town.id)
            .count()
            == 1
        )


def test_expired_and_voided_codes_do_not_work(app, client, login, people):
    from app.core.time import utcnow
    from app.residency.models import CodeBatch

    login(client, people["staff"])
    expired = _codes(client, count=1)[0]
    with app.app_context():
        db.session.query(CodeBatch).update({"expires_at": utcnow()})
        db.session.commit()
    voided = _codes(client, count=1)[0]
    with app.app_context():
        batch_id = db.session.scalar(select(func.max(CodeBatch.id)))
    assert client.post(f"/wohnort/admin/residency/codes/{batch_id}/void").status_code == 302
    login(client, people["resident"])
    for code in (expired, voided):
        assert client.post("/account/residency", data={"code": code}).status_code == 422


def test_guessing_codes_is_limited(app, client, login, people):
    login(client, people["resident"])
    statuses = [
        client.post("/account/residency", data={"code": f"AAAA-BBBB-CCC{n}"}).status_code
        for n in range(2, 9)
    ]
    assert statuses[:5] == [422] * 5
    assert statuses[5:] == [429, 429]


# --- in person and revocation ----------------------------------------------------------------------


def _membership_id(app, user, town) -> int:
    from app.municipalities.models import Membership

    with app.app_context():
        return db.session.scalar(
            select(Membership.id).where(
                Membership.user_id == user.id, Membership.municipality_id == town.id
            )
        )


def test_the_members_list_pages_through_a_big_town(
    app, client, login, people, town, make_member, monkeypatch
):
    monkeypatch.setitem(app.config, "PER_PAGE", 2)
    for _ in range(3):
        make_member(town, Role.CITIZEN)
    login(client, people["staff"])
    first = client.get("/wohnort/admin/residency/members")
    assert first.status_code == 200
    assert 'href="/wohnort/admin/residency/members?page=2"' in first.text
    assert client.get("/wohnort/admin/residency/members?page=2").status_code == 200


def test_staff_verify_in_person_and_revoke_with_a_reason_all_audited(
    app, client, login, people, town, process
):
    from app.core.audit import AuditEntry
    from app.residency.models import ResidencyVerification

    login(client, people["staff"])
    membership = _membership_id(app, people["resident"], town)
    members = client.get("/wohnort/admin/residency/members")
    assert members.status_code == 200 and "not verified" in members.text
    assert client.post(f"/wohnort/admin/residency/members/{membership}/verify").status_code == 302
    with app.app_context():
        verification = db.session.query(ResidencyVerification).one()
        assert verification.method.value == "in_person"
        assert verification.verified_by_id == people["staff"].id
    url = f"/wohnort/admin/residency/verifications/{verification.id}/revoke"
    assert client.post(url, data={"reason": ""}).status_code == 422
    assert client.post(url, data={"reason": "Weggezogen"}).status_code == 302
    with app.app_context():
        actions = [
            (e.action, e.reason)
            for e in db.session.query(AuditEntry)
            .filter(AuditEntry.action.like("residency.%"))
            .order_by(AuditEntry.id)
        ]
    assert actions == [("residency.verified", ""), ("residency.revoked", "Weggezogen")]
    login(client, people["resident"])
    page = client.get("/account/residency").text
    assert "revoked" in page and "Weggezogen" in page
    _residents_only(app, process, people)
    proposal = create_proposal(app, process, people["author"], xss=False)
    supported = client.post(
        f"/wohnort/processes/{process.slug}/proposals/{proposal}/support", follow_redirects=True
    )
    assert REFUSAL in supported.text


@pytest.mark.parametrize("role", ["moderator", "council", "author"])
def test_only_staff_and_admins_manage_verification(client, login, people, role):
    login(client, people[role])
    assert client.get("/wohnort/admin/residency/").status_code == 403
    assert client.get("/wohnort/admin/residency/members").status_code == 403
    sent = client.post("/wohnort/admin/residency/codes", data={"count": "1", "format": "csv"})
    assert sent.status_code == 403


def test_staff_of_another_municipality_cannot_verify_or_revoke_here(
    app, client, login, people, town, other_town, make_member
):
    verification = _verify(app, town, people["author"], people["staff"])
    membership = _membership_id(app, people["resident"], town)
    login(client, make_member(other_town, Role.ADMIN))
    assert client.get("/wohnort/admin/residency/").status_code == 403
    assert client.post(f"/wohnort/admin/residency/members/{membership}/verify").status_code == 403
    # Their own back office does not find Wohnort's rows by id either.
    assert (
        client.post(f"/nachbarort/admin/residency/members/{membership}/verify").status_code == 404
    )
    revoke = f"/nachbarort/admin/residency/verifications/{verification}/revoke"
    assert client.post(revoke, data={"reason": "x"}).status_code == 404


def test_the_process_setting_is_scoped_and_audited(
    app, client, login, people, process, other_town, make_process
):
    from app.core.audit import AuditEntry
    from app.residency.models import ResidencyRule

    elsewhere = make_process(other_town, xss=False)
    login(client, people["staff"])
    url = f"/wohnort/admin/residency/processes/{process.id}"
    assert client.post(url, data={"residents_only": "y"}).status_code == 302
    assert (
        client.post(f"/wohnort/admin/residency/processes/{elsewhere.id}", data={}).status_code
        == 404
    )
    with app.app_context():
        assert db.session.get(ResidencyRule, process.id).required is True
        assert db.session.query(AuditEntry).filter_by(action="residency.rule_changed").count() == 1
