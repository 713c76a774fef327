"""The consolidated report (``/<slug>/processes/<process_slug>/report``) and its exports, the council
workspace (``/<slug>/council/``), council statements, the back office of decisions and the outcome
(``/<slug>/admin/processes/<id>/outcome``), and "Mein Beitrag" (``/account/contributions``).

Views parse, call a service, render; one commit per request. Participants hear of a published
outcome through the notifications domain, which listens to ``signals.outcome_published``.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from app.contributions.services import AlreadyWritten
from app.core.forms import ConfirmForm
from app.core.pagination import paginate
from app.core.permissions import can, require
from app.core.time import utcnow
from app.extensions import db
from app.municipalities.tenancy import current_municipality, tenant_blueprint
from app.outcomes import charts, exports, kept, mine, reports, sections, services
from app.outcomes.forms import (
    DecisionForm,
    OutcomeForm,
    ReportFilterForm,
    ReportSettingsForm,
    StatementForm,
)
from app.processes.loading import managed_process, visible_process
from app.processes.models import Process
from app.processes.services import rich_text_for_editing
from app.proposals import promise
from app.proposals.counts import kept_total
from app.proposals.models import STATUS_LABELS, Proposal, ProposalStatus

bp = tenant_blueprint(Blueprint("outcomes", __name__, url_prefix="/<slug>"))
account_bp = Blueprint("outcomes_account", __name__, url_prefix="/account/contributions")

PROPOSALS_PER_PAGE = 25


# --- loading ------------------------------------------------------------------------------------


def _report_process(process_slug: str) -> Process:
    process = visible_process(process_slug)
    require("process.read_report", process)
    return process


def _managed_process(process_id: int) -> Process:
    return managed_process(process_id, then="process.manage_outcome")


# --- the report ---------------------------------------------------------------------------------


def _filter_form(process: Process) -> tuple[ReportFilterForm, int | None, ProposalStatus | None]:
    """The proposals filter; unknown values are a 404, not a silently empty list."""
    form = ReportFilterForm(formdata=None)
    from flask import request

    form.process(request.args)
    categories = reports.categories(process)
    form.category.choices = [("", _("All categories"))] + [(str(c.id), c.name) for c in categories]
    form.status.choices = [("", _("All statuses"))] + [
        (s.value, str(STATUS_LABELS[s])) for s in ProposalStatus
    ]
    category_id = None
    if form.category.data:
        if form.category.data not in {str(c.id) for c in categories}:
            abort(404)
        category_id = int(form.category.data)
    status = None
    if form.status.data:
        try:
            status = ProposalStatus(form.status.data)
        except ValueError:
            abort(404)
    return form, category_id, status


def _report_context(process: Process) -> dict:
    """What the page and the PDF show: the same kept figures (``kept.figures``)."""
    now = utcnow()
    counted = kept.figures(process, now)
    figures = counted.figures
    survey_results = reports.survey_figures(process)
    return {
        "municipality": current_municipality(),
        "process": process,
        "now": now,
        "figures": figures,
        "counted": counted,
        "recount_form": ConfirmForm() if can("process.recount_report", process) else None,
        "charts": charts.report_charts(figures),
        "surveys": [(r, charts.survey_charts(r)) for r in survey_results],
        "discussed": reports.most_discussed(process),
        "agreed": reports.most_agreed(process, figures.agreed),
        "statements": services.statements_of(process),
        "decisions": services.decisions_of(process),
        "outcome": services.outcome_of(process),
        "format_sections": sections.render_sections(process),
    }


@bp.get("/processes/<process_slug>/report")
def report(process_slug: str):
    process = _report_process(process_slug)
    form, category_id, status = _filter_form(process)
    unfiltered = category_id is None and status is None
    page = paginate(
        reports.ranked_proposals(process, category_id=category_id, status=status),
        PROPOSALS_PER_PAGE,
        total=kept_total(process.id) if unfiltered else None,  # kept exact: no count(*)
    )
    return render_template(
        "outcomes/report.html",
        **_report_context(process),
        filter_form=form,
        page=page,
        category_id=category_id,
        status=status,
    )


@bp.post("/processes/<process_slug>/report/figures")
def report_recount(process_slug: str):
    """Count the report's figures now (staff), instead of waiting for the kept ones to expire."""
    process = visible_process(process_slug)
    require("process.recount_report", process)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    counted = kept.figures(process, utcnow(), recount=True)
    if counted.live:
        flash(_("The figures have been counted again."), "success")
    else:
        flash(_("The figures are being counted already; reload the page in a moment."), "info")
    return redirect(url_for(".report", process_slug=process.slug))


@bp.get("/processes/<process_slug>/report.pdf")
def report_pdf(process_slug: str):
    process = _report_process(process_slug)
    context = _report_context(process)
    proposals = db.session.scalars(
        reports.ranked_proposals(process).limit(reports.PDF_PROPOSALS)
    ).all()
    pdf = exports.to_pdf({**context, "proposals": proposals, "limit": reports.PDF_PROPOSALS})
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="bericht-{process.slug}.pdf"'},
    )


@bp.get("/processes/<process_slug>/report.csv")
def report_csv(process_slug: str):
    process = _report_process(process_slug)
    return Response(
        stream_with_context(exports.iter_csv(process)),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="beitraege-{process.slug}.csv"'},
    )


@bp.get("/processes/<process_slug>/report.json")
def report_json(process_slug: str):
    process = _report_process(process_slug)
    body = exports.iter_json(process, utcnow())
    return Response(stream_with_context(body), mimetype="application/json")


# --- the council ----------------------------------------------------------------------------------


@bp.get("/council/")
def workspace():
    municipality = current_municipality()
    require("council.workspace", municipality)
    now = utcnow()
    awaiting = services.awaiting_review(municipality, now)
    items = []
    for process in awaiting:
        items.append(
            {
                "process": process,
                "proposals": db.session.scalars(
                    services.proposals_awaiting(process, current_user).limit(10)
                ).all(),
                "statement": services.own_statement(current_user, process),
            }
        )
    return render_template(
        "outcomes/workspace.html", municipality=municipality, items=items, now=now
    )


@bp.route("/processes/<process_slug>/statement", methods=["GET", "POST"])
@login_required
def statement(process_slug: str):
    process = visible_process(process_slug)
    require("process.council_statement", process)
    own = services.own_statement(current_user, process)
    form = StatementForm()
    if own is not None and not form.is_submitted():
        form.body.data = rich_text_for_editing(own.body)
    if form.validate_on_submit():
        try:
            services.save_statement(current_user, process, form.body.data)
        except services.InvalidInput as exc:
            form[exc.field].errors.append(str(exc))
        except services.NotAllowed as exc:
            flash(str(exc), "error")
            return redirect(url_for("processes.show", process_slug=process.slug))
        else:
            db.session.commit()
            flash(_("Your statement has been saved."), "success")
            return redirect(url_for(".report", process_slug=process.slug))
    return render_template(
        "outcomes/statement.html",
        municipality=current_municipality(),
        process=process,
        form=form,
        own=own,
    ), (422 if form.errors else 200)


# --- back office: decisions and the outcome -------------------------------------------------------


def _decision_form(process: Process) -> DecisionForm:
    form = DecisionForm()
    proposals = db.session.scalars(reports.ranked_proposals(process).limit(500)).all()
    form.proposal_id.choices = [(0, _("The whole process"))] + [
        (p.id, f"#{p.id} {p.title}") for p in proposals
    ]
    return form


def _outcome_form(process: Process, outcome) -> OutcomeForm:
    form = OutcomeForm(formdata=None) if outcome is not None else OutcomeForm()
    if outcome is not None:
        form = OutcomeForm(
            summary=rich_text_for_editing(outcome.summary),
            next_steps=rich_text_for_editing(outcome.next_steps),
            next_steps_by=outcome.next_steps_by,
            adopted=outcome.adopted_ids,
        )
    _adoptable(form, process)
    return form


def _adoptable(form: OutcomeForm, process: Process) -> None:
    proposals = db.session.scalars(reports.ranked_proposals(process).limit(500)).all()
    form.adopted.choices = [(p.id, f"{p.title} ({p.status.label})") for p in proposals]


def _admin_page(process: Process, *, decision_form=None, outcome_form=None, status=200):
    outcome = services.outcome_of(process)
    now = utcnow()
    return render_template(
        "outcomes/admin.html",
        municipality=current_municipality(),
        process=process,
        outcome=outcome,
        decisions=services.decisions_of(process),
        decision_form=decision_form or _decision_form(process),
        outcome_form=outcome_form or _outcome_form(process, outcome),
        settings_form=ReportSettingsForm(export_names=services.exports_names(process)),
        publish_form=ConfirmForm(),
        publish_refusal=services.publish_refusal(process, outcome, now),
    ), status


@bp.get("/admin/processes/<int:process_id>/outcome")
def admin_outcome(process_id: int):
    return _admin_page(_managed_process(process_id))


@bp.post("/admin/processes/<int:process_id>/decisions")
def admin_decision(process_id: int):
    process = _managed_process(process_id)
    form = _decision_form(process)
    if not form.validate_on_submit():
        return _admin_page(process, decision_form=form, status=422)
    data = services.DecisionData(
        decided_on=form.decided_on.data,
        body=form.body.data,
        text=form.text.data,
        reference=form.reference.data or "",
        votes_for=form.votes_for.data,
        votes_against=form.votes_against.data,
        abstentions=form.abstentions.data,
        proposal_id=form.proposal_id.data or None,
    )
    try:
        services.record_decision(current_user, process, data)
    except AlreadyWritten:  # the same decision sent twice: answered as the first
        pass
    except services.InvalidInput as exc:
        form[exc.field].errors.append(str(exc))
        return _admin_page(process, decision_form=form, status=422)
    db.session.commit()
    flash(_("The council decision has been recorded."), "success")
    return redirect(url_for(".admin_outcome", process_id=process.id))


@bp.post("/admin/processes/<int:process_id>/outcome")
def admin_save_outcome(process_id: int):
    process = _managed_process(process_id)
    form = OutcomeForm()
    _adoptable(form, process)
    if not form.validate_on_submit():
        return _admin_page(process, outcome_form=form, status=422)
    data = services.OutcomeData(
        summary=form.summary.data,
        next_steps=form.next_steps.data or "",
        next_steps_by=form.next_steps_by.data,
        adopted_ids=tuple(form.adopted.data or ()),
    )
    try:
        services.save_outcome(current_user, process, data)
    except services.InvalidInput as exc:
        form[exc.field].errors.append(str(exc))
        return _admin_page(process, outcome_form=form, status=422)
    except services.NotAllowed as exc:
        flash(str(exc), "error")
        return redirect(url_for(".admin_outcome", process_id=process.id))
    db.session.commit()
    flash(_("The outcome has been saved."), "success")
    return redirect(url_for(".admin_outcome", process_id=process.id))


@bp.post("/admin/processes/<int:process_id>/outcome/publish")
def admin_publish(process_id: int):
    process = _managed_process(process_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.publish_outcome(current_user, process, utcnow())
    except services.NotAllowed as exc:
        flash(str(exc), "error")
        return redirect(url_for(".admin_outcome", process_id=process.id))
    db.session.commit()
    flash(_("The outcome is published. Participants will be told by e-mail."), "success")
    return redirect(url_for("processes.show", process_slug=process.slug))


@bp.post("/admin/processes/<int:process_id>/report-settings")
def admin_settings(process_id: int):
    process = _managed_process(process_id)
    form = ReportSettingsForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_export_names(current_user, process, bool(form.export_names.data))
    db.session.commit()
    flash(_("The setting has been saved."), "success")
    return redirect(url_for(".admin_outcome", process_id=process.id))


# --- "Mein Beitrag" -----------------------------------------------------------------------------


@account_bp.get("")
@login_required
def mine_page():
    page = paginate(mine.my_contributions(current_user))
    return render_template("outcomes/mine.html", page=page, fates=mine.fates(list(page.items)))


# --- pieces other pages include -------------------------------------------------------------------


@bp.app_template_global("outcome_section")
def outcome_section(process: Process, gate=None) -> Markup:
    """The process page's outcome: the promise beside what happened, the published outcome, the
    council's decisions and its members' statements (internal readers see them before)."""
    if process.is_draft:
        return Markup("")
    outcome = services.outcome_of(process)
    published = outcome is not None and outcome.is_published
    internal = can("process.read_report", process)
    now = utcnow()
    # over: a participation phase took place and none runs or lies ahead
    participation_over = (
        process.last_participation_phase(now) is not None
        and process.open_participation_phase(now) is None
        and process.next_participation_phase(now) is None
    )
    decisions = services.decisions_of(process) if (published or internal) else []
    if not (published or internal or participation_over):
        return Markup("")
    process_decisions = [d for d in decisions if d.proposal_id is None]
    return Markup(  # noqa: S704  a rendered, autoescaped template
        render_template(
            "outcomes/_process_section.html",
            process=process,
            outcome=outcome,
            published=published,
            internal=internal,
            participation_over=participation_over,
            decisions=decisions,
            latest_decision=process_decisions[-1] if process_decisions else None,
            statements=services.statements_of(process) if (published or internal) else [],
            record=promise.answer_record(process, now) if participation_over else None,
        )
    )


@bp.app_template_global("proposal_outcome")
def proposal_outcome(proposal: Proposal) -> Markup:
    """On a proposal's page: the council's decisions on it and the outcome that adopts it."""
    outcome = services.published_outcome(proposal.process)
    internal = can("process.read_report", proposal.process)
    if outcome is None and not internal:
        return Markup("")
    decisions = services.decisions_on_proposals([proposal.id]).get(proposal.id, [])
    adopted = outcome is not None and proposal.id in outcome.adopted_ids
    if not decisions and not adopted:
        return Markup("")
    return Markup(  # noqa: S704  a rendered, autoescaped template
        render_template(
            "outcomes/_proposal_section.html",
            proposal=proposal,
            decisions=decisions,
            outcome=outcome,
            adopted=adopted,
            published=outcome is not None,
        )
    )


@bp.app_template_global("outcomes_admin_link")
def outcomes_admin_link(process: Process) -> Markup:
    """The back-office links to the report and to decisions and the outcome of a process."""
    if process.is_draft or not can("process.read_report", process):
        return Markup("")
    return Markup(  # noqa: S704  a rendered, autoescaped template
        render_template("outcomes/_admin_link.html", process=process)
    )
