from __future__ import annotations

from collections.abc import Callable

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_login.config import COOKIE_NAME as REMEMBER_COOKIE_NAME

from app.accounts import services
from app.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    DeleteAccountForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegistrationForm,
    ResetPasswordForm,
)
from app.accounts.models import User
from app.core.forms import ConfirmForm
from app.core.ratelimit import account_key, signed_in_key
from app.core.tokens import InvalidToken
from app.core.urls import safe_next
from app.extensions import db, limiter, login_manager

bp = Blueprint("accounts", __name__)


def _per_ip() -> str:
    return current_app.config["AUTH_RATE_LIMIT_PER_IP"]


def _per_account() -> str:
    return current_app.config["AUTH_RATE_LIMIT_PER_ACCOUNT"]


def rate_limited(view):
    """Limit POSTs of an auth form per client IP and per e-mail address named in it."""
    view = limiter.limit(_per_account, key_func=account_key, methods=["POST"])(view)
    return limiter.limit(_per_ip, methods=["POST"])(view)


def password_checked(view: Callable) -> Callable:
    """Limit guesses at the current password per account, so a stolen session cannot try many."""
    return limiter.limit(_per_account, key_func=signed_in_key, methods=["POST"])(view)


@login_manager.user_loader
def load_user(session_key: str) -> User | None:
    user_id, _sep, version = session_key.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = services.load_logged_in(int(user_id))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


def _clear_session() -> None:
    """Empty the session of everything but the visitor's language choice."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _start_session(user: User, remember: bool = False) -> None:
    """Log in with a fresh session, so no data (or CSRF token) from before login carries over."""
    _clear_session()
    login_user(user, remember=remember)


def _end_session() -> None:
    """Log out here: the session is emptied first, because ``logout_user`` leaves a note in it
    that tells Flask-Login to delete the remember cookie with this response."""
    _clear_session()
    logout_user()


def _remembered_here() -> bool:
    """Whether this browser was told to stay logged in, so a fresh session can keep that promise."""
    name = current_app.config.get("REMEMBER_COOKIE_NAME", REMEMBER_COOKIE_NAME)
    return name in request.cookies


def _check_email_page():
    return render_template("accounts/check_email.html")


@bp.route("/register", methods=["GET", "POST"])
@rate_limited
def register():
    next_url = safe_next(request.args.get("next"), "") or None  # where they were, for after login
    if current_user.is_authenticated:
        return redirect(next_url or url_for("site.home"))
    form = RegistrationForm()
    if form.validate_on_submit():
        user = services.register(
            form.email.data,
            form.display_name.data,
            form.password.data,
            email_notifications=form.email_notifications.data,
            next_url=next_url,
        )
        if user is not None:
            user.locale = str(get_locale())  # mails (notifications) follow the language
        db.session.commit()
        return _check_email_page()
    return render_template("accounts/register.html", form=form), 422 if form.errors else 200


@bp.get("/verify/<token>")
def verify(token: str):
    next_url = safe_next(request.args.get("next"), "") or None  # the page they registered from
    try:
        services.verify_email(token)
    except InvalidToken:
        flash(
            _("This confirmation link is invalid or has expired. Log in to get a new one."), "error"
        )
        return redirect(url_for(".profile" if current_user.is_authenticated else ".login"))
    db.session.commit()
    flash(_("Thank you, your e-mail address is confirmed. You can log in now."), "success")
    if current_user.is_authenticated:
        return redirect(next_url or url_for(".profile"))
    return redirect(url_for(".login", next=next_url))


@bp.route("/login", methods=["GET", "POST"])
@rate_limited
def login():
    next_url = safe_next(request.args.get("next"), url_for("site.home"))
    if current_user.is_authenticated:
        return redirect(next_url)
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("E-mail address or password is wrong."))
        elif not user.is_verified:
            services.resend_verification(user)
            db.session.commit()
            flash(
                _("Please confirm your e-mail address first. We have sent you a new link."),
                "warning",
            )
            return redirect(url_for(".login"))
        else:
            _start_session(user, remember=form.remember.data)
            flash(_("Welcome, %(name)s!", name=user.display_name), "success")
            return redirect(next_url)
    return render_template("accounts/login.html", form=form), 422 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        services.end_all_sessions(current_user)
        db.session.commit()
        _end_session()
        flash(_("You are logged out."), "success")
    return redirect(url_for("site.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@rate_limited
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        return _check_email_page()
    return render_template("accounts/forgot_password.html", form=form), 422 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@rate_limited
def reset_password(token: str):
    try:
        user = services.user_for_reset_token(token)
    except InvalidToken:
        flash(
            _("This reset link is invalid, expired or was already used. Ask for a new one."),
            "error",
        )
        return redirect(url_for(".forgot_password"))
    form = ResetPasswordForm()
    form.identity = (user.email, user.display_name)
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except InvalidToken:  # another request used the link since it was checked above
            flash(
                _("This reset link is invalid, expired or was already used. Ask for a new one."),
                "error",
            )
            return redirect(url_for(".forgot_password"))
        db.session.commit()
        flash(_("Your password has been changed. Please log in."), "success")
        return redirect(url_for(".login"))
    return render_template("accounts/reset_password.html", form=form), 422 if form.errors else 200


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(current_user, form.display_name.data)
        db.session.commit()
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for(".profile"))
    return render_template("accounts/profile.html", form=form), 422 if form.errors else 200


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@password_checked
def change_password():
    form = ChangePasswordForm()
    form.identity = (current_user.email, current_user.display_name)
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except services.WrongPassword:
            form.current_password.errors.append(_("The current password is wrong."))
        else:
            db.session.commit()
            _start_session(current_user._get_current_object(), remember=_remembered_here())
            flash(_("Your password has been changed. Other sessions were logged out."), "success")
            return redirect(url_for(".profile"))
    return render_template("accounts/change_password.html", form=form), 422 if form.errors else 200


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
@password_checked
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            services.request_email_change(current_user, form.email.data, form.current_password.data)
        except services.WrongPassword:
            form.current_password.errors.append(_("The current password is wrong."))
        except services.SameEmail:
            form.email.errors.append(_("This is already your e-mail address."))
        else:
            db.session.commit()
            flash(
                _(
                    "We have sent a confirmation link to the new address. Your address changes once "
                    "you follow it."
                ),
                "success",
            )
            return redirect(url_for(".profile"))
    return render_template("accounts/change_email.html", form=form), 422 if form.errors else 200


@bp.get("/account/email/confirm/<token>")
def confirm_email_change(token: str):
    try:
        services.confirm_email_change(token)
    except InvalidToken:
        flash(_("This confirmation link is invalid or has expired."), "error")
        return redirect(url_for("site.home"))
    db.session.commit()
    flash(_("Your new e-mail address is confirmed."), "success")
    return redirect(url_for(".profile") if current_user.is_authenticated else url_for(".login"))


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@password_checked
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            services.delete_account(current_user, form.current_password.data)
        except services.WrongPassword:
            form.current_password.errors.append(_("The current password is wrong."))
        else:
            db.session.commit()
            _end_session()
            flash(_("Your account has been deleted."), "success")
            return redirect(url_for("site.home"))
    return render_template("accounts/delete_account.html", form=form), 422 if form.errors else 200
