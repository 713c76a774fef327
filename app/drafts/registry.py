"""How draft texts plug into the rest: the "drafts" participation format, the owner of the threads
of a draft's whole text, chapters and paragraphs (for comment permalinks, moderation and
notifications; it closes the threads of superseded versions for writing), the consolidated
report's section, the audit log's labels and the privacy export.

Comments on drafts are ordinary comments (kind "comment"), so moderation, reactions, official
answers, "Mein Beitrag" and the consolidated figures treat them like any other.
"""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import ColumnElement, Select, select

from app.comments.owners import ThreadOwner, register_thread_owner
from app.core import audit
from app.drafts import services
from app.drafts.models import Draft, DraftChapter, DraftParagraph, DraftVersion
from app.extensions import db
from app.municipalities.models import Municipality
from app.outcomes.sections import ReportSection, register_report_section
from app.privacy.registry import export_table
from app.processes.formats import Format, register_format
from app.processes.models import Process, ProcessFormat


def place_url(municipality_slug: str, process_slug: str, place: services.Place) -> str:
    """The page that shows the thread of ``place``."""
    common = {"slug": municipality_slug, "process_slug": process_slug, "draft_id": place.draft_id}
    if place.kind == "paragraph":
        return url_for("drafts.paragraph_thread", paragraph_id=place.id, **common)
    if place.kind == "chapter":
        return url_for("drafts.chapter_thread", chapter_id=place.id, **common)
    return url_for("drafts.text_thread", number=place.version_number, **common)


def draft_threads(thread_ids: list[int]) -> dict[int, ThreadOwner]:
    """The draft pages that show these threads: four queries for any number of threads."""
    where = services.places(thread_ids)
    if not where:
        return {}
    rows = db.session.execute(
        select(
            Draft.id,
            Process.slug.label("process_slug"),
            Municipality.slug.label("municipality_slug"),
        )
        .join(Process, Process.id == Draft.process_id)
        .join(Municipality, Municipality.id == Draft.municipality_id)
        .where(Draft.id.in_({p.draft_id for p in where.values()}))
    )
    slugs = {row.id: (row.municipality_slug, row.process_slug) for row in rows}
    titles = services.titles({p.draft_id for p in where.values()})
    owners = {}
    for thread_id, place in where.items():
        municipality_slug, process_slug = slugs[place.draft_id]
        owners[thread_id] = ThreadOwner(
            url=place_url(municipality_slug, process_slug, place),
            title=f"{titles.get(place.draft_id, '')}: {place.label}",
        )
    return owners


def readable_draft_threads(_user, thread_id: ColumnElement[int]) -> list[Select]:
    """Search may find comments on the whole text, a chapter or a paragraph of a published version
    (superseded ones included: they stay readable) while the process has draft texts switched on,
    as ``draft.view`` and the draft pages do; reading the process is the caller's gate. Threads
    exist only from publication on, so staff's working version has none to find."""

    def shown(piece, version_id) -> Select:
        statement = select(piece.thread_id)
        if piece is not DraftVersion:
            statement = statement.join(DraftVersion, DraftVersion.id == version_id)
        return (
            statement.join(Draft, Draft.id == DraftVersion.draft_id)
            .join(ProcessFormat, ProcessFormat.process_id == Draft.process_id)
            .where(
                piece.thread_id == thread_id,
                DraftVersion.published_at.is_not(None),
                ProcessFormat.key == services.FORMAT_KEY,
            )
        )

    return [
        shown(DraftVersion, DraftVersion.id),
        shown(DraftChapter, DraftChapter.version_id),
        shown(DraftParagraph, DraftParagraph.version_id),
    ]


def _index_url(process: Process) -> str:
    return url_for("drafts.index", slug=process.municipality.slug, process_slug=process.slug)


def report_section(process: Process) -> Markup:
    """The consolidated report's section: per draft, its most discussed paragraphs."""
    drafts = services.drafts_of(process)
    if not drafts:
        return Markup("")
    rows = [(draft, services.report(draft, draft.current)[:10]) for draft in drafts]
    return Markup(render_template("drafts/_report_section.html", process=process, rows=rows))  # noqa: S704


register_format(
    Format(
        services.FORMAT_KEY,
        _l("Draft text"),
        _l("Participants comment on a draft text paragraph by paragraph."),
        url=_index_url,
        count=services.count_per_process,
    )
)
register_thread_owner(
    "draft", draft_threads, closed=services.superseded_threads, readable=readable_draft_threads
)
register_report_section(
    ReportSection("drafts", _l("Draft texts"), report_section, stylesheet="css/drafts.css")
)
audit.label_actions(
    {
        "draft.create": _l("Draft text created"),
        "draft.publish": _l("Draft text version published"),
        "draft.new_version": _l("New draft text version started"),
        "draft.comment_handling": _l("Comment on a draft text marked"),
    }
)
# Staff's marks name who made them: part of their export; deleting the account unlinks them
# (``ON DELETE SET NULL``), the marks stay for the participants they answer.
export_table("draft_comment_handlings")
