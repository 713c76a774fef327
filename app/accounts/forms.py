from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, ValidationError

from app.accounts.passwords import password_problem
from app.core.forms import email_field, text_field


def _new_password(label: str = _l("Password")) -> PasswordField:
    return PasswordField(
        label,
        validators=[DataRequired(message=_l("Please choose a password."))],
        description=_l("At least 10 characters; not a commonly used password."),
        render_kw={"autocomplete": "new-password"},
    )


def _repeat_password() -> PasswordField:
    return PasswordField(
        _l("Repeat password"),
        validators=[
            DataRequired(message=_l("Please repeat the password.")),
            EqualTo("password", message=_l("The passwords do not match.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def _current_password() -> PasswordField:
    return PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Please enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )


class NewPasswordMixin:
    """Checks the ``password`` field against the password rules and the person's own data.

    Views set ``identity`` to the account's (e-mail, display name) before validating.
    """

    identity: tuple[str, str] = ("", "")

    def validate_password(self, field: PasswordField) -> None:
        email, name = self.identity
        problem = password_problem(field.data or "", email=email, display_name=name)
        if problem:
            raise ValidationError(problem)


class RegistrationForm(NewPasswordMixin, FlaskForm):
    email = email_field()
    display_name = text_field(
        _l("Display name"),
        max_length=80,
        description=_l("Shown with your contributions. You can use your real name or a nickname."),
        render_kw={"autocomplete": "nickname"},
    )
    password = _new_password()
    password_confirm = _repeat_password()
    accept_terms = BooleanField(
        _l("I accept the terms of use and the privacy policy."),
        validators=[
            DataRequired(message=_l("Please accept the terms of use and the privacy policy."))
        ],
    )
    email_notifications = BooleanField(
        _l("Send me e-mail notifications about processes I follow and take part in."),
        description=_l("Optional. You can change this at any time in your account."),
    )
    submit = SubmitField(_l("Register"))

    @property
    def identity(self) -> tuple[str, str]:
        return self.email.data or "", self.display_name.data or ""


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Please enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Stay logged in on this device"))
    submit = SubmitField(_l("Log in"))


class ForgotPasswordForm(FlaskForm):
    email = email_field()
    submit = SubmitField(_l("Send reset link"))


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    password = _new_password(_l("New password"))
    password_confirm = _repeat_password()
    submit = SubmitField(_l("Save new password"))


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = _current_password()
    password = _new_password(_l("New password"))
    password_confirm = _repeat_password()
    submit = SubmitField(_l("Change password"))


class ProfileForm(FlaskForm):
    display_name = text_field(_l("Display name"), max_length=80)
    submit = SubmitField(_l("Save"))


class ChangeEmailForm(FlaskForm):
    email = email_field(_l("New e-mail address"))
    current_password = _current_password()
    submit = SubmitField(_l("Send confirmation link"))


class DeleteAccountForm(FlaskForm):
    current_password = _current_password()
    confirm = BooleanField(
        _l("I understand that my account will be deleted and cannot be restored."),
        validators=[DataRequired(message=_l("Please confirm the deletion."))],
    )
    submit = SubmitField(_l("Delete my account"))
