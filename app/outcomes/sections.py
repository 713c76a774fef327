"""Sections that participation formats add to the consolidated report.

The report knows proposals, comments and surveys itself; a format added later (draft texts, ...)
registers a section here instead of being imported by the report: a key, a title for the contents
and a function that renders the section (an empty string when the process has nothing to show).
The page, and the PDF for the council, show every non-empty section after the surveys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

if TYPE_CHECKING:
    from app.processes.models import Process


@dataclass(frozen=True)
class ReportSection:
    key: str  # also the section's anchor (``id``) on the page
    title: Any  # a lazy string
    render: Callable[[Process], Markup]
    # a file under static/ the page links in its head (the PDF carries its own styles inline)
    stylesheet: str | None = None


_SECTIONS: dict[str, ReportSection] = {}


def register_report_section(section: ReportSection) -> ReportSection:
    """Register ``section``; a key registers once (a second app in one process changes nothing)."""
    _SECTIONS.setdefault(section.key, section)
    return _SECTIONS[section.key]


def render_sections(process: Process) -> list[tuple[ReportSection, Markup]]:
    """The sections with something to show for ``process``, in the order they registered."""
    shown = []
    for section in _SECTIONS.values():
        html = section.render(process)
        if html:
            shown.append((section, html))
    return shown
