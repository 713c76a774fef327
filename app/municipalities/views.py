"""The municipality page, joining, the back office and invitations: ``/<slug>/...``."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.core.forms import ConfirmForm
from app.core.pagination import paginate
from app.core.permissions import require
from app.core.roles import Role
from app.core.time import utcnow
from app.core.tokens import InvalidToken
from app.core.urls import public_url_for
from app.extensions import db
from app.municipalities import mails, services
from app.municipalities.forms import InviteForm, RoleChangeForm
from app.municipalities.models import MEMBER_ROLE_HELP, Membership
from app.municipalities.tenancy import current_municipality, tenant_blueprint
from app.processes import services as process_services
from app.processes.forms import ProcessFilterForm

bp = tenant_blueprint(Blueprint("municipalities", __name__, url_prefix="/<slug>"))


@bp.get("/")
def show():
    municipality = current_municipality()
    filters = ProcessFilterForm(formdata=request.args)
    # The topics are read before the list only when one was chosen (to check it); otherwise the
    # list itself tells them when it shows every process, and they are read after it if not.
    topics = None
    if request.args.get("topic"):
        topics = process_services.topics(municipality, current_user)
    _topic_choices(filters, topics or [])
    if not filters.validate():
        filters = ProcessFilterForm(formdata=None)
        _topic_choices(filters, [])
        topics = []
    when = process_services.When(filters.when.data or "")
    topic = filters.topic.data or ""
    now = utcnow()
    statement, values = process_services.listing(
        municipality, current_user, now, when, topic, cards=True
    )
    page = paginate(statement, params=values)
    if topics is None:
        everything = when == process_services.When.ALL and not topic
        topics = (
            process_services.topics_of(page.items)
            if everything and page.page == 1 and page.total == len(page.items)
            else process_services.topics(municipality, current_user)
        )
        _topic_choices(filters, topics)
    return render_template(
        "municipalities/show.html",
        municipality=municipality,
        join_form=ConfirmForm(),
        filters=filters,
        filtered=bool(filters.when.data or filters.topic.data),
        page=page,
        now=now,
    )


def _topic_choices(filters: ProcessFilterForm, topics: list[str]) -> None:
    filters.topic.choices = [SelectChoice("", _("All topics"))] + [
        SelectChoice(topic, topic) for topic in topics
    ]


@bp.post("/join")
@login_required
def join():
    municipality = current_municipality()
    if current_user.membership_in(municipality) is None:
        require("municipality.join", municipality)
        services.join(current_user, municipality)
        db.session.commit()
        flash(_("You are now a member of %(name)s.", name=municipality.name), "success")
    return redirect(url_for(".show"))


@bp.get("/admin/")
def backoffice():
    municipality = current_municipality()
    require("municipality.backoffice", municipality)
    return render_template("municipalities/admin/index.html", municipality=municipality)


def _member_or_404(membership_id: int) -> Membership:
    membership = services.get_membership(current_municipality(), membership_id)
    if membership is None:
        abort(404)
    return membership


def _members_page(invite_form: InviteForm | None = None, status: int = 200):
    municipality = current_municipality()
    page = paginate(services.members_query(municipality))
    return (
        render_template(
            "municipalities/admin/members.html",
            municipality=municipality,
            page=page,
            invite_form=invite_form or InviteForm(),
            roles=list(Role),
            role_help=MEMBER_ROLE_HELP,
        ),
        status,
    )


@bp.get("/admin/members")
def members():
    require("municipality.manage_members", current_municipality())
    return _members_page()


@bp.post("/admin/members/invite")
def invite():
    municipality = current_municipality()
    require("municipality.manage_members", municipality)
    form = InviteForm()
    if not form.validate_on_submit():
        return _members_page(form, 422)
    role = Role(form.role.data)
    _invitation, token = services.invite(current_user, municipality, form.email.data, role)
    mails.send_invitation(
        form.email.data,
        municipality.name,
        role.label,
        public_url_for("municipalities.invitation", token=token),
    )
    db.session.commit()
    flash(_("The invitation has been sent to %(email)s.", email=form.email.data), "success")
    return redirect(url_for(".members"))


@bp.post("/admin/members/<int:membership_id>/role")
def change_role(membership_id: int):
    municipality = current_municipality()
    require("municipality.manage_members", municipality)
    membership = _member_or_404(membership_id)
    form = RoleChangeForm()
    if not form.validate_on_submit():
        flash(_("Please choose a valid role."), "error")
        return redirect(url_for(".members"))
    try:
        services.change_role(current_user, membership, Role(form.role.data))
    except services.LastAdmin:
        flash(_("The last admin of a municipality cannot give up the role."), "error")
        return redirect(url_for(".members"))
    db.session.commit()
    flash(
        _(
            "%(name)s is now: %(role)s.",
            name=membership.user.display_name,
            role=membership.role.label,
        ),
        "success",
    )
    return redirect(url_for(".members"))


@bp.route("/admin/members/<int:membership_id>/remove", methods=["GET", "POST"])
def remove_member(membership_id: int):
    municipality = current_municipality()
    require("municipality.manage_members", municipality)
    membership = _member_or_404(membership_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = membership.user.display_name
        try:
            services.remove_member(current_user, membership)
        except services.LastAdmin:
            flash(_("The last admin of a municipality cannot be removed."), "error")
            return redirect(url_for(".members"))
        db.session.commit()
        flash(_("%(name)s is no longer a member.", name=name), "success")
        return redirect(url_for(".members"))
    return render_template(
        "municipalities/admin/remove_member.html",
        municipality=municipality,
        membership=membership,
        form=form,
    )


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@login_required
def invitation(token: str):
    municipality = current_municipality()
    try:
        invitation = services.invitation_for_token(municipality, token)
    except InvalidToken:
        flash(_("This invitation is invalid, expired or was already accepted."), "error")
        return redirect(url_for(".show"))
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.accept_invitation(current_user, invitation)
        except services.InvitationForOtherEmail:
            flash(
                _("This invitation was sent to another e-mail address. Log in with that address."),
                "error",
            )
            return redirect(url_for(".show"))
        except services.LastAdmin:
            flash(_("The last admin of a municipality cannot give up the role."), "error")
            return redirect(url_for(".show"))
        except InvalidToken:  # accepted by another request since it was checked above
            flash(_("This invitation is invalid, expired or was already accepted."), "error")
            return redirect(url_for(".show"))
        db.session.commit()
        flash(_("Welcome! Your role: %(role)s.", role=invitation.role.label), "success")
        return redirect(url_for(".show"))
    return render_template(
        "municipalities/invitation.html",
        municipality=municipality,
        invitation=invitation,
        form=form,
    )
