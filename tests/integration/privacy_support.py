"""A person with data in as many tables as the platform has: the export and deletion tests use it.

``rich_person`` writes, through the domains' services or as they store it: a membership, a
proposal, a comment, a support and a reaction on someone else's texts, a follow, a named survey
answer, a report they filed, consents, and (where the notifications domain is installed) a
notification.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from comments_support import write_comment
from moderation_support import report
from proposals_support import create_proposal, switch_on_proposals

from app.core.roles import Role


@dataclass
class Person:
    user: object
    other: object
    municipality: object
    process: object
    proposal_id: int
    other_proposal_id: int
    comment_id: int
    survey_id: int


@pytest.fixture
def rich_person(app, make_municipality, make_member, make_process, make_survey) -> Person:
    from app.accounts.models import User
    from app.comments.models import CommentReaction, Reaction
    from app.extensions import db
    from app.privacy import consents
    from app.processes.models import ProcessFollow
    from app.proposals.models import ProposalSupport
    from app.surveys.models import Answer, Response

    town = make_municipality(slug="datenstadt")
    person = make_member(
        town, Role.CITIZEN, email="person@example.org", display_name="Erika Muster"
    )
    other = make_member(town, Role.CITIZEN)
    process = make_process(town)
    switch_on_proposals(app, process)
    proposal_id = create_proposal(app, process, person, title="Mein Vorschlag")
    other_proposal_id = create_proposal(app, process, other)
    comment_id = write_comment(app, person, process, "Mein Kommentar")
    other_comment_id = write_comment(app, other, process, "Fremder Kommentar")
    survey = make_survey(process, anonymous=False)
    report(app, person, _contribution_of_comment(app, other_comment_id), "insult", "Beleidigend")
    with app.app_context():
        user = db.session.get(User, person.id)
        db.session.add(ProposalSupport(proposal_id=other_proposal_id, user_id=person.id))
        db.session.add(
            CommentReaction(comment_id=other_comment_id, user_id=person.id, value=Reaction.AGREE)
        )
        db.session.add(ProcessFollow(user_id=person.id, process_id=process.id))
        question = survey.questions[0]
        response = Response(survey_id=survey.id, user_id=person.id, author_group="citizens")
        response.answers.append(Answer(question_id=question.id, text="Meine Antwort"))
        db.session.add(response)
        consents.record_registration(user, email_notifications=True)
        _notify(user, process)
        db.session.commit()
    return Person(
        person, other, town, process, proposal_id, other_proposal_id, comment_id, survey.id
    )


def _contribution_of_comment(app, comment_id: int) -> int:
    from app.comments.models import Comment
    from app.extensions import db

    with app.app_context():
        return db.session.get(Comment, comment_id).contribution_id


def _notify(user, process) -> None:
    """A notification for ``user``, where the notifications domain is installed."""
    try:
        from app.notifications.models import Delivery, Event, Notification
    except ImportError:  # pragma: no cover - a build without notifications
        return
    from app.extensions import db

    event = Event(
        kind="comment",
        municipality_id=process.municipality_id,
        process_id=process.id,
        payload={"title": "x"},
    )
    db.session.add(event)
    db.session.flush()
    db.session.add(
        Notification(user_id=user.id, event_id=event.id, kind="comment", delivery=Delivery.NEVER)
    )
