"""The search page of a municipality (``/<slug>/search``) and of the whole platform (``/search``).

Both read ``q``, ``kind``, ``process`` and ``page`` from the query string; unknown kinds and
processes the searcher cannot read are a 404, never an empty page that hints at them.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import format_number
from flask_login import current_user

from app.core.pagination import requested_page
from app.municipalities.tenancy import current_municipality, tenant_blueprint
from app.search import services

bp = tenant_blueprint(Blueprint("search", __name__, url_prefix="/<slug>"))
platform_bp = Blueprint("search_platform", __name__)


def _kind() -> services.Kind | None:
    raw = request.args.get("kind", "")
    if not raw:
        return None
    try:
        return services.Kind(raw)
    except ValueError:
        abort(404)


def _key(name: str) -> int | None:
    """A page link's key (a result's id); anything else than a number is a 404."""
    raw = request.args.get(name, "")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        abort(404)
    return int(raw)


def _page(municipality, endpoint: str):
    query_text = services.normalise(request.args.get("q"))
    kind = _kind()
    processes = services.searchable_processes(current_user, municipality) if municipality else []
    process_id = None
    raw_process = request.args.get("process", "")
    if raw_process:
        if not raw_process.isdigit() or int(raw_process) not in {pid for pid, _t in processes}:
            abort(404)
        process_id = int(raw_process)
    query = services.Query(
        text=query_text,
        municipality=municipality,
        kind=kind,
        process_id=process_id,
        page=requested_page(),
        after=_key("after"),
        before=_key("before"),
    )
    groups = services.search(current_user, query) if query_text else []
    total = sum(g.total for g in groups)
    return render_template(
        "search/results.html",
        query=query,
        groups=groups,
        kinds=list(services.Kind),
        processes=processes,
        endpoint=endpoint,
        total=total,
        total_label=format_number(total),
        more=any(g.more for g in groups),
        cap_label=format_number(services.COUNT_CAP),
        searched=bool(query_text),
    )


@bp.get("/search")
def municipality():
    return _page(current_municipality(), "search.municipality")


@platform_bp.get("/search")
def platform():
    return _page(None, "search_platform.platform")
