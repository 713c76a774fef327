"""The documents table in a person's data export (imported once, at the first ``init_app``)."""

from app.privacy.registry import export_table

# What a person uploaded in their office: which files and when; the stored keys are internals.
export_table("documents", omit=("storage_key", "thumbnail_key"))
