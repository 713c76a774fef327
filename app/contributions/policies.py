"""``contribution.read``: the one rule that decides whether a person may read a contribution's text.

Pages that show contribution text away from the contribution's own place (the report form, the
moderation queue and mails, the author's own pages) ask this rule, never a rule of their own:

- the author reads their own contribution (also while hidden or pending; not once deleted);
- the municipality's moderators read every contribution of it (that is their work);
- everybody else is asked of the kind that owns the contribution (``Kind.can_read``): a proposal
  where its page is readable, a survey's free-text answer where the survey's results are, ...

Other municipalities' users therefore read only what is public there, and ids typed in sequence
find nothing more than the pages themselves show.
"""

from __future__ import annotations

from app.contributions import kinds
from app.contributions.models import Contribution, Visibility
from app.core.permissions import allowed, rule
from app.extensions import db
from app.municipalities.models import Municipality


@rule("contribution.read")
def read(user, contribution: Contribution) -> bool:
    if not isinstance(contribution, Contribution):
        return False
    if getattr(user, "is_authenticated", False) and contribution.author_id == user.id:
        return contribution.visibility != Visibility.DELETED
    municipality = db.session.get(Municipality, contribution.municipality_id)
    if municipality is None:
        return False
    if allowed("moderation.moderate", user, municipality):
        return True
    owner = kinds.kind(contribution.kind)
    if owner is None or owner.can_read is None:
        return False
    return bool(owner.can_read(user, contribution))
