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


# --- documents: listed where the web lists them, and only what it shows ---------------------------


def _attach_unreadable_documents(app, make_process) -> dict[str, str]:
    """Documents the web shows no visitor: of a members-only and of a draft process, of an answer to
    the hidden proposal, and of an outcome not yet published. Their titles, by place."""
    from documents_support import attach, pdf_bytes

    from app.accounts.models import User
    from app.contributions.models import Contribution, Visibility
    from app.extensions import db
    from app.municipalities.models import Municipality
    from app.outcomes.models import Outcome
    from app.proposals.models import Proposal, ProposalStatus, ProposalStatusChange

    with app.app_context():
        town = db.session.scalar(select(Municipality).where(Municipality.slug == "musterstadt"))
        staff = db.session.scalar(
            select(User).where(User.email == "verwaltung@musterstadt.example")
        )
        hidden = db.session.scalar(
            select(Proposal)
            .join(Contribution, Contribution.id == Proposal.contribution_id)
            .where(Contribution.visibility == Visibility.HIDDEN)
        )
        answer = ProposalStatusChange(
            proposal_id=hidden.id,
            status=ProposalStatus.UNDER_REVIEW,
            response="<p>Wird geprüft.</p>",
            office="Bauamt",
        )
        db.session.add(answer)
        db.session.commit()
        hidden_process, answer_id = hidden.process, answer.id
        for loaded in (town, staff, hidden_process):  # their ids, for use outside this context
            db.session.refresh(loaded)
        db.session.expunge_all()
    members = make_process(town, visibility="members", xss=False)
    draft = make_process(town, state="draft", xss=False)
    unpublished = make_process(town, xss=False)
    with app.app_context():
        outcome = Outcome(
            municipality_id=town.id, process_id=unpublished.id, summary="<p>Noch offen.</p>"
        )
        db.session.add(outcome)
        db.session.commit()
        outcome_id = outcome.id
    titles = {
        "members": "Internes Gutachten nur für Mitglieder",
        "draft": "Anlage zu einem Verfahren im Entwurf",
        "answer": "Anlage zur Antwort auf einen verborgenen Vorschlag",
        "outcome": "Anlage zu einem unveröffentlichten Ergebnis",
    }
    for place, process, target in (
        ("members", members, "process"),
        ("draft", draft, "process"),
        ("answer", hidden_process, f"answer-{answer_id}"),
        ("outcome", unpublished, f"outcome-{outcome_id}"),
    ):
        attach(app, process, staff, pdf_bytes(1), "anlage.pdf", title=titles[place], target=target)
    return titles


def _listed_documents(responses: dict[str, str]) -> list[dict]:
    """Every document object in the crawled JSON answers (processes, answers, outcomes)."""
    import json

    found: list[dict] = []

    def walk(value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key == "documents" and isinstance(inner, list):
                    found.extend(inner)
                else:
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    for path, text in responses.items():
        if not path.endswith(".csv") and "openapi" not in path:
            walk(json.loads(text))
    return found


def test_api_lists_the_documents_the_web_shows_and_no_others(app, client, make_process):
    from app.documents.models import Document
    from app.extensions import db

    _seed_with_moderated_content(app)
    unreadable = _attach_unreadable_documents(app, make_process)
    responses = _crawl(client)
    listed = _listed_documents(responses)
    titles = {d["title"] for d in listed}
    # The demo's documents of the Marktplatz process and of the finished process's outcome.
    assert "Entwurf Gestaltungsplan Marktplatz" in titles
    assert "Verkehrs- und Nutzungsstudie Marktplatz" in titles
    assert "Beschluss des Gemeinderats zum Radverkehrskonzept 2030" in titles
    with app.app_context():
        private = [
            value
            for row in db.session.execute(select(Document.storage_key, Document.thumbnail_key))
            for value in row
            if value
        ]
    for path, text in responses.items():
        for title in unreadable.values():
            assert title not in text, (path, title)
        for key in private:  # files are addressed by id; their storage keys never leave
            assert key not in text, (path, key)
    for document in listed:  # every address the API gives opens for an anonymous visitor
        for url in (document["url"], document["thumbnail_url"]):
            if url:
                assert client.get(_path(url)).status_code == 200, url


def test_an_answers_documents_show_once_its_proposal_is_published(app, client, make_process):
    from app.contributions.models import Contribution, Visibility
    from app.extensions import db
    from app.municipalities.models import Municipality
    from app.processes.models import Process
    from app.proposals.models import Proposal

    _seed_with_moderated_content(app)
    title = _attach_unreadable_documents(app, make_process)["answer"]
    with app.app_context():
        proposal, process_slug, town = db.session.execute(
            select(Proposal, Process.slug, Municipality.slug)
            .join(Contribution, Contribution.id == Proposal.contribution_id)
            .join(Process, Process.id == Proposal.process_id)
            .join(Municipality, Municipality.id == Process.municipality_id)
            .where(Contribution.visibility == Visibility.HIDDEN)
        ).one()
        proposal_id, contribution_id = proposal.id, proposal.contribution_id
    url = f"{API}/municipalities/{town}/processes/{process_slug}/proposals/{proposal_id}"
    hidden = client.get(url).get_json()
    assert hidden["official_answers"] and all(
        a["documents"] == [] for a in hidden["official_answers"]
    )
    with app.app_context():
        db.session.get(Contribution, contribution_id).visibility = Visibility.VISIBLE
        db.session.commit()
    shown = client.get(url).get_json()
    cited = [d for a in shown["official_answers"] for d in a["documents"]]
    assert [d["title"] for d in cited] == [title]
    assert client.get(_path(cited[0]["url"])).status_code == 200
