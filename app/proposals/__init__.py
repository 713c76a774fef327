"""Proposals: submit, support, find, and an official answer for each.

Importing the package registers the "proposals" participation format and the contribution kinds
"proposal" and "statement".
"""

from app.proposals import registry as _registry  # noqa: F401
