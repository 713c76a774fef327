"""Draft texts the tests run against: a published draft with two chapters, and comments on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

BODY = """## Wohnen

Wohnraum für alle Generationen, vorrangig auf versiegelten Flächen.

Gemeinschaftliche Wohnformen werden gefördert.

## Klima

Musterstadt ist bis 2040 klimaneutral.

Der Radverkehr steigt auf 30 Prozent."""


@dataclass
class DraftRef:
    id: int
    process_slug: str
    version_thread: int
    chapters: list[int] = field(default_factory=list)  # chapter ids
    chapter_threads: list[int] = field(default_factory=list)
    paragraphs: list[int] = field(default_factory=list)  # paragraph ids, in order
    paragraph_threads: list[int] = field(default_factory=list)
    identities: list[str] = field(default_factory=list)


def make_draft(app, process, staff, *, body: str = BODY, title: str = "Leitbild") -> DraftRef:
    """A draft of ``process`` with ``body`` as its published version 1."""
    from app.accounts.models import User
    from app.drafts import services
    from app.extensions import db
    from app.processes.models import Process

    with app.app_context():
        process = db.session.get(Process, process.id)
        actor = db.session.get(User, staff.id)
        draft = services.create_draft(actor, process, title)
        services.save_working(
            actor, draft, title=title, introduction_source="Einleitung", body_source=body
        )
        version = services.publish(actor, draft)
        db.session.commit()
        return ref_of(draft, version)


def ref_of(draft, version) -> DraftRef:
    from app.drafts import services

    chapters = services.chapters_of(version)
    paragraphs = [p for c in chapters for p in c.paragraphs]
    return DraftRef(
        id=draft.id,
        process_slug=draft.process.slug,
        version_thread=version.thread_id,
        chapters=[c.id for c in chapters],
        chapter_threads=[c.thread_id for c in chapters],
        paragraphs=[p.id for p in paragraphs],
        paragraph_threads=[p.thread_id for p in paragraphs],
        identities=[p.identity for p in paragraphs],
    )


def comment_on(app, process, user, thread_id: int, text: str = "Ein Kommentar") -> int:
    """A comment by ``user`` in ``thread_id`` through the comment service; its id."""
    from app.accounts.models import User
    from app.comments import services as comments
    from app.contributions.models import Thread
    from app.extensions import db
    from app.processes.models import Process

    with app.app_context():
        comment = comments.post_comment(
            db.session.get(User, user.id),
            db.session.get(Thread, thread_id),
            db.session.get(Process, process.id),
            text,
        )
        db.session.commit()
        return comment.id


def draft_matrix_ids(app, users, process) -> dict[str, Any]:
    """A draft in the matrix's process (the format switched on) with a citizen's comment."""
    from app.extensions import db
    from app.processes.models import Process, ProcessFormat

    with app.app_context():
        db.session.add(ProcessFormat(process_id=process.id, key="drafts"))
        db.session.commit()
        process = db.session.get(Process, process.id)
        db.session.expunge(process)
    ref = make_draft(app, process, users["staff"])
    comment = comment_on(app, process, users["citizen"], ref.paragraph_threads[0])
    return {
        "draft_text": ref.id,  # "draft" is the matrix's draft process
        "draft_process": process.id,
        "draft_chapter": ref.chapters[0],
        "draft_paragraph": ref.paragraphs[0],
        "draft_comment": comment,
    }
