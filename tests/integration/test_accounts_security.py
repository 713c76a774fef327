"""Security rules around accounts: no user enumeration, CSRF, error pages, headers, cookies and
the production configuration."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from config import ConfigurationError, config_for
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
TOKEN = re.compile(r'(name="csrf_token" type="hidden" value=")[^"]+(")')
PER_REQUEST_HEADERS = {"date", "set-cookie", "x-ratelimit-reset", "retry-after"}


def csrf_token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = TOKEN.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(0).split('value="')[1].rstrip('"')


@pytest.fixture
def csrf(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def log_in(client, email: str, password: str = PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


# --- no user enumeration ----------------------------------------------------------------------


def comparable(response, typed_email: str) -> tuple:
    """The response with what legitimately differs (CSRF token, the typed address) blanked out."""
    body = TOKEN.sub(r"\1TOKEN\2", response.get_data(as_text=True))
    body = body.replace(typed_email, "EMAIL")
    headers = sorted(
        (name, value if name.lower() != "content-length" else "")
        for name, value in response.headers.items()
        if name.lower() not in PER_REQUEST_HEADERS
    )
    cookies = sorted(h.split("=", 1)[0] for h in response.headers.getlist("Set-Cookie"))
    return response.status_code, headers, cookies, body


def answers_for(app, path: str, form: dict, known: str, unknown: str) -> tuple[tuple, tuple]:
    """Send ``form`` once naming a known and once an unknown address, as two fresh visitors from
    two addresses (so that rate-limit counters start alike), with CSRF on."""
    answers = []
    for n, email in enumerate((known, unknown)):
        client = app.test_client()
        env = {"REMOTE_ADDR": f"198.51.100.{n}"}
        token = csrf_token(client, path)
        data = {**form, "email": email, "csrf_token": token}
        answers.append(comparable(client.post(path, data=data, environ_overrides=env), email))
    return answers[0], answers[1]


def test_registration_answers_byte_identically_for_known_and_unknown_emails(
    app, csrf, make_user, outbox
):
    owner = make_user()
    form = {
        "display_name": "Neue Person",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "accept_terms": "y",
    }
    known, unknown = answers_for(app, "/register", form, owner.email, "fremd@example.org")
    assert known == unknown
    assert known[0] == 200
    assert outbox.to(owner.email)  # the owner hears of it, by mail only
    assert outbox.to("fremd@example.org")


@pytest.mark.parametrize("verified", [True, False])
def test_failed_login_answers_byte_identically_for_known_and_unknown_emails(
    app, csrf, make_user, verified
):
    user = make_user(verified=verified)
    form = {"password": "wrong password!"}
    known, unknown = answers_for(app, "/login", form, user.email, "fremd@example.org")
    assert known == unknown
    assert known[0] == 422


def test_reset_request_answers_byte_identically_for_known_and_unknown_emails(
    app, csrf, make_user, outbox
):
    user = make_user()
    known, unknown = answers_for(app, "/password/forgot", {}, user.email, "fremd@example.org")
    assert known == unknown
    assert known[0] == 200
    assert outbox.to(user.email)
    assert not outbox.to("fremd@example.org")


def test_login_checks_a_password_hash_for_unknown_emails_too(client, make_user, monkeypatch):
    """Skipping the scrypt check for unknown addresses would let the answer time reveal accounts."""
    from app.accounts import passwords

    checked = []
    real = passwords.check_password_hash
    monkeypatch.setattr(
        passwords, "check_password_hash", lambda h, p: checked.append(h) or real(h, p)
    )
    user = make_user()
    log_in(client, user.email, "wrong password!")
    log_in(client, "fremd@example.org", "wrong password!")
    assert len(checked) == 2
    assert all(h.startswith("scrypt:") for h in checked)


# --- CSRF -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "data", "logged_in"),
    [
        ("/login", {"email": "a@example.org", "password": PASSWORD}, False),
        ("/register", {"email": "a@example.org", "display_name": "A"}, False),
        ("/password/forgot", {"email": "a@example.org"}, False),
        ("/logout", {}, True),
        ("/account", {"display_name": "Hijacked"}, True),
        ("/account/password", {"current_password": PASSWORD, "password": "x" * 12}, True),
        ("/account/email", {"email": "b@example.org", "current_password": PASSWORD}, True),
        ("/account/delete", {"current_password": PASSWORD, "confirm": "y"}, True),
    ],
)
def test_post_without_csrf_token_is_refused_with_a_readable_page(
    app, client, csrf, make_user, login, path, data, logged_in
):
    user = make_user()
    if logged_in:
        login(client, user)
    response = client.post(path, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Das Formular ist abgelaufen oder wurde von einer anderen Website gesendet." in page
    assert 'class="site-header"' in page
    if logged_in:
        assert client.get("/account").status_code == 200  # neither logged out nor deleted
        assert "Hijacked" not in client.get("/account").get_data(as_text=True)


def test_csrf_token_of_another_session_is_refused(app, csrf, make_user, login):
    victim = login(app.test_client(), make_user())
    attacker = app.test_client()
    foreign = csrf_token(attacker, "/login")
    response = victim.post("/account", data={"display_name": "Hijacked", "csrf_token": foreign})
    assert response.status_code == 400


def test_forms_work_with_their_own_csrf_token(app, client, csrf, make_user):
    user = make_user()
    response = log_in(client, user.email, csrf_token=csrf_token(client, "/login"))
    assert response.status_code == 302
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    assert response.status_code == 302
    assert client.get("/account").status_code == 302


def test_login_replaces_the_csrf_token_of_the_anonymous_session(app, client, csrf, make_user):
    user = make_user()
    before = csrf_token(client, "/login")
    log_in(client, user.email, csrf_token=before)
    response = client.post("/account", data={"display_name": "X", "csrf_token": before})
    assert response.status_code == 400


# --- error pages ------------------------------------------------------------------------------


def _trigger(code: int, app, client, make_user, login, monkeypatch):
    if code == 400:
        monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
        return client.post("/login", data={})
    if code == 403:
        login(client, make_user())
        return client.get("/platform/municipalities")
    if code == 404:
        return client.get("/gibt-es-nicht/")
    if code == 405:
        return client.put("/login")
    if code == 413:
        monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
        return client.post("/login", data={"email": "a@example.org", "password": "x" * 4096})
    if code == 429:
        monkeypatch.setitem(app.config, "AUTH_RATE_LIMIT_PER_IP", "1 per minute")
        client.post("/login", data={"email": "a@example.org", "password": "x"})
        return client.post("/login", data={"email": "a@example.org", "password": "x"})
    raise AssertionError(code)


ERROR_TITLES = {
    400: ("Ungültige Anfrage", "Bad request"),
    403: ("Zugriff verweigert", "Access denied"),
    404: ("Seite nicht gefunden", "Page not found"),
    405: ("Methode nicht erlaubt", "Method not allowed"),
    413: ("Zu groß", "Too large"),
    429: ("Zu viele Versuche", "Too many attempts"),
}


@pytest.mark.parametrize("code", list(ERROR_TITLES))
@pytest.mark.parametrize("lang", ["de", "en"])
def test_error_pages_render_in_the_layout_in_the_visitors_language(
    app, client, make_user, login, monkeypatch, code, lang
):
    if lang == "en":
        client.get("/lang/en")
    response = _trigger(code, app, client, make_user, login, monkeypatch)
    page = response.get_data(as_text=True)
    german, english = ERROR_TITLES[code]
    assert response.status_code == code
    assert response.mimetype == "text/html"
    assert f'<html lang="{lang}">' in page
    assert 'class="site-header"' in page and 'class="site-footer"' in page
    if code != 400:  # the CSRF page has its own heading text
        assert f"<h1>{german if lang == 'de' else english}</h1>" in page
    assert ("Zur Startseite" if lang == "de" else "To the start page") in page


# --- headers and cookies ----------------------------------------------------------------------


RESPONSES = {
    "page": lambda c: c.get("/login"),
    "form error": lambda c: c.post("/login", data={}),
    "redirect": lambda c: c.get("/account"),
    "not found": lambda c: c.get("/gibt-es-nicht/"),
    "static": lambda c: c.get("/static/css/app.css"),
    "json": lambda c: c.get("/healthz"),
}


@pytest.mark.parametrize("kind", list(RESPONSES))
def test_security_headers_are_on_every_response(client, kind):
    response = RESPONSES[kind](client)
    csp = dict(
        ([*part.strip().split(" ", 1), ""])[:2]
        for part in response.headers["Content-Security-Policy"].split(";")
    )
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    assert csp["script-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_contain_no_inline_script(client):
    page = client.get("/register").get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S)
    assert scripts
    assert all('src="' in attrs and not body.strip() for attrs, body in scripts)


def test_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    user = make_user()
    log_in(client, user.email, remember="y")
    for name in ("session", "remember_token"):
        cookie = client.get_cookie(name)
        assert cookie.http_only, name
        assert cookie.same_site == "Lax", name


def test_production_config_marks_cookies_secure(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-production-secret")
    monkeypatch.setenv("DATABASE_URL", "postgresql://trialog@db/trialog")
    monkeypatch.setenv("PUBLIC_URL", "https://beteiligung.example.de")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://redis.internal:6379/0")
    config = config_for("production")
    assert config.SESSION_COOKIE_SECURE is True
    assert config.REMEMBER_COOKIE_SECURE is True
    assert config.SESSION_COOKIE_HTTPONLY is True
    assert config.SESSION_COOKIE_SAMESITE == "Lax"
    assert config.SECRET_KEY == "a-production-secret"
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://trialog@db/trialog"


def test_secure_cookie_settings_reach_the_cookies(app, client, make_user, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-production-secret")
    monkeypatch.setenv("DATABASE_URL", "postgresql://trialog@db/trialog")
    monkeypatch.setenv("PUBLIC_URL", "https://beteiligung.example.de")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://redis.internal:6379/0")
    production = config_for("production")
    for name in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        monkeypatch.setitem(app.config, name, getattr(production, name))
    user = make_user()
    response = log_in(client, user.email, remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    assert {c.split("=", 1)[0] for c in cookies} >= {"session", "remember_token"}
    assert all("Secure" in c and "HttpOnly" in c and "SameSite=Lax" in c for c in cookies)


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "SECRET_KEY, DATABASE_URL, PUBLIC_URL"),
        ({"DATABASE_URL": "postgresql://db/trialog", "PUBLIC_URL": "https://x.de"}, "SECRET_KEY"),
        ({"SECRET_KEY": "s3cret", "PUBLIC_URL": "https://x.de"}, "DATABASE_URL"),
        ({"SECRET_KEY": "s3cret", "DATABASE_URL": "postgresql://db/trialog"}, "PUBLIC_URL"),
        (
            {
                "SECRET_KEY": "",
                "DATABASE_URL": "postgresql://db/trialog",
                "PUBLIC_URL": "https://x",
            },
            "SECRET_KEY",
        ),
    ],
)
def test_production_config_refuses_missing_settings(monkeypatch, env, missing):
    for name in ("SECRET_KEY", "DATABASE_URL", "PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=f"variable\\(s\\) {missing};"):
        config_for("production")


def test_production_start_without_secrets_fails_with_one_line():
    env = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL", "PUBLIC_URL"}
    }
    env["TRIALOG_CONFIG"] = "production"
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "routes"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "Trialog: Production needs the environment variable(s) SECRET_KEY, DATABASE_URL, "
        "PUBLIC_URL; refusing to start."
    ]
    assert "Traceback" not in result.stdout + result.stderr
