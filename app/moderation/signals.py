"""Signals of the moderation domain (the notifications domain listens).

Sent inside the request that made the change, after the flush and before the commit, so a
receiver's rows commit or roll back with the change.

- ``reported(sender=report)``: a new report in the queue.
- ``decided(sender=decision, before=visibility)``: a moderation ``Decision`` (hide, restore,
  approve, ...); ``before`` is the contribution's visibility before it, so receivers see what
  changed (dismissing reports also makes an auto-hidden contribution visible again).
- ``blocked(sender=block)`` / ``unblocked(sender=block)``: a block was set or lifted.
"""

from __future__ import annotations

from blinker import Namespace

signals = Namespace()

reported = signals.signal("moderation-reported")
decided = signals.signal("moderation-decided")
blocked = signals.signal("moderation-blocked")
unblocked = signals.signal("moderation-unblocked")
