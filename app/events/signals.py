"""Signals of the events domain (the notifications domain listens).

Sent inside the request that made the change, after the flush and before the commit, so a
receiver's rows commit or roll back with the change.

- ``event_published(sender=event, actor_id=...)``: a new event, still to come, of a published
  process is on its page for everyone who reads the process (events of a draft process are
  announced with nothing: publishing the process is the news; nor is one entered afterwards to
  document what took place).
"""

from __future__ import annotations

from blinker import Namespace

signals = Namespace()

event_published = signals.signal("event-published")
