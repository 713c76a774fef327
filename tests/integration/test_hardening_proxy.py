"""Behind the reverse proxy: the client address, scheme and host come from ``X-Forwarded-*`` only
when the connection comes from a trusted proxy (``FORWARDED_ALLOW_IPS``), and then from the
right-most hop; a client that reaches gunicorn directly cannot name its own address to dodge the
per-IP limits, nor its scheme or host.

The production middleware (``app.core.proxy.init_proxy``) is installed on the test app with one
trusted hop, as ``TRUST_PROXY_HOPS=1`` does; ``REMOTE_ADDR`` plays the connecting peer. What the app
then reads as address, scheme and host is asked of the middleware with the request it hands on.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from app.core.proxy import TrustedProxyFix, init_proxy
from config import ConfigurationError, forwarded_allow_ips

PROXY = "127.0.0.1"
OUTSIDER = "192.0.2.50"  # reaches gunicorn without the proxy (it binds 0.0.0.0 by default)
LOOPBACK = forwarded_allow_ips("127.0.0.1,::1")  # the default


@pytest.fixture
def behind_proxy(app, monkeypatch) -> Iterator[None]:
    """The app as production runs it behind one proxy on the loopback."""
    monkeypatch.setitem(app.config, "TRUST_PROXY_HOPS", 1)
    monkeypatch.setitem(app.config, "FORWARDED_ALLOW_IPS", LOOPBACK)
    monkeypatch.setattr(app, "wsgi_app", app.wsgi_app)  # put back after the test
    init_proxy(app)
    yield


def seen_by_app(peer: str, headers: dict[str, str]) -> dict:
    """Address, scheme and host of the request the middleware hands to the app."""
    handed_on: list[dict] = []

    def inner(environ, start_response):
        handed_on.append(environ)
        start_response("204 No Content", [])
        return [b""]

    environ = EnvironBuilder(
        path="/",
        base_url="http://localhost",
        headers=headers,
        environ_overrides={"REMOTE_ADDR": peer},
    ).get_environ()
    TrustedProxyFix(inner, 1, LOOPBACK)(environ, lambda *args: None)
    request = Request(handed_on[0])
    return {"addr": request.remote_addr, "scheme": request.scheme, "host": request.host}


FORGED = {
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Proto": "http",
    "X-Forwarded-Host": "evil.example",
}


def test_the_proxys_headers_count_and_only_its_right_most_hop():
    headers = {
        "X-Forwarded-For": "203.0.113.99, 198.51.100.4",  # the client's own, then the proxy's
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "localhost",
    }
    assert seen_by_app(PROXY, headers) == {
        "addr": "198.51.100.4",
        "scheme": "https",
        "host": "localhost",
    }


def test_forwarded_headers_from_a_peer_that_is_no_proxy_are_ignored():
    assert seen_by_app(OUTSIDER, FORGED) == {
        "addr": OUTSIDER,
        "scheme": "http",
        "host": "localhost",
    }


def test_a_direct_client_cannot_dodge_the_login_limit_with_forged_addresses(
    app, client, behind_proxy, monkeypatch
):
    monkeypatch.setitem(app.config, "AUTH_RATE_LIMIT_PER_IP", "3 per minute")
    statuses = [
        client.post(
            "/login",
            data={"email": f"opfer{n}@example.org", "password": "wrong password!"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
            environ_overrides={"REMOTE_ADDR": OUTSIDER},
        ).status_code
        for n in range(5)
    ]
    assert statuses == [422, 422, 422, 429, 429]


def test_behind_the_proxy_each_client_has_its_own_login_limit(
    app, client, behind_proxy, monkeypatch
):
    monkeypatch.setitem(app.config, "AUTH_RATE_LIMIT_PER_IP", "3 per minute")

    def attempt(n: int, client_address: str) -> int:
        return client.post(
            "/login",
            data={"email": f"opfer{n}@example.org", "password": "wrong password!"},
            headers={"X-Forwarded-For": f"10.9.9.9, {client_address}"},  # forged, then the real
            environ_overrides={"REMOTE_ADDR": PROXY},
        ).status_code

    assert [attempt(n, "198.51.100.1") for n in range(4)] == [422, 422, 422, 429]
    assert attempt(9, "198.51.100.2") == 422  # another visitor behind the same proxy


def test_headers_from_a_peer_left_out_of_the_list_are_logged_once(caplog):
    handed_on: list[dict] = []
    fix = TrustedProxyFix(lambda environ, start: handed_on.append(environ) or [b""], 1, LOOPBACK)
    for _request in range(3):
        environ = EnvironBuilder(
            path="/", headers=FORGED, environ_overrides={"REMOTE_ADDR": "172.18.0.3"}
        ).get_environ()
        fix(environ, lambda *args: None)
    warnings = [r for r in caplog.records if r.name == "trialog.proxy"]
    assert len(warnings) == 1 and "172.18.0.3" in warnings[0].getMessage()
    assert all("HTTP_X_FORWARDED_FOR" not in environ for environ in handed_on)


@pytest.mark.parametrize("peer", ["", "::1", "::ffff:127.0.0.1"])
def test_a_unix_socket_and_the_ipv6_loopback_count_as_the_proxy(peer):
    assert seen_by_app(peer, {"X-Forwarded-For": "198.51.100.4"})["addr"] == "198.51.100.4"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1,::1", ("127.0.0.1/32", "::1/128")),
        (" 10.0.0.0/8 , 192.168.1.5", ("10.0.0.0/8", "192.168.1.5/32")),
        ("*", None),
    ],
)
def test_forwarded_allow_ips_reads_addresses_and_networks(value, expected):
    found = forwarded_allow_ips(value)
    assert (None if found is None else tuple(str(network) for network in found)) == expected


def test_a_malformed_forwarded_allow_ips_stops_the_start():
    with pytest.raises(ConfigurationError, match="FORWARDED_ALLOW_IPS"):
        forwarded_allow_ips("127.0.0.1,proxy.internal")
