"""Comment threads: the process discussion page, writing, replying, reacting, editing, deleting,
permalinks, and the thread section other pages embed through the ``comment_thread`` Jinja global.

Every action works as a plain form; requests from htmx (``HX-Request``) get the changed piece of the
page instead of a redirect. Views parse, call a service, render; one commit per request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from app.comments import policies, services
from app.comments.forms import CommentForm, EditForm, OfficialForm, ReactionForm, ReplyForm
from app.comments.models import Comment, Reaction
from app.comments.owners import closed_reason as resolve_closed
from app.comments.owners import resolve_owners
from app.contributions.models import Thread, Visibility
from app.contributions.services import AlreadyWritten, ContributionRefused, participation_refusal
from app.core import fragments, htmx, request_cache
from app.core.errors import render_error
from app.core.forms import ConfirmForm
from app.core.pagination import MAX_PAGE
from app.core.permissions import can, require
from app.core.ratelimit import write_limited
from app.core.time import utcnow
from app.extensions import db
from app.municipalities.tenancy import current_municipality, tenant_blueprint
from app.processes.loading import visible_process
from app.processes.models import Process

bp = tenant_blueprint(Blueprint("comments", __name__, url_prefix="/<slug>"))

PAGE_ARG = "comments_page"
SORT_ARG = "comments_sort"


# --- helpers ------------------------------------------------------------------------------------


def _requested_page() -> int:
    page = request.args.get(PAGE_ARG, 1, type=int) or 1
    return min(max(page, 1), MAX_PAGE)


def _with_args(url: str, **args) -> str:
    """``url`` with query arguments set (``None`` removes one)."""
    base, _sep, query = url.partition("?")
    merged = dict(parse_qsl(query))
    for name, value in args.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = str(value)
    return f"{base}?{urlencode(merged)}" if merged else base


def _load_thread(thread_id: int) -> tuple[Thread, Process]:
    thread = services.get_thread(current_municipality(), thread_id)
    if thread is None:
        abort(404)
    process = services.process_of(thread)
    require("process.view", process)
    return thread, process


def _load_comment(comment_id: int) -> Comment:
    comment = services.get_comment(current_municipality(), comment_id)
    if comment is None:
        abort(404)
    require("process.view", services.process_of(comment.thread))
    return comment


def _owner_url(thread: Thread) -> str:
    """The page that shows ``thread``, as its owner registered it.

    A thread whose owner kind has not registered (yet) is sent to its process page, so that what
    was just written never ends in an error page.
    """
    owner = resolve_owners([thread.id]).get(thread.id)
    if owner is not None:
        return owner.url
    process = services.process_of(thread)
    return url_for("processes.show", slug=current_municipality().slug, process_slug=process.slug)


def _comment_url(comment: Comment, user) -> str:
    """Where a comment stands: its owner's page, the right page of the thread, its anchor."""
    page = services.page_of(comment, user)
    url = _with_args(_owner_url(comment.thread), **{PAGE_ARG: page if page > 1 else None})
    return f"{url}#comment-{comment.id}"


@dataclass(frozen=True)
class CommentLinks:
    """The addresses of what one does with a comment, by its id (the report form by its
    contribution's id, None while the moderation domain offers none)."""

    permalink: Callable[[int], str]
    reply: Callable[[int], str]
    edit: Callable[[int], str]
    delete: Callable[[int], str]
    react: Callable[[int], str]
    official: Callable[[int], str]
    report: Callable[[int], str] | None


def comment_links() -> CommentLinks:
    """The Jinja global ``comment_links``: this request's ``CommentLinks``, built once."""

    def build() -> CommentLinks:
        return CommentLinks(
            permalink=request_cache.url_for_ids("comments.permalink", "comment_id"),
            reply=request_cache.url_for_ids("comments.reply", "comment_id"),
            edit=request_cache.url_for_ids("comments.edit", "comment_id"),
            delete=request_cache.url_for_ids("comments.delete", "comment_id"),
            react=request_cache.url_for_ids("comments.react", "comment_id"),
            official=request_cache.url_for_ids("comments.official", "comment_id"),
            report=request_cache.url_for_ids("moderation.report", "contribution_id")
            if "moderation.report" in current_app.view_functions
            else None,
        )

    municipality = g.get("municipality")
    return request_cache.pure_memo(
        ("comment_links", municipality.id if municipality is not None else None), build
    )


def _grant(nodes: list[services.Node], thread: Thread, process: Process) -> None:
    """Tell each node what the reader may do with its comment (the comment's buttons)."""
    actions = policies.actions_on(
        current_user._get_current_object(), thread, process, [node.comment for node in nodes]
    )
    for node in nodes:
        node.actions = actions[node.comment.id]


def _node(comment: Comment) -> services.Node:
    """A single comment as a node, with what the reader may do with it."""
    node = services.node_for(comment, current_user)
    _grant([node], comment.thread, services.process_of(comment.thread))
    return node


def _thread_context(thread: Thread, process: Process, page_view, *, owner_url: str) -> dict:
    """What the thread templates need besides the page of comments: permissions and addresses."""
    now = utcnow()
    sort = page_view.sort
    _grant(page_view.all_nodes(), thread, process)
    return {
        "municipality": current_municipality(),
        "thread": thread,
        "process": process,
        "view": page_view,
        "gate": services.write_gate(process, current_user, now, thread),
        "may_write": can("comment.write", thread),
        "sorts": list(services.Sort),
        "page_url": lambda page, sort=sort: _with_args(
            owner_url,
            **{
                PAGE_ARG: page if page > 1 else None,
                SORT_ARG: sort.value if sort != services.Sort.OLDEST else None,
            },
        ),
        "more_url": lambda page: url_for(
            "comments.more", thread_id=thread.id, **{PAGE_ARG: page, SORT_ARG: sort.value}
        ),
    }


def render_thread(thread_id: int, owner: str | None = None) -> Markup:
    """The thread section (comments, sorting, pages, the form) for an owner's page.

    The Jinja global ``comment_thread``: a proposal page calls
    ``{{ comment_thread(thread_id, owner="proposal") }}``. ``owner``: the owner kind the page
    knows the thread belongs to, so that only this owner is asked whether the thread is closed
    (without it, every owner that closes threads is asked). Writing asks every owner anyway.
    Renders nothing for a thread the visitor may not read or that belongs to another municipality.
    """
    municipality = g.get("municipality")
    if municipality is None:
        return Markup("")
    thread = services.get_thread(municipality, thread_id)
    if thread is None:
        return Markup("")
    process = services.process_of(thread)
    if not can("process.view", process):
        return Markup("")
    if owner is not None:
        resolve_closed(thread.id, owner)  # kept for the request: the write gate asks it next
    page_view = services.load_thread_page(
        thread, current_user, services.Sort.parse(request.args.get(SORT_ARG)), _requested_page()
    )
    context = _thread_context(thread, process, page_view, owner_url=request.full_path)
    if context["may_write"]:
        context["new_comment_form"] = _new_comment_form(thread, page_view.sort)
    return Markup(render_template("comments/_thread.html", **context))  # noqa: S704


# The new-comment forms of threads, kept per worker: one per thread, order and language.
FORMS = fragments.Store(500)


def _new_comment_form(thread: Thread, sort: services.Sort) -> Markup:
    """The form for a new comment in ``thread``: the same for every reader of the thread in one
    order and language but for its CSRF token, so it is kept (``app.core.fragments``) with the
    token as a placeholder. Only an empty form is kept (a GET request sends none)."""
    newest = sort == services.Sort.NEWEST
    form = CommentForm(prefix=f"thread{thread.id}")

    def render() -> str:
        return render_template(
            "comments/_form.html",
            form=form,
            thread=thread,
            parent=None,
            comment=None,
            preview=None,
            action=url_for(
                "comments.create", thread_id=thread.id, comments_sort="newest" if newest else None
            ),
            swap="afterbegin" if newest else "beforeend",
        )

    key = (
        (thread.id, newest, form.meta.csrf, fragments.reader_context())
        if request.method == "GET"
        else None
    )
    return fragments.kept(FORMS, key, render)


# --- the process's own discussion ---------------------------------------------------------------


@bp.get("/processes/<process_slug>/comments/")
def process_thread(process_slug: str):
    """The "comments" participation format: the discussion of the process itself."""
    process = visible_process(process_slug)
    if "comments" not in process.format_keys:
        abort(404)
    thread = services.thread_for_process(process)
    db.session.commit()  # the thread exists from the first visit on
    return render_template(
        "comments/process_thread.html",
        municipality=current_municipality(),
        process=process,
        thread=thread,
    )


# --- reading ------------------------------------------------------------------------------------


@bp.get("/comments/<int:comment_id>")
def permalink(comment_id: int):
    """A comment's stable address: sends the reader to the page of the thread that shows it."""
    comment = _load_comment(comment_id)
    return redirect(_comment_url(comment, current_user))


@bp.get("/threads/<int:thread_id>/comments")
def more(thread_id: int):
    """The next top-level comments for "load more" (htmx); plain requests go to the owner page."""
    thread, process = _load_thread(thread_id)
    owner_url = _owner_url(thread)
    sort = services.Sort.parse(request.args.get(SORT_ARG))
    page = _requested_page()
    if not htmx.requested():
        response = redirect(
            _with_args(
                owner_url,
                **{
                    PAGE_ARG: page if page > 1 else None,
                    SORT_ARG: sort.value if sort != services.Sort.OLDEST else None,
                },
            )
            + "#comments"
        )
    else:
        page_view = services.load_thread_page(thread, current_user, sort, page)
        context = _thread_context(thread, process, page_view, owner_url=owner_url)
        response = make_response(render_template("comments/_more.html", **context))
    return response


# --- writing ------------------------------------------------------------------------------------


def _compose_page(
    form, thread: Thread, process: Process, *, action: str, parent=None, comment=None
):
    """The form again, with its errors (422) or a preview of the sanitised text (200).

    htmx gets only the form, put back in its place; a plain request gets a page of its own. Either
    way the text stays as typed.
    """
    preview = (
        services.render_body(form.body.data or "")
        if form.preview.data and not form.errors
        else None
    )
    status = 422 if form.errors else 200
    context = {
        "form": form,
        "thread": thread,
        "process": process,
        "action": action,
        "parent": parent,
        "comment": comment,
        "preview": preview,
        "municipality": current_municipality(),
    }
    if htmx.requested():
        response = make_response(
            render_template("comments/_form.html", inline=True, **context), status
        )
        if request.method == "POST":  # back into the form's own box, not the list of comments
            response.headers["HX-Retarget"] = f"#{form._prefix}box"
            response.headers["HX-Reswap"] = "outerHTML"
        return response
    context["back_url"] = (
        url_for(".permalink", comment_id=(comment or parent).id)
        if (comment or parent)
        else _owner_url(thread) + "#comments"
    )
    return render_template("comments/compose.html", **context), status


def _published_message(comment: Comment) -> str:
    if comment.contribution.visibility == Visibility.PENDING:
        return _("Thank you. Your comment will be shown once moderation has checked it.")
    return _("Your comment has been published.")


def _already_posted(comment: Comment):
    """The answer to the same comment sent twice (a double click, a retry): what the first answer
    said, and the comment the first request stored. htmx is sent to it with a page load rather
    than given the comment again, which would append a second copy where the first already
    stands (or, had the first answer been lost, the form would have kept the text)."""
    flash(_published_message(comment), "success")
    url = _comment_url(comment, current_user)
    if htmx.requested():
        response = make_response("")
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)


def _refused(form, exc: Exception) -> None:
    form.body.errors = [*form.body.errors, str(exc)]


def _blocked(process: Process):
    """A blocked person is told so (403 with the block's reason), whatever they tried."""
    refusal = participation_refusal(current_user, process)
    return render_error(403, refusal) if refusal else None


def _blocked_writer(process: Process) -> bool:
    """Is the writer blocked? Then the post goes on to the service, which refuses with the block's
    reason, and the form comes back with what was typed (422) instead of a bare 403."""
    return participation_refusal(current_user, process) is not None


def _create_action(thread: Thread) -> str:
    sort = services.Sort.parse(request.args.get(SORT_ARG))
    return url_for(
        ".create",
        thread_id=thread.id,
        **{SORT_ARG: sort.value if sort == services.Sort.NEWEST else None},
    )


def _keep_comment(thread_id: int):
    """The comment form again with what was sent (a throttle was reached): nothing is lost."""
    thread, process = _load_thread(thread_id)
    form = CommentForm(prefix=f"thread{thread.id}")
    return _compose_page(form, thread, process, action=_create_action(thread))


def _keep_reply(comment_id: int):
    parent = _load_comment(comment_id)
    form = ReplyForm(prefix=f"reply{parent.id}")
    action = url_for(".reply", comment_id=parent.id)
    thread = parent.thread
    return _compose_page(form, thread, services.process_of(thread), action=action, parent=parent)


def _keep_edit(comment_id: int):
    comment = _load_comment(comment_id)
    form = EditForm(prefix=f"edit{comment.id}")
    action = url_for(".edit", comment_id=comment.id)
    thread = comment.thread
    return _compose_page(form, thread, services.process_of(thread), action=action, comment=comment)


@bp.post("/threads/<int:thread_id>/comments")
@write_limited("comment", keep=_keep_comment)
@login_required
def create(thread_id: int):
    thread, process = _load_thread(thread_id)
    if not _blocked_writer(process):
        require("comment.write", thread)
    sort = services.Sort.parse(request.args.get(SORT_ARG))
    action = url_for(
        ".create",
        thread_id=thread.id,
        **{SORT_ARG: sort.value if sort == services.Sort.NEWEST else None},
    )
    form = CommentForm(prefix=f"thread{thread.id}")
    if not form.validate_on_submit() or form.preview.data:
        return _compose_page(form, thread, process, action=action)
    try:
        comment = services.post_comment(current_user, thread, process, form.body.data)
    except AlreadyWritten as repeat:
        return _already_posted(repeat.existing)
    except (services.CommentError, ContributionRefused) as exc:
        _refused(form, exc)
        return _compose_page(form, thread, process, action=action)
    db.session.commit()
    if htmx.requested():
        return render_template(
            "comments/_created.html",
            node=_node(comment),
            announce=_published_message(comment),
            form=CommentForm(prefix=f"thread{thread.id}", formdata=None),
            thread=thread,
            action=action,
            swap="afterbegin" if sort == services.Sort.NEWEST else "beforeend",
        )
    flash(_published_message(comment), "success")
    return redirect(_comment_url(comment, current_user))


@bp.route("/comments/<int:comment_id>/reply", methods=["GET", "POST"])
@write_limited("comment", keep=_keep_reply)
@login_required
def reply(comment_id: int):
    parent = _load_comment(comment_id)
    if not _blocked_writer(services.process_of(parent.thread)):
        require("comment.reply", parent)
    thread = parent.thread
    process = services.process_of(thread)
    action = url_for(".reply", comment_id=parent.id)
    form = ReplyForm(prefix=f"reply{parent.id}")
    if request.method == "GET" or not form.validate_on_submit() or form.preview.data:
        return _compose_page(form, thread, process, action=action, parent=parent)
    try:
        comment = services.post_comment(current_user, thread, process, form.body.data, parent)
    except AlreadyWritten as repeat:
        return _already_posted(repeat.existing)
    except (services.CommentError, ContributionRefused) as exc:
        _refused(form, exc)
        return _compose_page(form, thread, process, action=action, parent=parent)
    db.session.commit()
    if htmx.requested():
        return render_template(
            "comments/_created.html",
            node=_node(comment),
            announce=_published_message(comment),
        )
    flash(_published_message(comment), "success")
    return redirect(_comment_url(comment, current_user))


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@write_limited("comment", keep=_keep_edit)
@login_required
def edit(comment_id: int):
    comment = _load_comment(comment_id)
    if blocked := _blocked(services.process_of(comment.thread)):
        return blocked
    refusal = services.is_author(current_user, comment) and services.edit_refusal(comment, utcnow())
    thread = comment.thread
    process = services.process_of(thread)
    action = url_for(".edit", comment_id=comment.id)
    held = comment.contribution.visibility in (Visibility.HIDDEN, Visibility.PENDING)
    if refusal and request.method == "POST" and not held:
        # Too late to change it (the edit window closed while they typed): the form comes back
        # with what they wrote and why it was not saved, so nothing typed is lost.
        form = EditForm(prefix=f"edit{comment.id}")
        form.body.errors = [refusal]
        return _compose_page(form, thread, process, action=action, comment=comment)  # 422
    if refusal:
        return render_error(403, refusal)
    require("comment.edit", comment)
    # Only a GET fills in the stored text: an emptied field posted back must stay empty (422).
    form = EditForm(
        prefix=f"edit{comment.id}",
        data={"body": comment.source} if request.method == "GET" else None,
    )
    if request.method == "GET" or not form.validate_on_submit() or form.preview.data:
        return _compose_page(form, thread, process, action=action, comment=comment)
    try:
        services.edit_comment(comment, form.body.data)
    except services.CommentError as exc:
        _refused(form, exc)
        return _compose_page(form, thread, process, action=action, comment=comment)
    db.session.commit()
    flash(_("Your changes have been saved."), "success")
    return redirect(_comment_url(comment, current_user))


@bp.route("/comments/<int:comment_id>/delete", methods=["GET", "POST"])
@login_required
def delete(comment_id: int):
    comment = _load_comment(comment_id)
    require("comment.delete", comment)
    form = ConfirmForm()
    if form.validate_on_submit():
        url = _comment_url(comment, current_user)
        services.delete_comment(comment)
        db.session.commit()
        flash(_("Your comment has been deleted."), "success")
        return redirect(url)
    return render_template(
        "comments/delete.html",
        municipality=current_municipality(),
        comment=comment,
        form=form,
        back_url=url_for(".permalink", comment_id=comment.id),
    )


@bp.post("/comments/<int:comment_id>/reaction")
@write_limited("reaction")
@login_required
def react(comment_id: int):
    comment = _load_comment(comment_id)
    if blocked := _blocked(services.process_of(comment.thread)):
        return blocked
    require("comment.react", comment)
    form = ReactionForm()
    if not form.validate_on_submit():
        abort(400)
    value = None if form.reaction.data == "none" else Reaction(form.reaction.data)
    services.set_reaction(current_user, comment, value)
    db.session.commit()
    if htmx.requested():
        announcement = {
            Reaction.AGREE: _("You agree with this comment."),
            Reaction.DISAGREE: _("You disagree with this comment."),
            None: _("Your reaction has been withdrawn."),
        }[value]
        return render_template(
            "comments/_reactions.html",
            node=_node(comment),
            announcement=announcement,
        )
    return redirect(_comment_url(comment, current_user))


@bp.post("/comments/<int:comment_id>/official")
@login_required
def official(comment_id: int):
    comment = _load_comment(comment_id)
    require("comment.mark_official", comment)
    form = OfficialForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_official(current_user, comment, form.mark.data == "1")
    db.session.commit()
    flash(
        _("The comment is marked as the administration's official answer.")
        if comment.is_official_answer
        else _("The official-answer mark has been removed."),
        "success",
    )
    return redirect(_comment_url(comment, current_user))
