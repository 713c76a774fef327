"""Signals of the facilitation domain: what the notifications domain listens to.

Sent inside the request that made the change, after the flush and before the commit, so the
recorded notification event commits (or rolls back) with the change.

- ``consultation_requested(sender=request)``: a municipality asked for a first consultation; the
  process architects hear of it.
- ``facilitator_proposed(sender=request, facilitator_id=..., actor_id=...)``: an architect proposed a
  facilitator; the municipality's staff and admins hear of it.
- ``facilitator_accepted(sender=request, actor_id=...)``: the municipality accepted
  ``request.facilitator``, who now has the facilitator role there and hears of it.
"""

from __future__ import annotations

from blinker import Namespace

signals = Namespace()

consultation_requested = signals.signal("consultation-requested")
facilitator_proposed = signals.signal("facilitator-proposed")
facilitator_accepted = signals.signal("facilitator-accepted")
