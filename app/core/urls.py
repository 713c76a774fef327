"""Redirect targets that stay on this site."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from flask import current_app


def is_local_path(target: str | None) -> bool:
    """True for a path on this site (``/x?y``); false for absolute, protocol-relative or odd URLs."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, fallback: str) -> str:
    return target if is_local_path(target) else fallback


def public_address(path: str) -> str:
    """A local address (``/musterstadt/...``, as ``url_for`` gives it) on the configured
    ``PUBLIC_URL``'s scheme and host: for files that leave the site, whose links must work where
    they are opened."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    return f"{base.scheme or 'https'}://{base.netloc}{path}"


def public_url_for(endpoint: str, **values: Any) -> str:
    """An absolute URL on the configured ``PUBLIC_URL``, never on the request's host.

    Links in mails must not follow a Host or X-Forwarded-Host header an attacker chose (a password
    reset link on their host hands them the account), and scheduler jobs have no request at all.
    """
    base = urlsplit(current_app.config["PUBLIC_URL"])
    anchor = values.pop("_anchor", None)
    current_app.inject_url_defaults(endpoint, values)
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme or "https"
    )
    url = adapter.build(endpoint, values, force_external=True)
    if anchor is not None:
        url += "#" + quote(str(anchor), safe="!$&'()*+,/:;=?@~-._")
    return url
