"""Signals of the proposals domain (the notifications domain listens).

Sent inside the request that made the change, after the flush and before the commit, so a
receiver's rows commit or roll back with the change.

- ``proposal_submitted(sender=proposal)``: a new proposal (it may await moderation).
- ``status_changed(sender=change)``: a ``ProposalStatusChange`` with the official answer.
- ``statement_written(sender=statement)``: a council member's first ``ProposalStatement``.

``proposal_submitted`` and ``statement_written`` are sent once more when pre-moderation publishes
the contribution (``app.contributions.kinds.announce``).
"""

from __future__ import annotations

from blinker import Namespace

signals = Namespace()

proposal_submitted = signals.signal("proposal-submitted")
status_changed = signals.signal("proposal-status-changed")
statement_written = signals.signal("proposal-statement-written")
