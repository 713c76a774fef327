"""Signals of the drafts domain (the notifications domain listens).

Sent inside the request that made the change, after the flush and before the commit, so a
receiver's rows commit or roll back with the change. Comments on a draft need no signal of their
own: they are comments, and ``app.comments.signals.comment_posted`` carries them.

- ``version_published(sender=version, actor_id=...)``: a version of a draft text is published (the
  first one, or a new one after the participation phase) by the account ``actor_id``.
- ``comment_handled(sender=handling)``: staff marked how a comment was taken into the next version.
"""

from __future__ import annotations

from blinker import Namespace

signals = Namespace()

version_published = signals.signal("draft-version-published")
comment_handled = signals.signal("draft-comment-handled")
