"""Surveys (Umfragen): a builder for staff, accessible answering, results people can read, exports.

Registers the "surveys" participation format and the "survey_answer" contribution kind when its
views are imported (see ``registration``).
"""
