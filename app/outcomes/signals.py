"""Signals of the outcomes domain: what other domains (notifications) listen to.

The outcomes domain never mails participants itself; it says what happened and the notifications
domain decides who hears about it, through the mail queue. Every signal is sent inside the request
that made the change, after the change is flushed and before the commit, so a receiver's queued mail
rows commit (or roll back) together with the change that caused them.

- ``outcome_published(sender=outcome)``: an ``Outcome`` was published; ``outcome.process`` is in its
  outcome phase. Sent once per outcome (publishing twice is refused by the service).
- ``council_decision_recorded(sender=decision)``: a ``CouncilDecision`` on a process
  (``decision.proposal is None``) or on one proposal was recorded.
- ``council_statement_written(sender=statement)``: a council member wrote a ``CouncilStatement`` on
  a process; sent once more when pre-moderation publishes it (``app.contributions.kinds.announce``).
"""

from __future__ import annotations

from blinker import Namespace

signals = Namespace()

outcome_published = signals.signal("outcome-published")
council_decision_recorded = signals.signal("council-decision-recorded")
council_statement_written = signals.signal("council-statement-written")
