"""Draft text pages (``/<slug>/processes/<process_slug>/drafts/...``): reading a version with the
comment figures beside each paragraph, the thread pages of the whole text, a chapter and a
paragraph, the comparison of two versions and the report per paragraph; and the back office
(``/<slug>/admin/...``): writing, importing, publishing, new versions, marking comments.

Views parse, call a service, render; one commit per request.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from app.contributions.services import AlreadyWritten
from app.core import htmx
from app.core.forms import ConfirmForm
from app.core.permissions import can, require
from app.drafts import forms, services, text
from app.drafts.models import Draft, DraftVersion, Handling
from app.extensions import db
from app.municipalities.tenancy import current_municipality, tenant_blueprint
from app.processes.loading import managed_process, visible_process
from app.processes.models import Process

bp = tenant_blueprint(Blueprint("drafts", __name__, url_prefix="/<slug>"))

PUBLIC = "/processes/<process_slug>/drafts/<int:draft_id>"


# --- loading ------------------------------------------------------------------------------------


def _visible_draft(process_slug: str, draft_id: int) -> Draft:
    """A draft of this process the visitor may read; unpublished ones do not exist for others."""
    process = visible_process(process_slug)
    draft = services.get_draft(current_municipality(), draft_id)
    if draft is None or draft.process_id != process.id or not can("draft.view", draft):
        abort(404)
    return draft


def _published(draft: Draft, number: int | None) -> DraftVersion:
    version = draft.current if number is None else services.version_of(draft, number)
    if version is None or not version.is_published:
        abort(404)
    return version


def _managed_process(process_id: int) -> Process:
    return managed_process(process_id, may="draft.manage")


def _managed_draft(draft_id: int) -> Draft:
    municipality = current_municipality()
    require("draft.manage", municipality)
    draft = services.get_draft(municipality, draft_id)
    if draft is None:
        abort(404)
    return draft


# --- reading ------------------------------------------------------------------------------------


@bp.get("/processes/<process_slug>/drafts/")
def index(process_slug: str):
    """The "drafts" participation format of a process: its draft texts."""
    process = visible_process(process_slug)
    if services.FORMAT_KEY not in process.format_keys:
        abort(404)
    drafts = services.drafts_of(process)
    return render_template(
        "drafts/index.html",
        municipality=current_municipality(),
        process=process,
        drafts=drafts,
    )


@bp.get(f"{PUBLIC}/")
@bp.get(f"{PUBLIC}/versions/<int:number>/")
def show(process_slug: str, draft_id: int, number: int | None = None):
    """The reading page: a version with each paragraph's comments counted by trialog group, and
    the comments of the previous version each paragraph answers."""
    draft = _visible_draft(process_slug, draft_id)
    version = _published(draft, number)
    chapters = services.chapters_of(version)
    return render_template(
        "drafts/show.html",
        municipality=current_municipality(),
        process=draft.process,
        draft=draft,
        version=version,
        chapters=chapters,
        figures=services.figures(services.version_threads(version, chapters)),
        answered=services.answered(draft, version),
        is_current=version.id == draft.current.id,
    )


def _thread_page(draft: Draft, version: DraftVersion, thread_id: int, template: str, **context):
    """A thread page; htmx asks for the thread alone, to open it in place on the reading page."""
    context.update(
        municipality=current_municipality(),
        process=draft.process,
        draft=draft,
        version=version,
        thread_id=thread_id,
        figures=services.figures([thread_id])[thread_id],
    )
    if htmx.requested():
        response = make_response(render_template("drafts/_inline_thread.html", **context))
    else:
        response = make_response(render_template(template, **context))
    return response


@bp.get(f"{PUBLIC}/versions/<int:number>/comments")
def text_thread(process_slug: str, draft_id: int, number: int):
    draft = _visible_draft(process_slug, draft_id)
    version = _published(draft, number)
    return _thread_page(draft, version, version.thread_id, "drafts/thread.html", kind="text")


@bp.get(f"{PUBLIC}/chapters/<int:chapter_id>/")
def chapter_thread(process_slug: str, draft_id: int, chapter_id: int):
    draft = _visible_draft(process_slug, draft_id)
    chapter = services.get_chapter(draft, chapter_id)
    if chapter is None or chapter.thread_id is None:
        abort(404)
    return _thread_page(
        draft,
        chapter.version,
        chapter.thread_id,
        "drafts/thread.html",
        kind="chapter",
        chapter=chapter,
    )


@bp.get(f"{PUBLIC}/paragraphs/<int:paragraph_id>/")
def paragraph_thread(process_slug: str, draft_id: int, paragraph_id: int):
    draft = _visible_draft(process_slug, draft_id)
    paragraph = services.get_paragraph(draft, paragraph_id)
    if paragraph is None or paragraph.thread_id is None:
        abort(404)
    return _thread_page(
        draft,
        paragraph.version,
        paragraph.thread_id,
        "drafts/thread.html",
        kind="paragraph",
        chapter=paragraph.chapter,
        paragraph=paragraph,
    )


@bp.get(f"{PUBLIC}/changes")
def changes(process_slug: str, draft_id: int):
    """What changed between two published versions (by default the last two)."""
    draft = _visible_draft(process_slug, draft_id)
    published = draft.published_versions
    if len(published) < 2:
        abort(404)
    new_number = request.args.get("to", published[-1].number, type=int)
    old_number = request.args.get("from", new_number - 1, type=int)
    old, new = _published(draft, old_number), _published(draft, new_number)
    if old.number >= new.number:
        abort(404)
    return render_template(
        "drafts/changes.html",
        municipality=current_municipality(),
        process=draft.process,
        draft=draft,
        old=old,
        new=new,
        chapters=services.diff(old, new),
        published=published,
    )


@bp.get(f"{PUBLIC}/report")
def report(process_slug: str, draft_id: int):
    draft = _visible_draft(process_slug, draft_id)
    require("draft.report", draft)
    version = _published(draft, request.args.get("version", None, type=int))
    return render_template(
        "drafts/report.html",
        municipality=current_municipality(),
        process=draft.process,
        draft=draft,
        version=version,
        rows=services.report(draft, version),
    )


@bp.get(f"{PUBLIC}/comments.csv")
def report_csv(process_slug: str, draft_id: int):
    draft = _visible_draft(process_slug, draft_id)
    require("draft.report", draft)
    return Response(
        "\ufeff" + services.export_csv(draft),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="entwurf-{draft.id}-kommentare.csv"'
        },
    )


# --- back office --------------------------------------------------------------------------------


@bp.get("/admin/processes/<int:process_id>/drafts/")
def admin_index(process_id: int):
    process = _managed_process(process_id)
    return render_template(
        "drafts/admin/index.html",
        municipality=current_municipality(),
        process=process,
        drafts=services.drafts_of(process, published_only=False),
        format_on=services.FORMAT_KEY in process.format_keys,
    )


@bp.route("/admin/processes/<int:process_id>/drafts/new", methods=["GET", "POST"])
def admin_new(process_id: int):
    process = _managed_process(process_id)
    form = forms.NewDraftForm()
    if form.validate_on_submit():
        try:
            draft = services.create_draft(current_user, process, form.title.data)
        except AlreadyWritten as repeat:  # the same draft sent twice: answered as the first
            draft = repeat.existing
        except services.DraftError as exc:
            form.title.errors = [*form.title.errors, str(exc)]
            draft = None
        if draft is not None:
            db.session.commit()
            flash(_("The draft text has been created. Now write or import its text."), "success")
            return redirect(url_for(".admin_edit", draft_id=draft.id))
    return render_template(
        "drafts/admin/new.html", municipality=current_municipality(), process=process, form=form
    ), (422 if form.errors else 200)


@bp.get("/admin/drafts/<int:draft_id>/")
def admin_draft(draft_id: int):
    draft = _managed_draft(draft_id)
    current = draft.current
    return render_template(
        "drafts/admin/draft.html",
        municipality=current_municipality(),
        process=draft.process,
        draft=draft,
        confirm=ConfirmForm(),
        figures=services.figures([v.thread_id for v in draft.versions if v.thread_id]),
        to_handle=services.comments_to_handle(draft, current) if current else [],
    )


def _editor(draft: Draft, form, *, preview=None, status: int = 200, imported: bool = False):
    return render_template(
        "drafts/admin/edit.html",
        municipality=current_municipality(),
        process=draft.process,
        draft=draft,
        version=draft.working,
        form=form,
        preview=preview,
        imported=imported,
    ), (422 if form.errors else status)


@bp.route("/admin/drafts/<int:draft_id>/edit", methods=["GET", "POST"])
def admin_edit(draft_id: int):
    """The editor of the working version; "Preview" shows the chapters as they would be saved."""
    draft = _managed_draft(draft_id)
    version = draft.working
    if version is None:
        flash(_("Start a new version before changing the text."), "error")
        return redirect(url_for(".admin_draft", draft_id=draft.id))
    form = forms.EditorForm(
        data=None
        if request.method == "POST"
        else {
            "title": version.title,
            "introduction": version.introduction_source,
            "body": version.body_source,
            "change_note": version.change_note,
        }
    )
    if request.method == "GET" or not form.validate_on_submit():
        return _editor(draft, form)
    try:
        _preface, chapters = text.parse_body(form.body.data or "")
    except text.TextInvalid as exc:
        form.body.errors = [*form.body.errors, str(exc)]
        return _editor(draft, form)
    if form.preview.data:
        preview = text.ParsedText(
            title=form.title.data,
            introduction_source=form.introduction.data or "",
            introduction=text.render(form.introduction.data or ""),
            chapters=chapters,
        )
        return _editor(draft, form, preview=preview)
    try:
        services.save_working(
            current_user,
            draft,
            title=form.title.data,
            introduction_source=form.introduction.data or "",
            body_source=form.body.data or "",
            change_note=form.change_note.data or "",
        )
    except (services.DraftError, text.TextInvalid) as exc:
        form.body.errors = [*form.body.errors, str(exc)]
        return _editor(draft, form)
    db.session.commit()
    flash(
        _("The text has been saved. It is published only when you publish the version."), "success"
    )
    return redirect(url_for(".admin_draft", draft_id=draft.id))


@bp.route("/admin/drafts/<int:draft_id>/import", methods=["GET", "POST"])
def admin_import(draft_id: int):
    """Upload a Word or Markdown file: the editor comes back filled in, with a preview; nothing is
    saved until staff save it there."""
    draft = _managed_draft(draft_id)
    if draft.working is None:
        flash(_("Start a new version before changing the text."), "error")
        return redirect(url_for(".admin_draft", draft_id=draft.id))
    form = forms.ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            parsed = services.import_text(upload.filename or "", upload.read())
        except text.TextInvalid as exc:
            form.file.errors = [*form.file.errors, str(exc)]
        else:
            editor = forms.EditorForm(
                formdata=None,
                data={
                    "title": parsed.title or draft.working.title,
                    "introduction": parsed.introduction_source,
                    "body": parsed.body_source,
                    "change_note": draft.working.change_note,
                },
            )
            parsed.title = editor.title.data
            return _editor(draft, editor, preview=parsed, imported=True)
    return render_template(
        "drafts/admin/import.html",
        municipality=current_municipality(),
        process=draft.process,
        draft=draft,
        form=form,
    ), (422 if form.errors else 200)


@bp.post("/admin/drafts/<int:draft_id>/publish")
def admin_publish(draft_id: int):
    draft = _managed_draft(draft_id)
    if ConfirmForm().validate_on_submit():
        try:
            version = services.publish(current_user, draft)
        except services.DraftError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Version %(number)d is published.", number=version.number), "success")
    return redirect(url_for(".admin_draft", draft_id=draft.id))


@bp.post("/admin/drafts/<int:draft_id>/versions/new")
def admin_new_version(draft_id: int):
    draft = _managed_draft(draft_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.start_version(current_user, draft)
        except services.DraftError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("A new version has been started as a copy of the current one."), "success")
            return redirect(url_for(".admin_edit", draft_id=draft.id))
    return redirect(url_for(".admin_draft", draft_id=draft.id))


@bp.get("/admin/drafts/<int:draft_id>/comments")
def admin_handling(draft_id: int):
    """Every comment on the current version, with the form to mark how it was taken in."""
    draft = _managed_draft(draft_id)
    version = draft.current
    if version is None:
        abort(404)
    items = services.comments_to_handle(draft, version)
    return render_template(
        "drafts/admin/handling.html",
        municipality=current_municipality(),
        process=draft.process,
        draft=draft,
        version=version,
        items=items,
        forms={item.comment.id: _handling_form(item) for item in items},
    )


def _handling_form(item) -> forms.HandlingForm:
    form = forms.HandlingForm(
        formdata=None,
        prefix=f"c{item.comment.id}",
        data={
            "outcome": item.handling.outcome.value if item.handling else "",
            "reason": item.handling.reason if item.handling else "",
        },
    )
    return form


@bp.post("/admin/drafts/<int:draft_id>/comments/<int:comment_id>/handling")
def admin_mark(draft_id: int, comment_id: int):
    draft = _managed_draft(draft_id)
    comment = services.comment_in_draft(draft, comment_id)
    if comment is None:
        abort(404)
    form = forms.HandlingForm(prefix=f"c{comment.id}")
    back = url_for(".admin_handling", draft_id=draft.id, _anchor=f"comment-{comment.id}")
    if not form.validate_on_submit():
        return render_template(
            "drafts/admin/mark.html",
            municipality=current_municipality(),
            process=draft.process,
            draft=draft,
            comment=comment,
            form=form,
            back_url=back,
        ), 422
    outcome = Handling(form.outcome.data) if form.outcome.data else None
    try:
        services.set_handling(current_user, draft, comment, outcome, form.reason.data or "")
    except services.DraftError as exc:
        form.reason.errors = [*form.reason.errors, str(exc)]
        return render_template(
            "drafts/admin/mark.html",
            municipality=current_municipality(),
            process=draft.process,
            draft=draft,
            comment=comment,
            form=form,
            back_url=back,
        ), 422
    db.session.commit()
    flash(_("The mark has been saved."), "success")
    return redirect(back)


@bp.app_template_global("drafts_admin_link")
def drafts_admin_link(process: Process) -> Markup:
    """The back-office link to a process's draft texts, where the format is switched on."""
    if services.FORMAT_KEY not in process.format_keys or not can("draft.manage", process):
        return Markup("")
    return Markup(render_template("drafts/admin/_link.html", process=process))  # noqa: S704
