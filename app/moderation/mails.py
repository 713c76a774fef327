"""Messages to authors about moderation decisions and blocks, queued with the decision itself.

The mails say what happened and why, never who reported: reporters stay anonymous to authors.
"""

from __future__ import annotations

from flask_babel import gettext as _

from app.accounts.models import User
from app.core.mail import send_mail
from app.moderation.models import Action, Block, Decision


def _reachable(user: User | None) -> bool:
    return user is not None and user.deleted_at is None


def _body(name: str, *paragraphs: str) -> str:
    return "\n\n".join([_("Hello %(name)s,", name=name), *paragraphs])


def send_decision(
    author: User | None, decision: Decision, municipality_name: str, title: str, notices_url: str
) -> None:
    """Tell the author about a decision that hid, restored, published or upheld their contribution."""
    if not _reachable(author):
        return
    if decision.action in {Action.HIDE, Action.AUTO_HIDE, Action.REJECT}:
        if decision.action == Action.REJECT:
            subject = _("Your contribution in %(name)s was not published", name=municipality_name)
            what = _(
                "the moderation of %(name)s did not publish your contribution “%(title)s”.",
                name=municipality_name,
                title=title,
            )
        else:
            subject = _("Your contribution in %(name)s was hidden", name=municipality_name)
            what = _(
                "the moderation of %(name)s has hidden your contribution “%(title)s”.",
                name=municipality_name,
                title=title,
            )
        paragraphs = [
            what,
            _("Reason: %(reason)s", reason=decision.reason),
            _("If you think this was a mistake, you can ask for a review once, in your account:"),
            notices_url,
        ]
    elif decision.action == Action.UPHOLD:
        subject = _("Your review request in %(name)s was answered", name=municipality_name)
        paragraphs = [
            _(
                "the moderation of %(name)s has looked at your contribution “%(title)s” again. "
                "It stays hidden.",
                name=municipality_name,
                title=title,
            ),
            _("Answer: %(reason)s", reason=decision.reason),
            notices_url,
        ]
    else:
        subject = _("Your contribution in %(name)s is visible", name=municipality_name)
        paragraphs = [
            _(
                "your contribution “%(title)s” in %(name)s is visible to everyone now.",
                name=municipality_name,
                title=title,
            ),
            notices_url,
        ]
    send_mail(author.email, subject, _body(author.display_name, *paragraphs))


def send_block(user: User, block: Block, message: str, notices_url: str) -> None:
    if not _reachable(user):
        return
    send_mail(
        user.email,
        _("You cannot contribute for now"),
        _body(
            user.display_name,
            message,
            _("You can still read everything. Your account page shows the details:"),
            notices_url,
        ),
    )
