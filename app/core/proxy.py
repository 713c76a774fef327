"""Trusting ``X-Forwarded-*`` only from the reverse proxy, never from whoever connects.

Behind a proxy the app learns the visitor's address, scheme and host from the proxy's
``X-Forwarded-For``/``-Proto``/``-Host`` headers (``TRUST_PROXY_HOPS`` of them, the right-most
first). Werkzeug's ``ProxyFix`` believes those headers from any peer, so a client that reaches
gunicorn directly (it binds ``0.0.0.0:8000`` by default; several app servers behind a load
balancer must listen beyond the loopback) could name a fresh address on every request and so
escape every per-IP rate limit (logins, registrations, resets), or claim ``https`` it never used.

So the headers count only when the connection itself comes from a trusted proxy: an address in
``FORWARDED_ALLOW_IPS``, the list gunicorn reads for the same purpose (``*`` trusts every peer), or a
Unix socket, which only local processes reach (as gunicorn does). From any other peer they are
removed before anything reads them, and the connection's own address counts.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

# The headers ProxyFix reads, as WSGI environ keys.
FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
log = logging.getLogger("trialog.proxy")


def _is_trusted(remote_addr: str | None, allowed: Iterable[Network] | None) -> bool:
    if allowed is None:
        return True
    try:
        address = ipaddress.ip_address((remote_addr or "").strip())
    except ValueError:
        return True  # a Unix socket (gunicorn gives its path or nothing): local processes only
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in allowed)


class TrustedProxyFix:
    """``ProxyFix`` for requests from a trusted proxy; the forwarded headers of any other peer
    are dropped."""

    def __init__(self, wsgi_app, hops: int, allowed: tuple[Network, ...] | None) -> None:
        self.wsgi_app = wsgi_app
        self.allowed = allowed
        self.fixed = ProxyFix(wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
        self.warned = False

    def __call__(self, environ: dict, start_response):
        if _is_trusted(environ.get("REMOTE_ADDR"), self.allowed):
            return self.fixed(environ, start_response)
        if "HTTP_X_FORWARDED_FOR" in environ and not self.warned:
            # Once per process: a proxy left out of FORWARDED_ALLOW_IPS makes every visitor look
            # like the proxy, so all of them share one per-IP login limit.
            self.warned = True
            log.warning(
                "X-Forwarded-* headers from %s ignored: not in FORWARDED_ALLOW_IPS; if this is "
                "your reverse proxy, add its address there",
                environ.get("REMOTE_ADDR"),
            )
        for key in FORWARDED_HEADERS:
            environ.pop(key, None)
        return self.wsgi_app(environ, start_response)


def init_proxy(app: Flask) -> None:
    """Read the proxy headers of ``TRUST_PROXY_HOPS`` trusted proxies (none by default); call last
    in the factory, so that everything inside (the page cache's key above all) sees the fixed
    address, scheme and host."""
    hops = app.config["TRUST_PROXY_HOPS"]  # FORWARDED_ALLOW_IPS as parsed by config.py
    if hops:
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, hops, app.config["FORWARDED_ALLOW_IPS"])
