"""Redirect targets that stay on this site."""

from __future__ import annotations

from urllib.parse import urlsplit


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
