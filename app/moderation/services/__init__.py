"""The rules of moderation: reporting, the threshold, decisions, review requests, blocks, settings.

Everything works on the shared ``Contribution`` row; no concrete kind is imported. Every decision
writes exactly one audit entry in the same transaction. Services flush and never commit.

The package keeps one module per job; everything is importable from here as before.
"""

from __future__ import annotations

from app.moderation.services.blocks import (  # noqa: F401
    active_block,
    active_blocks,
    block,
    block_in_force,
    block_message,
    lift_block,
    refuse_blocked_authors,
)
from app.moderation.services.common import (  # noqa: F401
    HISTORY_LIMIT,
    AlreadyReported,
    BlockRefused,
    DecisionRefused,
    ModerationError,
    ReportRefused,
    ReviewRefused,
    get_block,
    get_contribution,
    get_process,
    get_review,
    may_moderate,
)
from app.moderation.services.decisions import (  # noqa: F401
    approve,
    get_own_decision,
    hide,
    keep,
    latest_decision_id,
    may_request_review,
    reject,
    request_review,
    restore,
    uphold,
)
from app.moderation.services.queue import (  # noqa: F401
    AuthorRecord,
    QueueCounts,
    QueueFilters,
    author_history,
    author_records,
    blocks_of,
    decisions_of,
    latest_decision_ids,
    municipality_names,
    notices_for,
    open_reasons,
    open_reviews,
    pending_queue,
    process_titles,
    queue_counts,
    report_queue,
    reports_of,
)
from app.moderation.services.reports import (  # noqa: F401
    ReportOutcome,
    has_reported,
    is_member,
    open_report_count,
    report,
    report_refusal,
)
from app.moderation.services.settings import (  # noqa: F401
    SettingsData,
    hide_threshold,
    premoderated_process_ids,
    processes_of,
    save_settings,
    settings_for,
)
