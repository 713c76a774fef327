"""Privacy of the open data: a crawl of every API list and detail of the seeded demo finds no e-mail
address, no hidden or pending text, no draft or members-only process and no survey free text."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import select

API = "/api/v1"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
NEXT = re.compile(r'<([^>]+)>; rel="next"')


def _seed_with_moderated_content(app) -> None:
    """The demo, plus one hidden and one pending proposal and comment of its own citizens."""
    from app.comments.models import Comment
    from app.contributions.models import Contribution, Visibility
    from app.demo import seed_demo
    from app.extensions import db
    from app.proposals.models import Proposal

    with app.app_context():
        seed_demo()
        db.session.commit()
        proposals = list(db.session.scalars(select(Proposal).order_by(Proposal.id)))
        comments = list(db.session.scalars(select(Comment).order_by(Comment.id)))
        assert len(proposals) >= 2 and len(comments) >= 2, "the demo should have contributions"
        for item, visibility in (
            (proposals[0], Visibility.HIDDEN),
            (proposals[1], Visibility.PENDING),
            (comments[0], Visibility.HIDDEN),
            (comments[1], Visibility.PENDING),
        ):
            contribution = db.session.get(Contribution, item.contribution_id)
            contribution.visibility = visibility
            contribution.hidden_reason = "Verstoß gegen die Netiquette"
        db.session.commit()


def _secrets(app) -> list[str]:
    """Texts that must never leave through the API (long enough not to match by chance)."""
    from app.accounts.models import User
    from app.comments.models import Comment
    from app.contributions.models import Contribution, Visibility
    from app.extensions import db
    from app.processes.models import Process, ProcessState
    from app.processes.models import Visibility as ProcessVisibility
    from app.proposals.models import Proposal
    from app.surveys.models import Answer

    with app.app_context():
        found: list[str] = [u.email for u in db.session.scalars(select(User))]
        unseen = Contribution.visibility != Visibility.VISIBLE
        for proposal in db.session.scalars(
            select(Proposal).join(Proposal.contribution).where(unseen)
        ):
            found += [proposal.title, proposal.description_text]
        for comment in db.session.scalars(select(Comment).join(Comment.contribution).where(unseen)):
            found.append(comment.source)
        for process in db.session.scalars(
            select(Process).where(
                (Process.state == ProcessState.DRAFT)
                | (Process.visibility == ProcessVisibility.MEMBERS)
            )
        ):
            found.append(process.title)
        found += [
            t for t in db.session.scalars(select(Answer.text).where(Answer.text.is_not(None)))
        ]
    return sorted({s.strip() for s in found if s and len(s.strip()) >= 12})


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _crawl(client) -> dict[str, str]:
    """Every API list (all pages, and its CSV) and every detail reachable from the lists."""
    seen: dict[str, str] = {}

    def get(path: str, allowed=(200,)):
        response = client.get(path)
        assert response.status_code in allowed, (path, response.status_code)
        seen[path] = response.get_data(as_text=True)
        return response

    def pages(path: str) -> list[dict]:
        items = []
        while path:
            response = get(path)
            items += response.get_json()["items"]
            link = NEXT.search(response.headers.get("Link", ""))
            path = _path(link.group(1)) if link else None
        return items

    get(f"{API}/openapi.json")
    get(f"{API}/municipalities.csv")
    for town in pages(f"{API}/municipalities?per_page=1"):
        base = f"{API}/municipalities/{town['slug']}"
        get(base)
        get(f"{base}/processes.csv")
        for process in pages(f"{base}/processes?per_page=1"):
            url = f"{base}/processes/{process['slug']}"
            get(url)
            if "comments" in process["formats"]:
                pages(f"{url}/comments?per_page=2")
                get(f"{url}/comments.csv")
            if "proposals" in process["formats"]:
                get(f"{url}/proposals.csv")
                for proposal in pages(f"{url}/proposals?per_page=3"):
                    get(f"{url}/proposals/{proposal['id']}")
                    pages(f"{url}/proposals/{proposal['id']}/comments?per_page=2")
                    get(f"{url}/proposals/{proposal['id']}/comments.csv")
            get(f"{url}/outcome", allowed=(200, 404))
            get(f"{url}/council-decisions")
            for survey in get(f"{url}/surveys").get_json()["items"]:
                get(f"{url}/surveys/{survey['id']}/results", allowed=(200, 403))
    return seen


def test_no_email_hidden_text_draft_or_free_text_in_any_api_response(app, client):
    _seed_with_moderated_content(app)
    secrets = _secrets(app)
    assert len(secrets) >= 12, secrets  # the logins' addresses, the moderated texts, …
    responses = _crawl(client)
    assert len(responses) > 20, "the crawl should reach the demo's processes and proposals"
    assert any("/proposals/" in path for path in responses)
    for path, text in responses.items():
        assert not EMAIL.search(text), (path, EMAIL.search(text).group(0))
        for secret in secrets:
            assert secret not in text, (path, secret)


def test_hidden_proposals_of_the_demo_answer_as_placeholders(app, client):
    from app.contributions.models import Contribution, Visibility
    from app.extensions import db
    from app.processes.models import Process
    from app.proposals.models import Proposal

    _seed_with_moderated_content(app)
    with app.app_context():
        hidden, process_slug, town = db.session.execute(
            select(Proposal.id, Process.slug, Process.municipality_id)
            .join(Contribution, Contribution.id == Proposal.contribution_id)
            .join(Process, Process.id == Proposal.process_id)
            .where(Contribution.visibility == Visibility.HIDDEN)
        ).one()
        from app.municipalities.models import Municipality

        slug = db.session.get(Municipality, town).slug
    body = client.get(f"{API}/municipalities/{slug}/processes/{process_slug}/proposals/{hidden}")
    assert body.status_code == 200
    assert body.get_json()["title"] is None
    assert body.get_json()["hidden_reason"] == "Verstoß gegen die Netiquette"
