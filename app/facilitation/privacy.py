"""What the privacy export and account deletion do with the facilitation domain's tables.

A facilitator profile is the person's own (exported; deleted with the account by ``ON DELETE
CASCADE``). Consultation requests and their history are the municipality's records of its work:
who requested, wrote or was proposed is exported and unlinked on deletion (``ON DELETE SET NULL``).
"""

from __future__ import annotations

from app.privacy.registry import export_table

export_table("facilitator_profiles")
export_table("consultation_requests", omit=("concept",))
export_table("consultation_steps")
