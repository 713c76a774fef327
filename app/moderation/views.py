"""Reporting (``/<slug>/contributions/<id>/report``), the netiquette page, the moderation queue and
its settings (``/<slug>/admin/moderation/...``), and the authors' moderation notices
(``/account/moderation``). Views parse, call a service, render; one commit per request; mails go
out after the commit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from app.accounts.models import User
from app.contributions import kinds
from app.contributions.models import Contribution, Visibility
from app.core.errors import render_error
from app.core.forms import ConfirmForm
from app.core.pagination import paginate
from app.core.permissions import can, require
from app.core.ratelimit import write_limited
from app.core.time import utcnow
from app.core.urls import public_url_for
from app.extensions import db
from app.moderation import mails, services
from app.moderation.forms import (
    BLOCK_DURATIONS,
    BlockForm,
    HideForm,
    NoteForm,
    QueueFilterForm,
    RejectForm,
    ReportForm,
    ReviewRequestForm,
    SettingsForm,
    UpholdForm,
)
from app.moderation.models import Decision, ReportReason, ReviewRequest
from app.municipalities.models import Municipality
from app.municipalities.tenancy import current_municipality, tenant_blueprint
from app.processes.services import rich_text_for_editing

bp = tenant_blueprint(Blueprint("moderation", __name__, url_prefix="/<slug>"))
account_bp = Blueprint("moderation_account", __name__, url_prefix="/account/moderation")


# --- for every contribution form and page -------------------------------------------------------


@bp.app_template_global()
def netiquette_link(municipality: Municipality | None = None) -> Markup:
    """The sentence with the link to the municipality's netiquette, for contribution forms.

    ``{{ netiquette_link() }}`` on any page under ``/<slug>/``; elsewhere pass the municipality.
    """
    municipality = municipality or g.get("municipality")
    if municipality is None:
        return Markup("")
    return Markup(  # noqa: S704  a rendered, autoescaped template
        render_template("moderation/_netiquette_link.html", municipality=municipality)
    )


@bp.app_template_global()
def report_url(contribution: Contribution) -> str | None:
    """Where to report ``contribution``, for everybody but its author; None when it cannot be.

    Anonymous visitors get the address too: the page asks them to log in first.
    """
    if contribution.visibility != Visibility.VISIBLE:
        return None
    if current_user.is_authenticated and current_user.id == contribution.author_id:
        return None
    return url_for("moderation.report", contribution_id=contribution.id)


def _title(contribution: Contribution, shown: kinds.Shown | None) -> str:
    return shown.title if shown else _("Contribution no. %(id)d", id=contribution.id)


def _notices_url() -> str:
    return public_url_for("moderation_account.notices")


def _tell_author(contribution: Contribution, decision: Decision) -> None:
    # The mail quotes only what its addressee may read (``contribution.read``).
    shown = kinds.describe([contribution], reader=contribution.author).get(contribution.id)
    mails.send_decision(
        contribution.author,
        decision,
        current_municipality().name,
        _title(contribution, shown),
        _notices_url(),
    )


# --- reporting ----------------------------------------------------------------------------------


def _readable_contribution(contribution_id: int) -> Contribution:
    """A contribution of this municipality whose text this visitor may read
    (``contribution.read``); 404 otherwise, so ids typed in sequence reveal nothing."""
    contribution = services.get_contribution(current_municipality(), contribution_id)
    if contribution is None or not can("contribution.read", contribution):
        abort(404)
    return contribution


def _place_of(contribution: Contribution, shown: kinds.Shown | None) -> str:
    if shown is not None:
        return shown.url
    process = services.get_process(contribution)
    return url_for("processes.show", process_slug=process.slug)


def _keep_report(contribution_id: int):
    """The report form again with what was sent (a throttle was reached): nothing is lost."""
    contribution = _readable_contribution(contribution_id)
    shown = kinds.describe([contribution]).get(contribution.id)
    return render_template(
        "moderation/report.html",
        contribution=contribution,
        shown=shown,
        kind=kinds.kind(contribution.kind),
        back=_place_of(contribution, shown),
        form=ReportForm(),
    )


@bp.route("/contributions/<int:contribution_id>/report", methods=["GET", "POST"])
@write_limited("report", keep=_keep_report)
@login_required
def report(contribution_id: int):
    contribution = _readable_contribution(contribution_id)
    shown = kinds.describe([contribution]).get(contribution.id)
    back = _place_of(contribution, shown)
    if services.has_reported(current_user, contribution):
        return render_template(
            "moderation/reported.html", contribution=contribution, shown=shown, back=back
        )
    refusal = services.report_refusal(current_user, contribution)
    if refusal:  # said plainly (a block, one's own contribution), not a bare "access denied"
        return render_error(403, refusal)
    require("moderation.report", contribution)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            outcome = services.report(
                current_user, contribution, ReportReason(form.reason.data), form.text.data or ""
            )
        except services.ReportRefused as exc:
            flash(str(exc), "error")
            return redirect(back)
        if outcome.auto_hidden is not None:
            _tell_author(contribution, outcome.auto_hidden)
        db.session.commit()
        flash(_("Thank you. Your report has been passed on to the moderators."), "success")
        return redirect(back)
    return render_template(
        "moderation/report.html",
        contribution=contribution,
        shown=shown,
        kind=kinds.kind(contribution.kind),
        back=back,
        form=form,
    ), (422 if form.is_submitted() else 200)


@bp.get("/netiquette")
def netiquette():
    municipality = current_municipality()
    settings = services.settings_for(municipality)
    return render_template(
        "moderation/netiquette.html",
        municipality=municipality,
        text=settings.netiquette if settings else "",
    )


# --- the queue ----------------------------------------------------------------------------------


def _moderated_municipality() -> Municipality:
    municipality = current_municipality()
    require("moderation.moderate", municipality)
    return municipality


def _queue_filters(
    municipality: Municipality, with_reason: bool
) -> tuple[QueueFilterForm, services.QueueFilters]:
    form = QueueFilterForm(formdata=request.args)
    form.process_id.choices = [SelectChoice("", _("All processes"))] + [
        SelectChoice(str(p.id), p.title) for p in services.processes_of(municipality)
    ]
    form.kind.choices = [SelectChoice("", _("All kinds"))] + [
        SelectChoice(k.key, k.label) for k in kinds.all_kinds()
    ]
    if not with_reason:
        del form.reason
    if not form.validate():
        return form, services.QueueFilters()
    return form, services.QueueFilters(
        process_id=int(form.process_id.data) if form.process_id.data else None,
        reason=ReportReason(form.reason.data) if with_reason and form.reason.data else None,
        kind=form.kind.data or None,
    )


def _filter_args(form: QueueFilterForm) -> dict[str, str]:
    """The active filters, carried along by the pager."""
    names = ("process_id", "reason", "kind")
    return {name: form[name].data for name in names if name in form and form[name].data}


def _context(contributions: list[Contribution], municipality: Municipality) -> dict:
    """What every queue row shows beside the contribution, loaded in a fixed number of queries."""
    return {
        "shown": kinds.describe(contributions, reader=current_user),
        "titles": services.process_titles({c.process_id for c in contributions}),
        "records": services.author_records(
            municipality, {c.author_id for c in contributions if c.author_id is not None}
        ),
        "kind_labels": {k.key: k.label for k in kinds.all_kinds()},
    }


@bp.get("/admin/moderation/")
def queue():
    municipality = _moderated_municipality()
    filters_form, filters = _queue_filters(municipality, with_reason=True)
    page = paginate(services.report_queue(municipality, filters))
    contributions = [row.contribution for row in page.items]
    return render_template(
        "moderation/queue.html",
        municipality=municipality,
        page=page,
        counts=services.queue_counts(municipality),
        filters=filters_form,
        filter_args=_filter_args(filters_form),
        filtered=bool(_filter_args(filters_form)),
        reasons=services.open_reasons([c.id for c in contributions]),
        **_context(contributions, municipality),
    )


@bp.get("/admin/moderation/pending")
def pending():
    municipality = _moderated_municipality()
    filters_form, filters = _queue_filters(municipality, with_reason=False)
    page = paginate(services.pending_queue(municipality, filters))
    return render_template(
        "moderation/pending.html",
        municipality=municipality,
        page=page,
        counts=services.queue_counts(municipality),
        filters=filters_form,
        filter_args=_filter_args(filters_form),
        filtered=bool(_filter_args(filters_form)),
        **_context(list(page.items), municipality),
    )


@bp.get("/admin/moderation/reviews")
def reviews():
    municipality = _moderated_municipality()
    page = paginate(services.open_reviews(municipality))
    contributions = [review.decision.contribution for review in page.items]
    return render_template(
        "moderation/reviews.html",
        municipality=municipality,
        page=page,
        counts=services.queue_counts(municipality),
        **_context(contributions, municipality),
    )


@bp.get("/admin/moderation/blocks")
def blocks():
    municipality = _moderated_municipality()
    return render_template(
        "moderation/blocks.html",
        municipality=municipality,
        page=paginate(services.active_blocks(municipality)),
        counts=services.queue_counts(municipality),
        lift_form=ConfirmForm(),
    )


# --- one case and its decisions -----------------------------------------------------------------


def _case_contribution(contribution_id: int) -> Contribution:
    contribution = services.get_contribution(_moderated_municipality(), contribution_id)
    if contribution is None:
        abort(404)
    return contribution


# The case page holds several forms at once; prefixes keep their field ids and names apart.
CASE_FORMS = {
    "keep_form": partial(NoteForm, prefix="keep"),
    "restore_form": partial(NoteForm, prefix="restore"),
    "hide_form": partial(HideForm, prefix="hide"),
    "reject_form": partial(RejectForm, prefix="reject"),
    "approve_form": partial(ConfirmForm, prefix="approve"),
    "block_form": partial(BlockForm, prefix="block"),
    "uphold_form": partial(UpholdForm, prefix="uphold"),
}


def _case_page(contribution: Contribution, status: int = 200, **forms):
    municipality = current_municipality()
    decisions = services.decisions_of(contribution)
    open_review = next(
        (d.review for d in decisions if d.review is not None and d.review.is_open), None
    )
    history = (
        services.author_history(municipality, contribution.author_id, contribution.id)
        if contribution.author_id is not None
        else ([], [], [])
    )
    earlier = [d.contribution for d in history[0]] + [r.contribution for r in history[1]]
    context = _context([contribution, *earlier], municipality)
    defaults = {name: make(formdata=None) for name, make in CASE_FORMS.items()}
    defaults.update(forms)
    return render_template(
        "moderation/case.html",
        municipality=municipality,
        contribution=contribution,
        reports=services.reports_of(contribution),
        open_reports=services.open_report_count(contribution),
        decisions=decisions,
        open_review=open_review,
        history_decisions=history[0],
        history_reports=history[1],
        history_blocks=history[2],
        current_block=(
            services.active_block(municipality.id, contribution.author_id)
            if contribution.author_id is not None
            else None
        ),
        now=utcnow(),
        **context,
        **defaults,
    ), status


@bp.get("/admin/moderation/contributions/<int:contribution_id>")
def case(contribution_id: int):
    return _case_page(_case_contribution(contribution_id))


def _decided(contribution: Contribution, decision: Decision, message: str, tell: bool = True):
    if tell:
        _tell_author(contribution, decision)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".case", contribution_id=contribution.id))


def _refused(contribution: Contribution, exc: services.ModerationError):
    flash(str(exc), "error")
    return redirect(url_for(".case", contribution_id=contribution.id))


@dataclass(frozen=True)
class _Decision:
    """One decision on a case: the form on the case page it comes from, the service that takes
    it, what the moderator is told, and whether the author is told."""

    form: str
    take: Callable[[User, Contribution, Any], Decision]
    done: Any  # lazy text
    # Authors hear of dismissed reports only when they were hidden because of them.
    tell_author: Callable[[Contribution], bool] = lambda contribution: True


DECISIONS = {
    "keep": _Decision(
        "keep_form",
        lambda user, contribution, form: services.keep(user, contribution, form.note.data or ""),
        _l("The reports were dismissed; the contribution stays."),
        tell_author=lambda contribution: contribution.visibility == Visibility.HIDDEN,
    ),
    "hide": _Decision(
        "hide_form",
        lambda user, contribution, form: services.hide(user, contribution, form.reason.data),
        _l("The contribution is hidden; its author is told why."),
    ),
    "restore": _Decision(
        "restore_form",
        lambda user, contribution, form: services.restore(user, contribution, form.note.data or ""),
        _l("The contribution is visible again."),
    ),
    "approve": _Decision(
        "approve_form",
        lambda user, contribution, form: services.approve(user, contribution),
        _l("The contribution is published."),
    ),
    "reject": _Decision(
        "reject_form",
        lambda user, contribution, form: services.reject(user, contribution, form.reason.data),
        _l("The contribution is not published."),
    ),
}


def decide(action: str, contribution_id: int):
    """Every decision on a case takes the same path: form, service, tell the author, commit."""
    decision_view = DECISIONS[action]
    contribution = _case_contribution(contribution_id)
    form = CASE_FORMS[decision_view.form]()
    if not form.validate_on_submit():
        return _case_page(contribution, 422, **{decision_view.form: form})
    tell = decision_view.tell_author(contribution)  # before the decision changes it
    try:
        decision = decision_view.take(current_user, contribution, form)
    except services.DecisionRefused as exc:
        return _refused(contribution, exc)
    return _decided(contribution, decision, str(decision_view.done), tell)


def _decision_view(action: str):
    def view(contribution_id: int):
        return decide(action, contribution_id)

    view.__name__ = view.__qualname__ = action  # the endpoint, and the rate limiter's key
    return view


for _action in DECISIONS:
    bp.add_url_rule(
        f"/admin/moderation/contributions/<int:contribution_id>/{_action}",
        view_func=_decision_view(_action),
        methods=["POST"],
    )


@bp.post("/admin/moderation/contributions/<int:contribution_id>/block")
def block(contribution_id: int):
    municipality = current_municipality()
    contribution = _case_contribution(contribution_id)
    form = CASE_FORMS["block_form"]()
    if not form.validate_on_submit():
        return _case_page(contribution, 422, block_form=form)
    author = db.session.get(User, contribution.author_id) if contribution.author_id else None
    if author is None:
        flash(_("This contribution has no author account that could be blocked."), "error")
        return redirect(url_for(".case", contribution_id=contribution.id))
    duration = BLOCK_DURATIONS[form.duration.data]
    until = utcnow() + duration if duration is not None else None
    try:
        entry = services.block(
            current_user, municipality, author, until, form.reason.data, contribution
        )
    except services.BlockRefused as exc:
        return _refused(contribution, exc)
    mails.send_block(
        author, entry, services.block_message(entry, municipality.name), _notices_url()
    )
    db.session.commit()
    flash(_("%(name)s is blocked from contributing here.", name=author.display_name), "success")
    return redirect(url_for(".case", contribution_id=contribution.id))


@bp.post("/admin/moderation/blocks/<int:block_id>/lift")
def lift_block(block_id: int):
    municipality = _moderated_municipality()
    entry = services.get_block(municipality, block_id)
    if entry is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            services.lift_block(current_user, entry)
        except services.BlockRefused as exc:
            flash(str(exc), "error")
            return redirect(url_for(".blocks"))
        db.session.commit()
        flash(_("The block is lifted."), "success")
    return redirect(url_for(".blocks"))


def _open_review(review_id: int) -> ReviewRequest:
    review = services.get_review(_moderated_municipality(), review_id)
    if review is None:
        abort(404)
    return review


@bp.post("/admin/moderation/reviews/<int:review_id>/uphold")
def uphold(review_id: int):
    review = _open_review(review_id)
    contribution = review.decision.contribution
    form = CASE_FORMS["uphold_form"]()
    if not form.validate_on_submit():
        return _case_page(contribution, 422, uphold_form=form)
    try:
        decision = services.uphold(current_user, review, form.reason.data)
    except services.DecisionRefused as exc:
        return _refused(contribution, exc)
    return _decided(contribution, decision, _("The contribution stays hidden; its author is told."))


# --- settings -----------------------------------------------------------------------------------


@bp.route("/admin/moderation/settings", methods=["GET", "POST"])
def settings():
    municipality = current_municipality()
    require("moderation.configure", municipality)
    current = services.settings_for(municipality)
    processes = services.processes_of(municipality)
    form = SettingsForm()
    form.premoderated.choices = [SelectChoice(p.id, p.title) for p in processes]
    if not form.is_submitted():
        form.hide_threshold.data = current.hide_threshold if current else None
        form.netiquette.data = rich_text_for_editing(current.netiquette) if current else ""
        form.premoderated.data = [p.id for p in processes if p.premoderated]
    elif form.validate():
        changed = services.save_settings(
            current_user,
            municipality,
            services.SettingsData(
                hide_threshold=form.hide_threshold.data,
                netiquette=form.netiquette.data or "",
                premoderated=frozenset(form.premoderated.data or ()),
            ),
        )
        db.session.commit()
        flash(
            _("The moderation settings are saved.") if changed else _("Nothing was changed."),
            "success",
        )
        return redirect(url_for(".settings"))
    return render_template("moderation/settings.html", municipality=municipality, form=form), (
        422 if form.errors else 200
    )


# --- the authors' side: notices and review requests ---------------------------------------------


@account_bp.get("")
@login_required
def notices():
    page = paginate(services.notices_for(current_user))
    contributions = [d.contribution for d in page.items]
    blocks = services.blocks_of(current_user)
    return render_template(
        "moderation/notices.html",
        page=page,
        shown=kinds.describe(contributions, reader=current_user),
        latest=services.latest_decision_ids({c.id for c in contributions}),
        municipalities=services.municipality_names(
            {d.municipality_id for d in page.items} | {b.municipality_id for b in blocks}
        ),
        blocks=blocks,
    )


@account_bp.route("/decisions/<int:decision_id>/review", methods=["GET", "POST"])
@login_required
def request_review(decision_id: int):
    decision = services.get_own_decision(current_user, decision_id)
    if decision is None:
        abort(404)
    contribution = decision.contribution
    shown = kinds.describe([contribution], reader=current_user).get(contribution.id)
    form = ReviewRequestForm()
    if decision.review is None and form.validate_on_submit():
        try:
            services.request_review(current_user, decision, form.text.data)
        except services.ReviewRefused as exc:
            flash(str(exc), "error")
            return redirect(url_for(".notices"))
        db.session.commit()
        flash(_("Your request has been passed on to the moderators."), "success")
        return redirect(url_for(".notices"))
    return render_template(
        "moderation/request_review.html",
        decision=decision,
        contribution=contribution,
        title=_title(contribution, shown),
        may_request=services.may_request_review(current_user, decision),
        form=form,
    ), (422 if form.errors else 200)
