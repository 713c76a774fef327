"""Proposal pages (``/<slug>/processes/<process_slug>/proposals/...``) and their back office
(``/<slug>/admin/processes/<id>/proposals/...``). Views parse, call a service, render; one commit
per request."""

from __future__ import annotations

import hashlib
import re
import secrets
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup

from app.contributions.models import Visibility
from app.contributions.services import AlreadyWritten, participation_refusal
from app.core import fragments, request_cache
from app.core.errors import render_error
from app.core.forms import ConfirmForm
from app.core.pagination import paginate, requested_page
from app.core.permissions import can, require
from app.core.ratelimit import write_limited
from app.core.sanitize import render_markdown
from app.core.time import utcnow
from app.core.urls import safe_next
from app.extensions import db
from app.municipalities.tenancy import current_municipality, tenant_blueprint
from app.processes import services as processes
from app.processes.loading import managed_process, visible_process
from app.processes.models import Process
from app.proposals import paging, promise, reading, search, services
from app.proposals.forms import (
    AnswerForm,
    EditProposalForm,
    FilterForm,
    ProposalForm,
    SettingsForm,
    StatementForm,
)
from app.proposals.models import Proposal, ProposalStatus
from app.proposals.search import Filters, Sort

bp = tenant_blueprint(Blueprint("proposals", __name__, url_prefix="/<slug>"))

SEED_KEY = "proposal_order_seed"
SHARED_SEED_SECONDS = 600
LIST_ARGS = ("q", "category", "status", "group", "sort", "view")  # kept by pages and view links
# Where a map starts when nothing in the process is located yet: the middle of Germany.
DEFAULT_CENTER = (51.1657, 10.4515, 6)
LOCATED_ZOOM = 15


@bp.record_once
def _allow_map_tiles(state) -> None:
    """Let the CSP load images from the configured tile server (the policy is built at start)."""
    tile_url = state.app.config.get("MAP_TILE_URL") or ""
    if not tile_url:
        return
    parts = urlsplit(tile_url)
    host = re.sub(r"\{[a-z]\}", "*", parts.netloc)
    extra = list(state.app.config.get("CSP_EXTRA_IMG_SRC", []))
    extra.append(f"{parts.scheme}://{host}")
    state.app.config["CSP_EXTRA_IMG_SRC"] = extra


# --- loading ------------------------------------------------------------------------------------


def _refused(refusal: str | None):
    """A logged-in person who may not do something is told why, with 403 (not a bare "access
    denied"): a block, a hidden proposal, a closed phase. Anonymous visitors go on to ``require``,
    which sends them to the login page."""
    if refusal and current_user.is_authenticated:
        return render_error(403, refusal)
    return None


def _process(process_slug: str) -> Process:
    """The process, if this visitor may read it and it takes proposals; 404 otherwise."""
    process = visible_process(process_slug)
    if not services.takes_proposals(process):
        abort(404)
    return process


def _proposal(process: Process, proposal_id: int, *, to_support: bool = False) -> Proposal:
    if to_support:
        proposal = services.proposal_to_support(process, proposal_id, current_user)
    else:
        proposal = services.get_proposal(process, proposal_id)
    return _readable(proposal)


def _readable(proposal: Proposal | None) -> Proposal:
    """``proposal`` if this visitor may read it; 404 (or the login page) otherwise."""
    if proposal is None:
        abort(404)
    if proposal.contribution.visibility == Visibility.PENDING and not services.sees_unpublished(
        current_user, proposal
    ):
        abort(404)  # awaiting moderation: does not exist for those who may not see it
    require("proposal.view", proposal)
    return proposal


def _managed_process(process_id: int) -> Process:
    """A process's proposal back office: only for processes that take proposals."""
    process = managed_process(process_id)
    if not services.takes_proposals(process):
        abort(404)
    require("proposal.manage", process)
    return process


def map_tiles() -> bool:
    """Is a tile server set up? Without one, places are entered and shown as text."""
    return bool(current_app.config.get("MAP_TILE_URL"))


def _seed() -> int:
    """The starting point of the random order (the page links carry it on, so later pages stay
    stable). A logged-in visitor keeps their own in the session. Anonymous visitors share one that
    moves every ``SHARED_SEED_SECONDS``: every proposal still comes first in turn, and the page is
    the same for all of them, so it can be served from the page cache without a cookie."""
    seed = session.get(SEED_KEY)
    if isinstance(seed, int):
        return seed
    if not current_user.is_authenticated:
        period = int(utcnow().timestamp()) // SHARED_SEED_SECONDS
        return int.from_bytes(hashlib.sha256(str(period).encode()).digest()[:8]) >> 2
    seed = session[SEED_KEY] = secrets.randbelow(2**62)
    return seed


def _show_url(proposal: Proposal, **kwargs) -> str:
    return url_for(".show", process_slug=proposal.process.slug, proposal_id=proposal.id, **kwargs)


def _map_center(process: Process, proposal: Proposal | None = None) -> tuple[float, float, int]:
    """Where a map starts: at the proposal, else amid the process's located proposals."""
    if proposal is not None and proposal.is_located:
        return proposal.latitude, proposal.longitude, LOCATED_ZOOM
    middle = services.located_middle(process)
    return (*middle, LOCATED_ZOOM - 1) if middle else DEFAULT_CENTER


# --- the list -----------------------------------------------------------------------------------


def _filters(form: FilterForm, categories) -> Filters:
    """What the visitor asked for; values that are not on offer count as not given."""
    form.category.choices = [("", _("All categories"))] + [(str(c.id), c.name) for c in categories]
    form.validate()

    def value(field) -> str:
        return "" if field.errors or field.data is None else str(field.data)

    category = value(form.category)
    sort = value(form.sort) or Sort.RANDOM.value
    form.sort.data = sort
    return Filters(
        text=value(form.q)[:200],
        category_id=int(category) if category else None,
        status=value(form.status),
        group=value(form.group),
        located=request.args.get("view") == "map",
        sort=Sort(sort),
    )


@bp.get("/processes/<process_slug>/proposals/")
def index(process_slug: str):
    process = _process(process_slug)
    categories = services.categories(process)
    form = FilterForm(formdata=request.args)
    filters = _filters(form, categories)
    page = paging.list_page(
        process,
        filters,
        seed=_seed(),
        per_page=current_app.config["PER_PAGE"],
        page=requested_page(),
        after=request.args.get("after"),
        before=request.args.get("before"),
    )
    now = utcnow()
    args = {name: request.args[name] for name in LIST_ARGS if request.args.get(name)}
    return render_template(
        "proposals/index.html",
        municipality=current_municipality(),
        process=process,
        form=form,
        filters=filters,
        has_categories=bool(categories),
        page=page,
        args=args,
        map_view=filters.located,
        map_center=_map_center(process) if filters.located and map_tiles() else None,
        supported_ids=services.supported_ids(current_user, [p.id for p in page.items]),
        proposal_url=request_cache.url_for_ids(
            "proposals.show", "proposal_id", process_slug=process.slug
        ),
        gate=processes.contribution_gate(process, current_user, now),
        record=promise.answer_record(process, now),
        now=now,
    )


@bp.get("/processes/<process_slug>/proposals/similar")
def similar(process_slug: str):
    """Proposals with titles like ``?title=``, for the form while someone types (JSON)."""
    process = _process(process_slug)
    title = (request.args.get("title") or "")[: services.TITLE_MAX]
    found = search.similar_proposals(process, title)
    return jsonify(
        proposals=[
            {
                "id": p.id,
                "title": p.title,
                "url": _show_url(p),
                "supports": p.support_count,
                "status": p.status.label,
            }
            for p in found
        ]
    )


# The list's cards (``card`` in ``proposals/_macros.html``), kept per worker.
CARDS = fragments.Store(2000)


def card_key(proposal: Proposal) -> tuple | None:
    """Every value the upper part of a proposal's card shows, or None: not to be kept.

    Whatever ``card_head`` reads must be here; the tests render every reused card again and
    compare (``app.core.fragments``)."""
    contribution = proposal.contribution
    if contribution.entered_on_site:
        return None  # the on-site origin line reads its event
    author = contribution.author
    category = proposal.category
    return (
        proposal.id,
        fragments.reader_context(),
        proposal.process.slug,
        proposal.withdrawn_at is not None,
        proposal.status,
        proposal.merged_into_id,
        category.name if category is not None else None,
        proposal.title,
        proposal.description_text,
        proposal.address,
        proposal.latitude,
        proposal.longitude,
        author.public_name if author is not None else None,
        contribution.author_group,
        contribution.created_at,
        contribution.edited_at is not None,
    )


@bp.app_template_global("cached_proposal_card")
def cached_card(proposal: Proposal, render, proposal_url, supported: bool, next_url: str) -> Markup:
    """``proposal``'s whole card: kept, or ``render(proposal, proposal_url, supported,
    may_support, next_url)``. Besides what the upper part shows, the key holds the support widget's
    values: the count, the reader's support and whether they may support, and the return address."""
    may_support = can("proposal.support", proposal)
    key = card_key(proposal)
    if key is not None:
        widget = (proposal.support_count, proposal.thread.comment_count, supported, may_support)
        key = (*key, *widget, next_url)
    return fragments.kept(
        CARDS, key, lambda: render(proposal, proposal_url, supported, may_support, next_url)
    )


# The list's search and filter form, kept per worker: the same for everyone who asked the same.
FILTER_FORMS = fragments.Store(500)


@bp.app_template_global("cached_list_filters")
def cached_filters(process: Process, form: FilterForm, map_view: bool, render) -> Markup:
    """The filter form as ``render()`` makes it, under a key of what it shows: the process's
    categories (its choices) and the values asked for; the other choices follow the language."""
    key = (
        fragments.reader_context(),
        process.slug,
        map_view,
        tuple(form.category.choices),
        *(field.data for field in (form.q, form.category, form.status, form.group, form.sort)),
    )
    return fragments.kept(FILTER_FORMS, key, render)


# --- one proposal -------------------------------------------------------------------------------


@bp.get("/processes/<process_slug>/proposals/<int:proposal_id>")
def show(process_slug: str, proposal_id: int):
    process = _process(process_slug)
    loaded = reading.proposal_page(process, proposal_id, current_user)
    proposal = _readable(loaded and loaded.proposal)
    now = utcnow()
    return render_template(
        "proposals/show.html",
        municipality=current_municipality(),
        process=process,
        proposal=proposal,
        supported=loaded.supported,
        gate=processes.contribution_gate(process, current_user, now),
        edit_refusal=services.edit_refusal(current_user, proposal, now)
        if services.is_author(current_user, proposal)
        else None,
        hidden=proposal.contribution.visibility in {Visibility.HIDDEN, Visibility.DELETED},
        statements=services.visible_statements(current_user, proposal),
        own_statement=services.own_statement(current_user, proposal),
        # kept on the proposal while the process promises answers (``promise.due_dates``)
        deadline=proposal.answer_due_at if loaded.promise is not None else None,
        map_center=_map_center(process, proposal) if proposal.is_located else None,
        now=now,
    )


def _proposal_data(form: ProposalForm) -> services.ProposalData:
    category = form.category.data if form.category is not None else None
    return services.ProposalData(
        title=form.title.data or "",
        description=form.description.data or "",
        category_id=int(category) if category else None,
        latitude=form.latitude.data,
        longitude=form.longitude.data,
        address=form.address.data or "",
    )


def _offer_categories(form: ProposalForm, process: Process) -> None:
    """Offer the process's categories; without any, the form has no category field."""
    categories = services.categories(process)
    form.category.choices = [("", _("No category"))] + [(str(c.id), c.name) for c in categories]
    if not categories:
        del form.category


def _show_invalid(form, exc: services.InvalidInput) -> None:
    field = getattr(form, exc.field, None) or form.title
    field.errors = [*field.errors, str(exc)]


def _form_page(form, process: Process, proposal: Proposal | None, similar=(), preview=None):
    return render_template(
        "proposals/form.html",
        municipality=current_municipality(),
        process=process,
        proposal=proposal,
        form=form,
        similar=similar,
        preview=preview,
        map_center=_map_center(process, proposal) if map_tiles() else None,
    ), (422 if form.errors else 200)


def _keep_proposal_form(process_slug: str, proposal_id: int | None = None):
    """The proposal form again with what was sent (a throttle was reached): nothing is lost."""
    process = _process(process_slug)
    proposal = _proposal(process, proposal_id) if proposal_id is not None else None
    form = ProposalForm() if proposal is None else EditProposalForm()
    _offer_categories(form, process)
    return _form_page(form, process, proposal)


def _keep_statement_form(process_slug: str, proposal_id: int):
    process = _process(process_slug)
    proposal = _proposal(process, proposal_id)
    return render_template(
        "proposals/statement.html",
        municipality=current_municipality(),
        process=process,
        proposal=proposal,
        form=StatementForm(),
        own=services.own_statement(current_user, proposal),
    )


@bp.route("/processes/<process_slug>/proposals/new", methods=["GET", "POST"])
@write_limited("proposal", keep=_keep_proposal_form)
def new(process_slug: str):
    process = _process(process_slug)
    if refused := _refused(services.submit_refusal(current_user, process, utcnow())):
        return refused
    require("proposal.submit", process)
    form = ProposalForm()
    _offer_categories(form, process)
    similar: list[Proposal] = []
    if form.validate_on_submit() and form.preview.data:  # shown as it will be, nothing saved
        return _form_page(form, process, None, preview=render_markdown(form.description.data))
    if form.validate_on_submit():
        data = _proposal_data(form)
        # The same proposal sent twice is answered as the first was, before similar ones (the
        # first among them) are offered.
        proposal = services.repeated_submission(current_user, process, data)
        if proposal is None and not form.submit_anyway.data:
            similar = search.similar_proposals(process, form.title.data)
        if proposal is None and not similar:
            try:
                proposal = services.submit_proposal(current_user, process, data)
            except AlreadyWritten as repeat:
                proposal = repeat.existing
            except services.InvalidInput as exc:
                _show_invalid(form, exc)
            except services.NotAllowed as exc:
                flash(str(exc), "error")
                return redirect(url_for(".index", process_slug=process.slug))
        if proposal is not None:
            db.session.commit()
            flash(_("Thank you! Your proposal has been published."), "success")
            return redirect(_show_url(proposal))
    return _form_page(form, process, None, similar)


@bp.route("/processes/<process_slug>/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@write_limited("proposal", keep=_keep_proposal_form)
def edit(process_slug: str, proposal_id: int):
    process = _process(process_slug)
    proposal = _proposal(process, proposal_id)
    refusal = services.is_author(current_user, proposal) and services.edit_refusal(
        current_user, proposal, utcnow()
    )
    held = proposal.contribution.visibility in (Visibility.HIDDEN, Visibility.PENDING)
    if refusal and request.method == "POST" and current_user.is_authenticated and not held:
        # Too late to change it (say, the first support came in while they typed): the form comes
        # back with what they wrote and why it was not saved, so nothing typed is lost. A text
        # the moderators hold (hidden, pending) stays refused outright, with its reason.
        form = EditProposalForm()
        _offer_categories(form, process)
        form.description.errors = [refusal]
        return _form_page(form, process, proposal)  # 422, the reason at the text
    if refusal and (refused := _refused(refusal)):
        return refused
    require("proposal.edit", proposal)
    form = EditProposalForm(
        data=None
        if request.method == "POST"
        else {
            "title": proposal.title,
            "description": processes.rich_text_for_editing(proposal.description),
            "category": str(proposal.category_id or ""),
            "address": proposal.address,
            "latitude": proposal.latitude,
            "longitude": proposal.longitude,
        }
    )
    _offer_categories(form, process)
    if form.validate_on_submit() and form.preview.data:  # shown as it will be, nothing saved
        return _form_page(form, process, proposal, preview=render_markdown(form.description.data))
    if form.validate_on_submit():
        try:
            services.edit_proposal(current_user, proposal, _proposal_data(form))
        except services.InvalidInput as exc:
            _show_invalid(form, exc)
        except services.NotAllowed as exc:
            flash(str(exc), "error")
            return redirect(_show_url(proposal))
        else:
            db.session.commit()
            flash(_("Your changes have been saved."), "success")
            return redirect(_show_url(proposal))
    return _form_page(form, process, proposal)


@bp.route("/processes/<process_slug>/proposals/<int:proposal_id>/withdraw", methods=["GET", "POST"])
def withdraw(process_slug: str, proposal_id: int):
    process = _process(process_slug)
    proposal = _proposal(process, proposal_id)
    require("proposal.withdraw", proposal)
    form = ConfirmForm()
    if form.validate_on_submit():
        services.withdraw(current_user, proposal)
        db.session.commit()
        flash(
            _("Your proposal has been withdrawn. It stays visible, marked as withdrawn."), "success"
        )
        return redirect(_show_url(proposal))
    return render_template(
        "proposals/withdraw.html",
        municipality=current_municipality(),
        process=process,
        proposal=proposal,
        form=form,
    )


def _support_response(
    proposal: Proposal,
    message: str,
    category: str = "success",
    supported: bool | None = None,
    may_support: bool | None = None,
):
    """The support widget for htmx (swapped in place, the message announced), else a redirect.

    ``may_support``: whether the button stays, when this request has just decided it (a refused
    support: no; a support or its taking back, which changes nothing the rule asks: yes); None
    asks the rule again."""
    if supported is None:
        supported = bool(services.supported_ids(current_user, [proposal.id]))
    if request.headers.get("HX-Request"):
        extra = {} if may_support is None else {"may_support": may_support}
        return render_template(
            "proposals/_support_response.html",
            proposal=proposal,
            supported=supported,
            message=message,
            next_url=request.form.get("next", ""),
            **extra,
        )
    flash(message, category)
    fallback = _show_url(proposal, _anchor=f"support-{proposal.id}")
    return redirect(safe_next(request.form.get("next"), fallback))


def _change_support(process_slug: str, proposal_id: int, add: bool):
    """Support or take back: the proposal without its answers and statements, and nothing read
    again after the commit (the new count came back with the update, and whether this person
    supports it now is what they just did)."""
    process = _process(process_slug)
    proposal = _proposal(process, proposal_id, to_support=True)
    blocked = participation_refusal(current_user, process)
    if blocked:  # said in the widget (or a flash), not as a bare 403
        return _support_response(proposal, blocked, "error", may_support=False)
    require("proposal.support", proposal)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        changed = (services.support if add else services.unsupport)(current_user, proposal)
    except services.NotAllowed as exc:
        return _support_response(proposal, str(exc), "error", may_support=False)
    # The widget is drawn from what is in memory: committed rows stay as they are (this
    # request's session ends with the request) instead of being read again one by one.
    db.session().expire_on_commit = False
    db.session.commit()
    count = proposal.support_count
    if add:
        message = (
            ngettext(
                "You support this proposal. It has %(num)d support now.",
                "You support this proposal. It has %(num)d supports now.",
                count,
            )
            if changed
            else _("You already support this proposal.")
        )
    else:
        message = ngettext(
            "You no longer support this proposal. It has %(num)d support now.",
            "You no longer support this proposal. It has %(num)d supports now.",
            count,
        )
    return _support_response(proposal, message, supported=add, may_support=True)


@bp.post("/processes/<process_slug>/proposals/<int:proposal_id>/support")
@write_limited("support")
def support(process_slug: str, proposal_id: int):
    return _change_support(process_slug, proposal_id, add=True)


@bp.post("/processes/<process_slug>/proposals/<int:proposal_id>/unsupport")
@write_limited("support")
def unsupport(process_slug: str, proposal_id: int):
    return _change_support(process_slug, proposal_id, add=False)


@bp.route(
    "/processes/<process_slug>/proposals/<int:proposal_id>/statement", methods=["GET", "POST"]
)
@write_limited("proposal", keep=_keep_statement_form)
def statement(process_slug: str, proposal_id: int):
    process = _process(process_slug)
    proposal = _proposal(process, proposal_id)
    if refused := _refused(services.statement_refusal(current_user, proposal)):
        return refused
    require("proposal.state_position", proposal)
    own = services.own_statement(current_user, proposal)
    form = StatementForm(
        data=None
        if request.method == "POST" or own is None
        else {"body": processes.rich_text_for_editing(own.body)}
    )
    if form.validate_on_submit():
        try:
            saved = services.save_statement(current_user, proposal, form.body.data)
        except services.InvalidInput as exc:
            form.body.errors = [*form.body.errors, str(exc)]
        except services.NotAllowed as exc:
            flash(str(exc), "error")
            return redirect(_show_url(proposal))
        else:
            db.session.commit()
            flash(_("Your statement has been published."), "success")
            return redirect(_show_url(proposal, _anchor=f"statement-{saved.id}"))
    return render_template(
        "proposals/statement.html",
        municipality=current_municipality(),
        process=process,
        proposal=proposal,
        form=form,
        own=own,
    ), (422 if form.errors else 200)


# --- back office --------------------------------------------------------------------------------


@bp.get("/admin/processes/<int:process_id>/proposals/")
def admin_index(process_id: int):
    process = _managed_process(process_id)
    now = utcnow()
    answer_promise = promise.promise_for(process)
    page = paginate(promise.unanswered_listing(process))
    due = {proposal.id: proposal.answer_due_at for proposal in page.items if proposal.answer_due_at}
    return render_template(
        "proposals/admin/index.html",
        municipality=current_municipality(),
        process=process,
        promise=answer_promise,
        record=promise.answer_record(process, now),
        page=page,
        due=due,
        now=now,
    )


@bp.route("/admin/processes/<int:process_id>/proposals/settings", methods=["GET", "POST"])
def admin_settings(process_id: int):
    process = _managed_process(process_id)
    settings = services.settings_for(process)
    form = SettingsForm(
        data=None
        if request.method == "POST"
        else {
            "answer_threshold": settings.answer_threshold if settings else None,
            "answer_days": settings.answer_days if settings else None,
            "categories": "\n".join(c.name for c in services.categories(process)),
        }
    )
    if form.validate_on_submit():
        try:
            services.save_settings(
                current_user,
                process,
                form.answer_threshold.data,
                form.answer_days.data,
                (form.categories.data or "").splitlines(),
            )
        except services.InvalidInput as exc:
            getattr(form, exc.field).errors = [*getattr(form, exc.field).errors, str(exc)]
        else:
            db.session.commit()
            flash(_("The settings have been saved."), "success")
            return redirect(url_for(".admin_index", process_id=process.id))
    return render_template(
        "proposals/admin/settings.html",
        municipality=current_municipality(),
        process=process,
        form=form,
    ), (422 if form.errors else 200)


@bp.route(
    "/admin/processes/<int:process_id>/proposals/<int:proposal_id>/answer",
    methods=["GET", "POST"],
)
def answer(process_id: int, proposal_id: int):
    process = _managed_process(process_id)
    proposal = services.get_proposal(process, proposal_id)
    if proposal is None:
        abort(404)
    require("proposal.answer", proposal)
    form = AnswerForm()
    if not form.is_submitted():
        form.office.data = services.suggested_office(process)
        if proposal.status != ProposalStatus.SUBMITTED:
            form.status.data = proposal.status.value
    if form.validate_on_submit():
        try:
            services.change_status(
                current_user,
                proposal,
                ProposalStatus(form.status.data),
                form.response.data,
                form.office.data,
                form.merged_into.data,
            )
        except AlreadyWritten:  # the same answer sent twice: answered as the first was
            flash(_("The answer has been published."), "success")
            return redirect(_show_url(proposal, _anchor="answer"))
        except services.InvalidInput as exc:
            field = getattr(form, exc.field)
            field.errors = [*field.errors, str(exc)]
        else:
            db.session.commit()
            flash(_("The answer has been published."), "success")
            return redirect(_show_url(proposal, _anchor="answer"))
    return render_template(
        "proposals/admin/answer.html",
        municipality=current_municipality(),
        process=process,
        proposal=proposal,
        form=form,
    ), (422 if form.errors else 200)


# --- pieces other pages include -----------------------------------------------------------------


@bp.app_template_global("proposal_promise")
def proposal_promise(process: Process) -> Markup:
    """How the answer promise of ``process`` was kept, for the process page (empty without one)."""
    if not services.takes_proposals(process):
        return Markup("")
    record = promise.answer_record(process, utcnow())
    if record is None:
        return Markup("")
    return Markup(render_template("proposals/_promise.html", record=record))  # noqa: S704


@bp.app_template_global("proposals_admin_link")
def proposals_admin_link(process: Process) -> Markup:
    """The back-office link to a process's answers due and proposal settings."""
    if not services.takes_proposals(process) or not can("proposal.manage", process):
        return Markup("")
    return Markup(  # noqa: S704  render_template escapes
        render_template("proposals/admin/_link.html", process=process)
    )
