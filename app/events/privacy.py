"""What the privacy export and account deletion do with the events domain's tables.

Registrations are the person's own (exported; deleted with the account by ``ON DELETE CASCADE``).
Who created an event, typed in on-site input or wrote an easy-read text is a record of their work
for the municipality: exported, and unlinked on deletion (``ON DELETE SET NULL``).
"""

from __future__ import annotations

from app.privacy.registry import export_table

export_table("event_registrations")
export_table("events", omit=("description", "protocol"))
export_table("onsite_entries")
export_table("easy_read_summaries", omit=("body", "promise"))
export_table("paper_responses")
