"""The texts of the mails accounts send; links are absolute URLs on the configured ``PUBLIC_URL``."""

from __future__ import annotations

from flask_babel import gettext as _

from app.accounts.models import User
from app.core.mail import send_mail
from app.core.urls import public_url_for


def _greeting(user: User) -> str:
    return _("Hello %(name)s,", name=user.display_name)


def send_verification(user: User, token: str, next_url: str | None = None) -> None:
    """The confirmation link; ``next_url`` (a local path) brings them back to where they registered
    from, through the login."""
    extra = {"next": next_url} if next_url else {}
    link = public_url_for("accounts.verify", token=token, **extra)
    send_mail(
        user.email,
        _("Please confirm your e-mail address"),
        "\n\n".join(
            [
                _greeting(user),
                _("please confirm your e-mail address for Trialog by opening this link:"),
                link,
                _("The link is valid for 48 hours. If you did not register, ignore this mail."),
            ]
        ),
    )


def send_already_registered(user: User) -> None:
    send_mail(
        user.email,
        _("Registration attempt with your e-mail address"),
        "\n\n".join(
            [
                _greeting(user),
                _("someone tried to register a new account with your e-mail address."),
                _("You already have an account. If you forgot your password, reset it here:"),
                public_url_for("accounts.forgot_password"),
            ]
        ),
    )


def send_password_reset(user: User, token: str) -> None:
    send_mail(
        user.email,
        _("Reset your password"),
        "\n\n".join(
            [
                _greeting(user),
                _("you can choose a new password with this link. It works once, for one hour:"),
                public_url_for("accounts.reset_password", token=token),
                _("If you did not ask for this, ignore this mail; your password stays as it is."),
            ]
        ),
    )


def send_password_changed(user: User) -> None:
    send_mail(
        user.email,
        _("Your password was changed"),
        "\n\n".join(
            [
                _greeting(user),
                _(
                    "the password of your Trialog account was just changed and other sessions ended."
                ),
                _("If that was not you, reset your password at once:"),
                public_url_for("accounts.forgot_password"),
            ]
        ),
    )


def send_email_change(user: User, new_email: str, token: str) -> None:
    send_mail(
        new_email,
        _("Confirm your new e-mail address"),
        "\n\n".join(
            [
                _greeting(user),
                _("please confirm that this is the new e-mail address of your Trialog account:"),
                public_url_for("accounts.confirm_email_change", token=token),
            ]
        ),
    )


def send_email_changed_notice(old_email: str, user: User) -> None:
    send_mail(
        old_email,
        _("Your e-mail address was changed"),
        "\n\n".join(
            [
                _greeting(user),
                _(
                    "your Trialog account now uses a new e-mail address. If that was not you, "
                    "contact the platform team."
                ),
            ]
        ),
    )
