"""Documents: the back office of a process's documents (``/<slug>/admin/processes/<id>/documents``),
downloads and thumbnails (``/<slug>/processes/<process_slug>/documents/<id>``), and the document
lists other pages include (process page, official answers, the outcome).

Views parse, call a service, render; one commit per request.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from app.core.permissions import can
from app.documents import files, services
from app.documents.forms import DeleteForm, DocumentDetailsForm, UploadForm
from app.documents.models import Document
from app.documents.storage import StoreError
from app.extensions import db
from app.municipalities.tenancy import tenant_blueprint
from app.processes.loading import managed_process, visible_process
from app.processes.models import Process, Visibility

bp = tenant_blueprint(Blueprint("documents", __name__, url_prefix="/<slug>"))


def _managed_process(process_id: int) -> Process:
    return managed_process(process_id, then="document.manage")


def _managed_document(process: Process, document_id: int) -> Document:
    document = services.get_document(process, document_id)
    if document is None:
        abort(404)
    return document


@bp.before_request
def _upload_limit() -> None:
    """Documents may be larger than other requests (plans are big); the store's limit applies."""
    if request.endpoint == "documents.admin_index" and request.method == "POST":
        request.max_content_length = services.max_bytes() + 1_000_000


def _details(form: DocumentDetailsForm) -> services.DocumentData:
    return services.DocumentData(
        title=form.title.data or "",
        description=form.description.data or "",
        language=form.language.data or "de",
        alt_text=form.alt_text.data or "",
        target=form.target.data or "process",
    )


def _index_page(process: Process, form: UploadForm | None = None, status: int = 200):
    if form is None:
        form = UploadForm(formdata=None)
        form.set_choices(services.target_choices(process))
    return (
        render_template(
            "documents/admin.html",
            process=process,
            form=form,
            documents=services.documents_of(process),
            targets={c.value: c.label for c in services.target_choices(process)},
            target_value=services.target_value,
            max_mb=services.max_bytes() // 1_000_000,
        ),
        status,
    )


@bp.route("/admin/processes/<int:process_id>/documents", methods=["GET", "POST"])
def admin_index(process_id: int):
    process = _managed_process(process_id)
    if request.method == "GET":
        return _index_page(process)
    form = UploadForm()
    form.set_choices(services.target_choices(process))
    if not form.validate_on_submit():
        return _index_page(process, form, 422)
    upload = form.file.data
    try:
        document = services.attach(
            current_user, process, _details(form), upload.read(), upload.filename
        )
    except services.DocumentError as exc:
        form[exc.field].errors = [*form[exc.field].errors, str(exc)]
        return _index_page(process, form, 422)
    db.session.commit()
    flash(_("The document “%(title)s” has been attached.", title=document.title), "success")
    return redirect(url_for(".admin_index", process_id=process.id))


@bp.route(
    "/admin/processes/<int:process_id>/documents/<int:document_id>/edit", methods=["GET", "POST"]
)
def admin_edit(process_id: int, document_id: int):
    process = _managed_process(process_id)
    document = _managed_document(process, document_id)
    if request.method == "GET":
        form = DocumentDetailsForm(obj=document, formdata=None)
        form.target.data = services.target_value(document)
    else:
        form = DocumentDetailsForm()
    form.set_choices(services.target_choices(process))
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.update(current_user, document, _details(form))
        except services.DocumentError as exc:
            form[exc.field].errors = [*form[exc.field].errors, str(exc)]
        else:
            db.session.commit()
            flash(_("The document has been saved."), "success")
            return redirect(url_for(".admin_index", process_id=process.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "documents/edit.html", process=process, document=document, form=form
    ), status


@bp.route(
    "/admin/processes/<int:process_id>/documents/<int:document_id>/delete",
    methods=["GET", "POST"],
)
def admin_delete(process_id: int, document_id: int):
    process = _managed_process(process_id)
    document = _managed_document(process, document_id)
    form = DeleteForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                keys = services.delete(
                    current_user,
                    document,
                    confirmed=bool(form.confirm.data),
                    reason=form.reason.data or "",
                )
            except services.ConfirmationNeeded as exc:
                form.confirm.errors = [*form.confirm.errors, str(exc)]
            else:
                db.session.commit()
                services.discard_files(keys)
                flash(_("The document has been deleted."), "success")
                return redirect(url_for(".admin_index", process_id=process.id))
        status = 422
    return render_template(
        "documents/delete.html",
        process=process,
        document=document,
        form=form,
        cited_by=_cited_by(document),
    ), status


def _cited_by(document: Document) -> str:
    if document.answer_id is not None:
        proposal = services.answer_proposal(document)
        return _("the official answer to “%(title)s”", title=proposal.title if proposal else "")
    if document.outcome_id is not None:
        return _("the published outcome of the process")
    return ""


# --- downloads ----------------------------------------------------------------------------------


def _readable_document(process_slug: str, document_id: int) -> Document:
    process = visible_process(process_slug)
    document = services.get_document(process, document_id)
    # A document the reader may not see does not exist for them (its process page shows none).
    if document is None or not can("document.view", document):
        abort(404)
    return document


def _private(process: Process) -> bool:
    return process.visibility != Visibility.PUBLIC or not process.is_published


@bp.get("/processes/<process_slug>/documents/<int:document_id>")
def download(process_slug: str, document_id: int):
    """The file as uploaded (images re-encoded), never rendered as a page by the browser."""
    document = _readable_document(process_slug, document_id)
    try:
        stream = services.open_file(document.storage_key)
    except StoreError:
        abort(404)
    response = send_file(
        stream,
        mimetype=document.content_type,
        as_attachment=not document.is_image,
        download_name=document.filename,
        max_age=0 if _private(document.process) else 3600,
        etag=False,
    )
    _harden(response, document.process)
    return response


@bp.get("/processes/<process_slug>/documents/<int:document_id>/thumbnail")
def thumbnail(process_slug: str, document_id: int):
    document = _readable_document(process_slug, document_id)
    if not document.thumbnail_key:
        abort(404)
    try:
        stream = services.open_file(document.thumbnail_key)
    except StoreError:
        abort(404)
    response = send_file(
        stream, mimetype="image/png", max_age=0 if _private(document.process) else 3600, etag=False
    )
    _harden(response, document.process)
    return response


def _harden(response, process: Process) -> None:
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Even if a browser ignored the type, the file could run nothing and load nothing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if _private(process):
        response.headers["Cache-Control"] = "private, no-store"


# --- pieces other pages include -------------------------------------------------------------------


def _render_list(process: Process, documents: list[Document], heading: str, level: int = 2):
    if not documents:
        return Markup("")
    return Markup(  # noqa: S704  a rendered, autoescaped template
        render_template(
            "documents/_list.html",
            process=process,
            documents=documents,
            heading=heading,
            level=level,
            kind_label=files.kind_label,
        )
    )


@bp.app_template_global("process_documents")
def process_documents(process: Process) -> Markup:
    """The process page's documents, the process's own first, then each phase's."""
    return _render_list(process, services.process_documents(process), _("Documents"))


@bp.app_template_global("answer_documents")
def answer_documents(process: Process, answer) -> Markup:
    """Documents an official answer cites, below the answer (its page is readable already)."""
    found = services.answer_documents([answer.id]).get(answer.id, [])
    return _render_list(process, found, _("Documents of the answer"), level=3)


@bp.app_template_global("outcome_documents")
def outcome_documents(process: Process, outcome) -> Markup:
    return _render_list(process, services.outcome_documents(outcome), _("Documents"), level=3)


@bp.app_template_global("documents_admin_link")
def documents_admin_link(process: Process) -> Markup:
    if not can("document.manage", process):
        return Markup("")
    url = url_for("documents.admin_index", process_id=process.id)
    return Markup(
        '<p class="documents-admin-link"><a class="button button-secondary" href="{}">{}</a></p>'
    ).format(url, _("Documents"))
