"""Shared set-up of the comment tests: a thread with comments written through the services.

``comment_matrix_ids`` gives the permission matrix (``test_route_matrix``) a thread on the world's
published process and one comment each by the citizen and the staff member.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest


def write_comment(
    app, author, process, text: str = "Ein Kommentar", parent_id=None, thread_id=None
):
    """A comment by ``author`` in ``process``'s own discussion (or ``thread_id``); returns its id."""
    from app.accounts.models import User
    from app.comments import services
    from app.comments.models import Comment
    from app.contributions.models import Thread
    from app.extensions import db
    from app.processes.models import Process

    with app.app_context():
        loaded = db.session.get(Process, process.id)
        thread = (
            db.session.get(Thread, thread_id) if thread_id else services.thread_for_process(loaded)
        )
        parent = db.session.get(Comment, parent_id) if parent_id else None
        comment = services.post_comment(
            db.session.get(User, author.id), thread, loaded, text, parent
        )
        db.session.commit()
        return comment.id


def thread_id_of(app, process) -> int:
    from app.comments import services
    from app.extensions import db
    from app.processes.models import Process

    with app.app_context():
        thread = services.thread_for_process(db.session.get(Process, process.id))
        db.session.commit()
        return thread.id


def comment_matrix_ids(app, users: dict[str, Any], process) -> dict[str, int]:
    """Switch on the comments format of ``process`` and write the matrix's comments."""
    from app.extensions import db
    from app.processes.models import ProcessFormat

    with app.app_context():
        db.session.add(ProcessFormat(process_id=process.id, key="comments"))
        db.session.commit()
    return {
        "comment_thread": thread_id_of(app, process),
        "citizen_comment": write_comment(app, users["citizen"], process),
        "staff_comment": write_comment(app, users["staff"], process),
    }


# --- fixtures for the comment tests ---------------------------------------------------------------

XSS = "<script>window.__xss=1</script>"


@dataclass
class Town:
    """A municipality with one member per role, another municipality's staff member, and a public
    process in its participation phase with the comments format switched on."""

    municipality: Any
    other: Any
    users: dict[str, Any]
    process: Any

    def thread_url(self, **query) -> str:
        url = f"/{self.municipality.slug}/processes/{self.process.slug}/comments/"
        return url + ("?" + urlencode(query) if query else "")

    def url(self, path: str) -> str:
        return f"/{self.municipality.slug}{path}"


@pytest.fixture
def town(make_municipality, make_member, make_process) -> Town:
    from app.core.roles import Role

    municipality = make_municipality()
    other = make_municipality()
    users = {
        role.value: make_member(municipality, role)
        for role in (
            Role.CITIZEN,
            Role.STAFF,
            Role.MODERATOR,
            Role.COUNCIL,
            Role.FACILITATOR,
            Role.ADMIN,
        )
    }
    users["neighbour"] = make_member(municipality, Role.CITIZEN)
    users["other_staff"] = make_member(other, Role.STAFF)
    process = make_process(municipality, formats=("comments",))
    return Town(municipality, other, users, process)


def htmx() -> dict[str, str]:
    return {"HX-Request": "true"}
