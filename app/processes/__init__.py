"""Participation processes: the participation concept, phases on a schedule, the process page."""
