"""What a process's back-office page links to, filled by the formats and domains that have pages
of their own there (proposals' answers, surveys' builder, events, outcome ...).

A domain registers ``render(process) -> Markup`` from its ``init_app``; the render decides itself
whether the current person may see the link (empty markup otherwise). ``processes`` renders them
all without importing any of those domains.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import current_app
from markupsafe import Markup

if TYPE_CHECKING:
    from app.processes.models import Process

LinkRenderer = Callable[["Process"], Markup]
_LINKS: dict[str, LinkRenderer] = {}
LEGACY_SUFFIX = "_admin_link"  # template globals some domains published before this registry


def register_back_office_link(key: str, render: LinkRenderer) -> LinkRenderer:
    """Show ``render(process)`` on every process's back-office page (once per key)."""
    _LINKS.setdefault(key, render)
    return render


def back_office_links(process: Process) -> list[Markup]:
    """Every registered link the current person may follow, in registration order; domains that
    still publish a ``<key>_admin_link`` template global are included as well."""
    renders = dict(_LINKS)
    for name, func in current_app.jinja_env.globals.items():
        key = name.removesuffix(LEGACY_SUFFIX)
        if name.endswith(LEGACY_SUFFIX) and key not in renders and callable(func):
            renders[key] = func
    return [link for link in (render(process) for render in renders.values()) if link]
