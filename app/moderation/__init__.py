"""Moderation of every kind of contribution: reports, the queue, decisions, blocks, netiquette.

It works on the shared ``Contribution`` row only and shows contributions through the kind registry,
so proposals, comments, survey answers and later kinds are moderated without being imported here.
"""
