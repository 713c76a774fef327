"""Outcomes: the half of the trialog that goes back to participants.

The consolidated report for council and administration, council statements and decisions, the
published outcome of a process, and "Mein Beitrag" (what became of each of my contributions).
"""
