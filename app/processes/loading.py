"""Loading a process for a request, the one way every format's views use."""

from __future__ import annotations

from flask import abort

from app.core.permissions import can, require
from app.municipalities.tenancy import current_municipality
from app.processes.models import Process
from app.processes.services import get_process, get_process_by_slug


def visible_process(process_slug: str) -> Process:
    """The process this visitor may read; drafts do not exist for those who cannot manage them."""
    process = get_process_by_slug(current_municipality(), process_slug)
    if process is None or (process.is_draft and not can("process.manage", process)):
        abort(404)
    require("process.view", process)
    return process


def managed_process(
    process_id: int, *, may: str = "process.manage", then: str | None = None
) -> Process:
    """A process of this municipality for its back office: ``may`` is asked of the municipality
    (403), an unknown id is a 404, and ``then`` (a format's own rule) is asked of the process."""
    municipality = current_municipality()
    require(may, municipality)
    process = get_process(municipality, process_id)
    if process is None:
        abort(404)
    if then is not None:
        require(then, process)
    return process
