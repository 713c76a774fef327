"""Who may do what with draft texts; views ``require`` these names and templates ask ``can``.

Writing, importing, publishing and marking how comments were taken in belong to those who manage
the process (staff, facilitators, admins). Reading follows the process, and a draft without a
published version does not exist for anyone else. Commenting is the comment system's own rule
(``comment.write``): members while a participation phase runs. The per-paragraph report is for
those who read the consolidated report.
"""

from __future__ import annotations

from app.core.permissions import allowed, rule
from app.drafts.models import Draft
from app.municipalities.models import Municipality
from app.processes.models import Process


def _target(target) -> Process | Municipality | None:
    if isinstance(target, Draft):
        return target.process
    if isinstance(target, Process | Municipality):
        return target
    return None


@rule("draft.manage")
def manage(user, target: Draft | Process | Municipality) -> bool:
    """Write, import, publish, start versions, mark comments: whoever manages the process."""
    return allowed("process.manage", user, _target(target))


@rule("draft.view")
def view(user, draft: Draft) -> bool:
    if not allowed("process.view", user, draft.process):
        return False
    return draft.current is not None or manage(user, draft)


@rule("draft.report")
def report(user, draft: Draft) -> bool:
    """Figures per paragraph and the CSV of all comments: the consolidated report's readers."""
    return view(user, draft) and allowed("process.read_report", user, draft.process)
