from __future__ import annotations

from flask_babel import gettext as _

from app.core.mail import send_mail


def send_invitation(email: str, municipality_name: str, role_label: str, link: str) -> None:
    send_mail(
        email,
        _("Invitation to %(name)s on Trialog", name=municipality_name),
        "\n\n".join(
            [
                _("Hello,"),
                _(
                    "you have been invited to take part in %(name)s on Trialog as: %(role)s.",
                    name=municipality_name,
                    role=role_label,
                ),
                _("Open this link to accept (log in or register with this e-mail address first):"),
                link,
                _("The invitation is valid for 14 days."),
            ]
        ),
    )
