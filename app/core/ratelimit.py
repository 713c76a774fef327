"""Keys for Flask-Limiter: per client IP, and per account named in a form."""

from __future__ import annotations

from flask import request

from app.core.sanitize import clean_plain


def client_ip() -> str:
    """The client address as seen after ``ProxyFix`` (configured by ``TRUST_PROXY_HOPS``)."""
    return request.remote_addr or "unknown"


def account_key() -> str:
    """Rate-limit key for the account a login, registration or reset form names.

    Requests without an e-mail share one bucket per IP so that the limit cannot be dodged by leaving
    the field empty. The address is normalised exactly as the forms and services do (``clean_plain``
    drops control characters); otherwise a control character typed into the address would open a
    fresh bucket for the same account.
    """
    email = clean_plain(request.form.get("email")).lower()
    return f"account:{email}" if email else f"account-ip:{client_ip()}"


def signed_in_key() -> str:
    """Rate-limit key for the logged-in account, whatever the form says (e.g. current-password checks)."""
    from flask_login import current_user

    return f"user:{current_user.get_id()}" if current_user.is_authenticated else client_ip()
