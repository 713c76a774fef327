"""What every kind of contribution shares: the contribution row, comment threads, kind registry.

A proposal, a comment or a free-text survey answer each join one ``Contribution`` row (one to one,
by a real foreign key). Moderation, the audit log, "my contributions" and the consolidated figures
read that one table and never the concrete models; a kind tells them how to show itself through the
registry in ``kinds``.
"""
