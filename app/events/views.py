"""Event pages (``/<slug>/processes/<process_slug>/events/...``), calendar feeds, the easy-read
page, and the back office of events, registrants, documentation and on-site input
(``/<slug>/admin/processes/<id>/...``). Views parse, call a service, render; one commit a request.
"""

from __future__ import annotations

import csv
import io
from contextlib import suppress

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import format_datetime, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from app.contributions.models import Channel
from app.contributions.services import AlreadyWritten
from app.core import uploads
from app.core.forms import ConfirmForm
from app.core.permissions import can, require
from app.core.time import utcnow
from app.events import calendar, mails, onsite, paper, services
from app.events.forms import (
    BulkForm,
    CancelEventForm,
    EasyReadForm,
    EventForm,
    ImportForm,
    PhotoForm,
    ProtocolForm,
)
from app.events.models import OnsiteEvent, RegistrationMode
from app.extensions import db
from app.municipalities.tenancy import current_municipality, tenant_blueprint
from app.processes.forms import local_to_utc, utc_to_local
from app.processes.loading import managed_process, visible_process
from app.processes.models import Process
from app.processes.services import rich_text, rich_text_for_editing

bp = tenant_blueprint(Blueprint("events", __name__, url_prefix="/<slug>"))


def _page(template: str, **context) -> str:
    """Render with the municipality every layout of this domain shows."""
    return render_template(template, municipality=current_municipality(), **context)


# --- loading ------------------------------------------------------------------------------------


def _visible_event(process_slug: str, event_id: int) -> tuple[Process, OnsiteEvent]:
    process = visible_process(process_slug)
    event = services.get_event(process, event_id)
    if event is None:
        abort(404)
    return process, event


def _managed_process(process_id: int) -> Process:
    return managed_process(process_id, then="event.manage")


def _managed_event(process_id: int, event_id: int) -> tuple[Process, OnsiteEvent]:
    process = _managed_process(process_id)
    event = services.get_event(process, event_id)
    if event is None:
        abort(404)
    return process, event


# --- public pages -------------------------------------------------------------------------------


@bp.get("/processes/<process_slug>/events/")
def index(process_slug: str):
    process = visible_process(process_slug)
    now = utcnow()
    events = services.events_of(process)
    return _page(
        "events/index.html",
        process=process,
        now=now,
        upcoming=[e for e in events if not e.is_past(now)],
        past=[e for e in events if e.is_past(now)],
    )


@bp.get("/processes/<process_slug>/events/<int:event_id>")
def show(process_slug: str, event_id: int):
    process, event = _visible_event(process_slug, event_id)
    now = utcnow()
    return _page(
        "events/show.html",
        process=process,
        event=event,
        now=now,
        registration=services.registration_of(event, current_user),
        refusal=services.registration_refusal(event, current_user, now),
        form=ConfirmForm(),
        entry_count=onsite.count_for_event(event),
    )


@bp.post("/processes/<process_slug>/events/<int:event_id>/register")
def register(process_slug: str, event_id: int):
    process, event = _visible_event(process_slug, event_id)
    require("event.register", event)
    target = url_for(".show", process_slug=process.slug, event_id=event.id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        registration, made = services.enrol(event, current_user)
    except services.EventError as exc:
        flash(str(exc), "error")
        return redirect(target)
    if made:  # a second click, also one sent at the same moment, confirms nothing new
        mails.send_registered(registration)
    db.session.commit()
    if registration.status.value == "waiting":
        flash(_("The event is fully booked: you are on the waiting list."), "info")
    else:
        flash(_("You are registered. A confirmation is on its way by e-mail."), "success")
    return redirect(target)


@bp.post("/processes/<process_slug>/events/<int:event_id>/cancel")
@login_required
def cancel(process_slug: str, event_id: int):
    process, event = _visible_event(process_slug, event_id)
    registration = services.registration_of(event, current_user)
    if registration is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    for promoted in services.cancel(registration):
        mails.send_moved_up(promoted)
    db.session.commit()
    flash(_("Your registration is cancelled."), "success")
    return redirect(url_for(".show", process_slug=process.slug, event_id=event.id))


def _ics(name: str, events: list[OnsiteEvent], filename: str) -> Response:
    return Response(
        calendar.feed(name, events),
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'inline; filename="{filename}.ics"',
            "Cache-Control": "public, max-age=900",
        },
    )


@bp.get("/processes/<process_slug>/events.ics")
def process_feed(process_slug: str):
    process = visible_process(process_slug)
    return _ics(process.title, services.events_of(process), f"veranstaltungen-{process.slug}")


@bp.get("/events.ics")
def municipality_feed():
    municipality = current_municipality()
    return _ics(
        municipality.name,
        services.public_events(municipality),
        f"veranstaltungen-{municipality.slug}",
    )


@bp.get("/events/photos/<int:photo_id>")
def photo(photo_id: int):
    found = services.get_photo(current_municipality(), photo_id)
    if found is None or not can("event.view", found.event):
        abort(404)
    return send_from_directory(uploads.upload_root(), found.image_key, max_age=3600)


@bp.get("/processes/<process_slug>/leichte-sprache")
def easy_read(process_slug: str):
    process = visible_process(process_slug)
    summary = services.easy_read_of(process)
    if summary is None:
        abort(404)
    return _page("events/easy_read.html", process=process, summary=summary)


# --- back office: events ------------------------------------------------------------------------


def _event_data(form: EventForm) -> services.EventData:
    return services.EventData(
        title=form.title.data or "",
        description=rich_text(form.description.data),
        starts_at=local_to_utc(form.starts_at.data),
        ends_at=local_to_utc(form.ends_at.data),
        address=form.address.data or "",
        latitude=form.latitude.data,
        longitude=form.longitude.data,
        accessibility=form.accessibility.data or "",
        online_url=form.online_url.data or "",
        registration=RegistrationMode(form.registration.data),
        capacity=form.capacity.data,
    )


@bp.get("/admin/processes/<int:process_id>/events/")
def admin_index(process_id: int):
    process = _managed_process(process_id)
    events = services.events_of(process)
    return _page(
        "events/admin/index.html",
        process=process,
        events=events,
        undeletable=services.undeletable_ids(events),
        now=utcnow(),
        entries=onsite.entries_of(process, limit=20),
        surveys=paper.printable_surveys(process),
    )


def _event_form_page(
    process: Process, form: EventForm, event: OnsiteEvent | None, status: int = 200
):
    return _page("events/admin/form.html", process=process, form=form, event=event), status


def _save_event(process: Process, form: EventForm, event: OnsiteEvent | None):
    if not form.validate_on_submit():
        return _event_form_page(process, form, event, 422 if request.method == "POST" else 200)
    try:
        if event is None:
            promoted = []
            # the same event sent twice: answered as the first (the one it names stands)
            with suppress(AlreadyWritten):
                event = services.create_event(process, current_user, _event_data(form))
        else:
            promoted = services.update_event(event, _event_data(form))
    except services.EventError as exc:
        if exc.field and exc.field in form:
            form[exc.field].errors = [*form[exc.field].errors, str(exc)]
        else:
            flash(str(exc), "error")
        return _event_form_page(process, form, event, 422)
    for registration in promoted:
        mails.send_moved_up(registration)
    db.session.commit()
    flash(_("The event has been saved."), "success")
    return redirect(url_for(".admin_index", process_id=process.id))


@bp.route("/admin/processes/<int:process_id>/events/new", methods=["GET", "POST"])
def admin_new(process_id: int):
    process = _managed_process(process_id)
    return _save_event(process, EventForm(), None)


@bp.route("/admin/processes/<int:process_id>/events/<int:event_id>/edit", methods=["GET", "POST"])
def admin_edit(process_id: int, event_id: int):
    process, event = _managed_event(process_id, event_id)
    form = EventForm()
    if request.method == "GET":
        form = EventForm(
            formdata=None,
            obj=event,
            starts_at=utc_to_local(event.starts_at),
            ends_at=utc_to_local(event.ends_at),
            description=rich_text_for_editing(event.description),
            registration=event.registration.value,
        )
    return _save_event(process, form, event)


@bp.route("/admin/processes/<int:process_id>/events/<int:event_id>/cancel", methods=["GET", "POST"])
def admin_cancel(process_id: int, event_id: int):
    """Call an event off with a reason: a confirmation page first, then the mails."""
    process, event = _managed_event(process_id, event_id)
    back = redirect(url_for(".admin_index", process_id=process.id))
    if not can("event.cancel", event):  # cancelled already, or over
        flash(_("This event can no longer be cancelled."), "error")
        return back
    form = CancelEventForm()
    if form.validate_on_submit():
        try:
            told = services.cancel_event(event, current_user, form.reason.data)
        except services.EventError as exc:
            if exc.field == "reason":
                form.reason.errors = [*form.reason.errors, str(exc)]
            else:
                flash(str(exc), "error")
                return back
        else:
            for registration in told:
                mails.send_cancelled(registration)
            db.session.commit()
            flash(
                ngettext(
                    "The event has been cancelled; %(num)d person is being told by e-mail.",
                    "The event has been cancelled; %(num)d people are being told by e-mail.",
                    len(told),
                ),
                "success",
            )
            return back
    status = 422 if request.method == "POST" else 200
    return _page(
        "events/admin/cancel.html",
        process=process,
        event=event,
        form=form,
        told=services.to_tell_count(event),
    ), status


@bp.route("/admin/processes/<int:process_id>/events/<int:event_id>/delete", methods=["GET", "POST"])
def admin_delete(process_id: int, event_id: int):
    """Delete an event nobody registered for: a confirmation page first (the action is final)."""
    process, event = _managed_event(process_id, event_id)
    require("event.delete", event)
    form = ConfirmForm()
    refusal = services.deletion_refusal(event)
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if refusal is None:
            title = event.title
            services.delete_event(event, current_user)
            db.session.commit()
            flash(_("The event “%(title)s” has been deleted.", title=title), "success")
            return redirect(url_for(".admin_index", process_id=process.id))
        status = 409
    return _page(
        "events/admin/delete.html", process=process, event=event, form=form, refusal=refusal
    ), status


@bp.get("/admin/processes/<int:process_id>/events/<int:event_id>/registrants")
def admin_registrants(process_id: int, event_id: int):
    process, event = _managed_event(process_id, event_id)
    return _page(
        "events/admin/registrants.html",
        process=process,
        event=event,
        registrants=services.registrants(event),
    )


def _csv_cell(value: str) -> str:
    """Cells a spreadsheet would run as a formula get a leading apostrophe."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@bp.get("/admin/processes/<int:process_id>/events/<int:event_id>/registrants.csv")
def admin_registrants_csv(process_id: int, event_id: int):
    _process, event = _managed_event(process_id, event_id)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([_("Name"), _("E-mail address"), _("Status"), _("Registered on")])
    for registration in services.registrants(event):
        writer.writerow(
            [
                _csv_cell(registration.user.display_name),
                _csv_cell(registration.user.email),
                registration.status.label,
                format_datetime(registration.queued_at, "short"),
            ]
        )
    services.record_export(current_user, event)
    db.session.commit()
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="anmeldungen-{event.id}.csv"',
            "Cache-Control": "no-store",
        },
    )


# --- back office: documentation -----------------------------------------------------------------


def _documentation_page(process, event, protocol_form, photo_form, status: int = 200):
    return (
        _page(
            "events/admin/documentation.html",
            process=process,
            event=event,
            protocol_form=protocol_form,
            photo_form=photo_form,
            delete_form=ConfirmForm(),
        ),
        status,
    )


@bp.route(
    "/admin/processes/<int:process_id>/events/<int:event_id>/documentation",
    methods=["GET", "POST"],
)
def admin_documentation(process_id: int, event_id: int):
    process, event = _managed_event(process_id, event_id)
    form = ProtocolForm()
    if request.method == "GET":
        form = ProtocolForm(formdata=None, protocol=rich_text_for_editing(event.protocol))
    elif form.validate_on_submit():
        services.save_protocol(event, rich_text(form.protocol.data))
        db.session.commit()
        flash(_("The protocol has been saved."), "success")
        return redirect(url_for(".admin_documentation", process_id=process.id, event_id=event.id))
    else:
        return _documentation_page(process, event, form, PhotoForm(formdata=None), 422)
    return _documentation_page(process, event, form, PhotoForm(formdata=None))


@bp.post("/admin/processes/<int:process_id>/events/<int:event_id>/photos")
def admin_add_photo(process_id: int, event_id: int):
    process, event = _managed_event(process_id, event_id)
    form = PhotoForm()
    protocol_form = ProtocolForm(formdata=None, protocol=rich_text_for_editing(event.protocol))
    if not form.validate_on_submit():
        return _documentation_page(process, event, protocol_form, form, 422)
    try:
        services.add_photo(event, form.photo.data.stream, form.alt.data, form.caption.data or "")
    except services.EventError as exc:
        form.photo.errors = [str(exc)]
        return _documentation_page(process, event, protocol_form, form, 422)
    db.session.commit()
    flash(_("The photo has been added."), "success")
    return redirect(url_for(".admin_documentation", process_id=process.id, event_id=event.id))


@bp.post("/admin/processes/<int:process_id>/events/<int:event_id>/photos/<int:photo_id>/delete")
def admin_delete_photo(process_id: int, event_id: int, photo_id: int):
    process, event = _managed_event(process_id, event_id)
    found = services.get_photo(current_municipality(), photo_id)
    if found is None or found.event_id != event.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.delete_photo(current_user, found)
    db.session.commit()
    flash(_("The photo has been removed."), "success")
    return redirect(url_for(".admin_documentation", process_id=process.id, event_id=event.id))


# --- back office: on-site input -----------------------------------------------------------------


def _origin_choices(process: Process) -> list[SelectChoice]:
    choices = [SelectChoice("", _("Please choose"))]
    for event in services.events_of(process):
        choices.append(SelectChoice(f"event-{event.id}", onsite.origin_label(Channel.EVENT, event)))
    choices += [
        SelectChoice(Channel.LETTER.value, _("by letter")),
        SelectChoice(Channel.PHONE.value, _("by phone")),
        SelectChoice(Channel.PAPER.value, _("on a paper form")),
    ]
    return choices


def _origin(process: Process, value: str, note: str) -> onsite.Origin | None:
    if value.startswith("event-") and value[6:].isdigit():
        event = services.get_event(process, int(value[6:]))
        return onsite.Origin(Channel.EVENT, event, note) if event else None
    if value in (Channel.LETTER, Channel.PHONE, Channel.PAPER):
        return onsite.Origin(Channel(value), None, note)
    return None


@bp.route("/admin/processes/<int:process_id>/onsite", methods=["GET", "POST"])
def admin_onsite(process_id: int):
    """The bulk form: many cards at once, all saved or none."""
    process = _managed_process(process_id)
    form = BulkForm()
    form.origin.choices = _origin_choices(process)
    if request.method == "GET" and request.args.get("event"):
        form.origin.data = f"event-{request.args['event']}"
    wanted = min(request.args.get("cards", default=0, type=int) or 0, form.cards.max_entries)
    while request.method == "GET" and len(form.cards) < wanted:
        form.cards.append_entry()
    cards: list[onsite.Card] = []
    if form.validate_on_submit():
        origin = _origin(process, form.origin.data, form.note.data or "")
        for entry in form.cards:
            card = onsite.Card(entry.kind.data or "", entry.title.data or "", entry.text.data or "")
            if card.title or card.text:
                cards.append(onsite.check_card(card))
                entry.form.text.errors = list(card.errors)
        if origin is None:
            form.origin.errors = [_("Please choose where the input comes from.")]
        elif not cards:
            flash(_("Please fill in at least one card."), "error")
        elif not any(card.errors for card in cards):
            try:
                count = onsite.enter_cards(process, current_user, origin, cards)
            except AlreadyWritten as repeat:  # the batch sent twice: answered as the first
                count = repeat.existing
            db.session.commit()
            flash(
                ngettext(
                    "%(num)d contribution has been saved.",
                    "%(num)d contributions have been saved.",
                    count,
                ),
                "success",
            )
            return redirect(url_for(".admin_index", process_id=process.id))
    status = 422 if request.method == "POST" else 200
    return _page("events/admin/onsite.html", process=process, form=form), status


@bp.route("/admin/processes/<int:process_id>/onsite/import", methods=["GET", "POST"])
def admin_import(process_id: int):
    """CSV import: a preview with every row's errors first; saving parses the same text again."""
    process = _managed_process(process_id)
    form = ImportForm()
    form.origin.choices = _origin_choices(process)
    cards: list[onsite.Card] = []
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            text = form.csv_text.data or ""
            if form.file.data:
                raw = form.file.data.read()
                try:
                    text = raw.decode("utf-8-sig")
                except UnicodeDecodeError:
                    text = raw.decode("cp1252", errors="replace")
            cards, problems = onsite.parse_csv(text)
            form.csv_text.data = text
            origin = _origin(process, form.origin.data, form.note.data or "")
            if origin is None:
                form.origin.errors = [_("Please choose where the input comes from.")]
            elif form.save.data and cards and not problems and not any(c.errors for c in cards):
                try:
                    count = onsite.enter_cards(process, current_user, origin, cards)
                except AlreadyWritten as repeat:  # the file saved twice: answered as the first
                    count = repeat.existing
                db.session.commit()
                flash(
                    ngettext(
                        "%(num)d contribution has been saved.",
                        "%(num)d contributions have been saved.",
                        count,
                    ),
                    "success",
                )
                return redirect(url_for(".admin_index", process_id=process.id))
            elif not problems and cards and not any(c.errors for c in cards):
                status = 200
    return (
        _page(
            "events/admin/import.html",
            process=process,
            form=form,
            cards=cards,
            problems=problems,
            has_errors=bool(problems) or any(c.errors for c in cards),
        ),
        status,
    )


# --- back office: Leichte Sprache ---------------------------------------------------------------


@bp.route("/admin/processes/<int:process_id>/leichte-sprache", methods=["GET", "POST"])
def admin_easy_read(process_id: int):
    process = _managed_process(process_id)
    summary = services.easy_read_of(process)
    form = EasyReadForm()
    if request.method == "GET" and summary is not None:
        form = EasyReadForm(formdata=None, body=summary.body, promise=summary.promise)
    if form.validate_on_submit():
        services.save_easy_read(process, current_user, form.body.data, form.promise.data or "")
        db.session.commit()
        flash(_("The text in Leichte Sprache has been saved."), "success")
        return redirect(url_for(".easy_read", process_slug=process.slug))
    status = 422 if request.method == "POST" else 200
    return _page("events/admin/easy_read.html", process=process, form=form), status


# --- pieces other pages include -----------------------------------------------------------------


@bp.app_template_global("event_section")
def event_section(process: Process) -> Markup:
    """The process page's events (on its timeline) and the calendar feed link."""
    if not can("event.view", process):
        return Markup("")
    events = services.events_of(process)
    manage = can("event.manage", process)
    if not events and not manage:
        return Markup("")
    return Markup(  # noqa: S704  a rendered, autoescaped template
        _page(
            "events/_process_section.html",
            process=process,
            events=events,
            now=utcnow(),
            manage=manage,
        )
    )


@bp.app_template_global("easy_read_link")
def easy_read_link(process: Process) -> Markup:
    """The link from the process header to its page in Leichte Sprache, where there is one."""
    if services.easy_read_of(process) is None:
        return Markup("")
    return Markup(  # noqa: S704  a rendered, autoescaped template
        _page("events/_easy_read_link.html", process=process)
    )


@bp.app_template_global("onsite_origin")
def onsite_origin(contribution) -> str:
    """The source line of a contribution entered on behalf of participants ("" for online)."""
    return onsite.origin_of(contribution) or ""


@bp.app_template_global("events_admin_link")
def events_admin_link(process: Process) -> Markup:
    """On the process's back-office page: the way to its events and on-site input."""
    if not can("event.manage", process):
        return Markup("")
    return Markup(  # noqa: S704  a rendered, autoescaped template
        render_template("events/admin/_link.html", process=process)
    )


# --- back office: paper forms -------------------------------------------------------------------


@bp.get("/admin/processes/<int:process_id>/paper.pdf")
def admin_paper_pdf(process_id: int):
    """The process's questions and its published surveys as a form to print and fill in."""
    process = _managed_process(process_id)
    return Response(
        paper.to_pdf(process, paper.printable_surveys(process)),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="papierbogen-{process.slug}.pdf"'},
    )


def _paper_survey(process: Process, survey_id: int):
    survey = next((s for s in paper.printable_surveys(process) if s.id == survey_id), None)
    if survey is None:
        abort(404)
    return survey


@bp.route(
    "/admin/processes/<int:process_id>/surveys/<int:survey_id>/paper", methods=["GET", "POST"]
)
def admin_paper_entry(process_id: int, survey_id: int):
    """Type in one filled-in paper form; the survey's own rules check the answers."""
    from app.surveys import forms as survey_forms
    from app.surveys import services as survey_services

    process = _managed_process(process_id)
    survey = _paper_survey(process, survey_id)
    form = survey_forms.answer_form(survey)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                paper.enter_paper_response(
                    survey, current_user, form.submitted(), request.form.get("note", "")
                )
            except survey_services.AnswersInvalid as exc:
                form.attach(exc.errors)
            else:
                db.session.commit()
                flash(_("The paper form has been entered."), "success")
                return redirect(
                    url_for(".admin_paper_entry", process_id=process.id, survey_id=survey.id)
                )
    return _page(
        "events/admin/paper_entry.html",
        process=process,
        survey=survey,
        form=form,
        counts=survey_services.response_counts([survey.id]),
        # what the surveys' answer macros ask of their own pages' context
        anchor_name=survey_forms.anchor_name,
        anchor_id=survey_forms.anchor_id,
        rank_name=survey_forms.rank_name,
        short_max=survey_services.SHORT_TEXT_MAX,
        long_max=survey_services.LONG_TEXT_MAX,
    ), status
