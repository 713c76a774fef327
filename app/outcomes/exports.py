"""Exports of the consolidated report: CSV of all contributions, JSON of the figures, PDF.

- CSV: one row per contribution (semicolons, UTF-8 with BOM for German spreadsheets, links on
  ``PUBLIC_URL``), read and sent in batches (a city's process has a million contributions); names of authors only where the process's report settings allow it, otherwise the
  trialog group only, and not even that for groups below the minimum size. Texts that moderation
  hid or that await it are replaced by a marker; formulas are defused.
- JSON: the figures and the ranked proposals, for further evaluation; the proposals are read from
  one cursor in slices and sent as they are read (100,000 proposals as objects took 12 s and
  800 MB of one worker).
- PDF: the report laid out for a council session (title page, contents, page numbers, charts), by
  WeasyPrint from an HTML template with a print stylesheet.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from functools import cache

from flask import render_template, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.contributions import kinds
from app.contributions.models import Contribution, Visibility
from app.core import request_cache
from app.core.spreadsheets import csv_pieces, minute_formatter, read_only
from app.core.urls import public_address
from app.extensions import db
from app.outcomes import kept, reports, services
from app.processes.models import Process

BATCH = 500


def _marker(visibility: Visibility) -> str:
    if visibility == Visibility.HIDDEN:
        return _("[hidden by moderation]")
    if visibility == Visibility.PENDING:
        return _("[awaiting moderation]")
    return ""


def _kind_label(key: str) -> str:
    registered = kinds.kind(key)
    return str(registered.label) if registered else key


def contribution_rows(process: Process) -> Iterator[list]:
    """The header, then one row per contribution (deleted ones excepted), oldest first.

    A city's process has a million rows: each label is translated once per export (``cache``),
    and dates are formatted without Babel's per-call lookups (``minute_formatter``)."""
    read_only()
    names = services.exports_names(process)
    minute = minute_formatter()
    kind_label, marker_of = cache(_kind_label), cache(_marker)
    label = cache(lambda member: str(member.label))

    people = reports.people_by_group(process)
    minimum = reports.min_group_size()
    small = {group for group, count in people.items() if 0 < count < minimum}
    small_group = _("[group with fewer than %(num)d people]", num=minimum)
    header = [_("Contribution"), _("Kind"), _("Date"), _("Group")]
    if names:
        header.append(_("Author"))
    header += [_("State"), _("Title"), _("Text"), _("Address")]
    yield header
    last_id = 0
    while True:
        batch = list(
            db.session.scalars(
                select(Contribution)
                .where(
                    Contribution.process_id == process.id,
                    Contribution.visibility != Visibility.DELETED,
                    Contribution.id > last_id,
                )
                .options(selectinload(Contribution.author))
                .order_by(Contribution.id)
                .limit(BATCH)
            )
        )
        if not batch:
            return
        last_id = batch[-1].id
        shown = kinds.describe(batch)
        for contribution in batch:
            described = shown.get(contribution.id)
            marker = marker_of(contribution.visibility)
            group = contribution.author_group
            row = [
                contribution.id,
                kind_label(contribution.kind),
                minute(contribution.created_at),
                small_group if group in small else label(group),
            ]
            if names:
                author: User | None = contribution.author
                row.append(author.display_name if author and not author.deleted_at else "")
            row += [
                label(contribution.visibility),
                described.title if described else "",
                marker or (described.excerpt if described else ""),
                public_address(described.url) if described and not marker else "",
            ]
            yield row


def iter_csv(process: Process) -> Iterator[bytes]:
    """The CSV file in pieces of ``BATCH`` rows, for a streamed response."""
    return csv_pieces(contribution_rows(process), BATCH)


def _figures_json(process: Process, now: datetime) -> dict:
    figures = kept.figures(process, now).figures  # the page's figures
    record = figures.record
    return {
        "process": {
            "id": process.id,
            "title": process.title,
            "url": public_address(url_for("processes.show", process_slug=process.slug)),
        },
        "generated_at": now.isoformat(),
        "minimum_group_size": figures.minimum,
        "participants": figures.participants,
        "responses_without_account": figures.without_account,
        "contributions": figures.contributions,
        "contributions_by_kind": {c.key: c.count for c in figures.by_kind},
        "contributions_by_group": {
            g.group.value: None if g.hidden else g.contributions for g in figures.by_group
        },
        "hidden_groups": [g.group.value for g in figures.hidden_groups],
        "contributions_by_channel": {c.key: c.count for c in figures.by_channel},
        "contributions_per_week": [
            {"week": monday.isoformat(), "count": count} for monday, count in figures.weeks
        ],
        "proposals": figures.proposals,
        "proposals_answered": figures.answered,
        "answer_promise": None
        if record is None
        else {
            "threshold": record.promise.threshold,
            "days": record.promise.days,
            "on_time": record.on_time,
            "late": record.late,
            "overdue": record.overdue,
            "pending": record.pending,
        },
        "moderation": {
            "reports": figures.moderation.reports,
            "reports_by_reason": {c.key: c.count for c in figures.moderation.by_reason},
            "decisions_by_action": {c.key: c.count for c in figures.moderation.by_action},
            "hidden_now": figures.moderation.hidden_now,
            "pending_now": figures.moderation.pending_now,
        },
    }


def iter_json(process: Process, now: datetime) -> Iterator[str]:
    """The figures and every visible proposal, ranked, as one JSON object in pieces: the figures
    are counted before the first piece (so a failure there is still an error page), the
    ``ranked_proposals`` follow as they are read."""
    head = json.dumps(_figures_json(process, now), ensure_ascii=False)
    site = public_address("")
    proposal_path = request_cache.url_for_ids(
        "proposals.show", "proposal_id", process_slug=process.slug
    )

    def pieces() -> Iterator[str]:
        yield head[:-1] + ', "ranked_proposals": ['
        rows = db.session.execute(reports.ranked_rows(process).execution_options(yield_per=BATCH))
        for number, row in enumerate(rows):
            proposal = {
                "id": row.id,
                "title": row.title,
                "supports": row.support_count,
                "comments": row.comment_count,
                "status": row.status.value,
                "category": row.category,
                "url": site + proposal_path(row.id),
            }
            yield ("," if number else "") + json.dumps(proposal, ensure_ascii=False)
        yield "]}"

    return pieces()


_PRINT_FILLS = (
    ('class="bar-track"', 'class="bar-track" fill="#e8edf3"'),
    ('class="bar"', 'class="bar" fill="#1d4ed8"'),
    ('class="bar-label"', 'class="bar-label" font-size="9pt" fill="#1a1a1a"'),
    ('class="bar-value"', 'class="bar-value" font-size="9pt" font-weight="bold" fill="#1a1a1a"'),
)


def for_print(svg: Markup) -> Markup:
    """A chart with its colours as SVG attributes: the PDF renderer does not apply the page's
    stylesheet classes inside an SVG, so bars and their tracks would both print black."""
    text = str(svg)
    for old, new in _PRINT_FILLS:
        text = text.replace(old, new)
    return Markup(text)  # noqa: S704  the chart was safe markup; only fixed attributes were added


def to_pdf(context: dict) -> bytes:
    """The report as a PDF for a council session, from ``outcomes/report_pdf.html``."""
    from weasyprint import HTML  # imported here: it loads Pango, which only this export needs

    context = {
        **context,
        "charts": {key: for_print(svg) for key, svg in context["charts"].items()},
        "surveys": [
            (results, {qid: for_print(svg) for qid, svg in drawn.items()})
            for results, drawn in context["surveys"]
        ],
    }
    html = render_template("outcomes/report_pdf.html", **context)
    return HTML(string=html, url_fetcher=_fetch_nothing).write_pdf()


def _fetch_nothing(url: str, *args, **kwargs):
    """The PDF carries its stylesheet inline and fetches nothing: no request to any host, even if a
    text named one."""
    raise ValueError(f"the report PDF loads no external resources ({url[:80]})")
