"""Signals of the comments domain (the notifications domain listens).

Sent inside the request that made the change, after the flush and before the commit, so a
receiver's rows commit or roll back with the change.

- ``comment_posted(sender=comment)``: a comment or reply was written (it may await moderation);
  sent once more when pre-moderation publishes it (``app.contributions.kinds.announce``).
"""

from __future__ import annotations

from blinker import Namespace

signals = Namespace()

comment_posted = signals.signal("comment-posted")
