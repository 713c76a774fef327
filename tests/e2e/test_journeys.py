"""Every demo role logs in through the form, finds its way around Musterstadt and logs out again.

Each journey runs twice: with JavaScript and without, because every page has to work without it.
What a role sees is checked both ways: the links it may follow are there and work, the ones it may
not follow are missing, and typing their address gets 403. Addresses that are only checked for their
status are fetched with the page's own session (``page.request``) instead of being rendered.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from e2e_support import DEMO_PASSWORD, E2E_MARKS, ROLES, DemoRole, log_in
from playwright.sync_api import expect

pytestmark = E2E_MARKS

JS_MODES = [pytest.param(True, id="js"), pytest.param(False, id="nojs")]


@pytest.fixture(scope="module")
def role_label(live_server):
    """The role badge text as the app renders it (German, the default locale)."""
    from app.core.roles import Role

    def label(value: str) -> str:
        with live_server.app.test_request_context("/"):
            return Role(value).label

    return label


def _header_link(page, href: str):
    """The header link to ``href``; the login link carries the page to come back to (``?next=``)."""
    return page.locator(f'header a[href="{href}"], header a[href^="{href}?"]')


def _assert_logged_in(page, role: DemoRole) -> None:
    account = _header_link(page, "/account")
    assert account.count() == 1, "no 'My account' link in the header after login"
    assert role.name in account.text_content(), "the account link should name the person"
    expect(page.locator('header form[action="/logout"] [type=submit]')).to_be_visible()
    assert _header_link(page, "/login").count() == 0


def _status(page, path: str) -> int:
    """The status ``path`` answers in this browser session, without following redirects."""
    return page.request.get(path, max_redirects=0).status


def _assert_logged_out(page) -> None:
    expect(_header_link(page, "/login")).to_be_visible()
    assert page.locator('header form[action="/logout"]').count() == 0


@pytest.mark.parametrize("javascript", JS_MODES)
@pytest.mark.parametrize("role", ROLES, ids=[role.key for role in ROLES])
def test_demo_role_logs_in_navigates_and_logs_out(
    new_context, role: DemoRole, javascript: bool, role_label
):
    page = new_context(javascript=javascript).new_page()

    log_in(page, role.email)
    assert urlsplit(page.url).path == "/", "login without ?next= should land on the start page"
    _assert_logged_in(page, role)
    assert role.name in page.locator("main .flashes").inner_text(), "no welcome message"

    # The municipality page: membership badge or join button, and the navigation this role gets.
    response = page.goto("/musterstadt/")
    assert response.status == 200
    assert page.locator("h1").inner_text() == "Musterstadt"
    if role.home == "musterstadt":
        assert page.locator("main .badge-role").inner_text() == role_label(role.role)
    else:
        expect(page.locator('main form[action="/musterstadt/join"] [type=submit]')).to_be_visible()
    backoffice_link = _header_link(page, "/musterstadt/admin/")
    assert backoffice_link.count() == (1 if role.backoffice else 0)
    assert _header_link(page, "/platform/municipalities").count() == (
        1 if role.platform_admin else 0
    )

    # The back office: reached by its link where allowed, 403 by address where not.
    if role.backoffice:
        with page.expect_navigation():
            backoffice_link.click()
        assert page.url.endswith("/musterstadt/admin/")
        assert "Musterstadt" in page.locator("h1").inner_text()
        members_link = page.locator('main a[href="/musterstadt/admin/members"]')
        assert members_link.count() == (1 if role.manage_members else 0)
        if role.manage_members:
            with page.expect_navigation():
                members_link.click()
            assert page.url.endswith("/musterstadt/admin/members")
            members = page.locator("main").inner_text()
            for email in ("verwaltung@musterstadt.example", "buerger@musterstadt.example"):
                assert email in members
            assert "beispielheim.example" not in members, "another municipality's members leak"
    else:
        assert _status(page, "/musterstadt/admin/") == 403
    if not role.manage_members:
        assert _status(page, "/musterstadt/admin/members") == 403

    # Beispielheim's people find their own municipality (and its back office, for staff).
    if role.home == "beispielheim":
        assert page.goto("/beispielheim/").status == 200
        assert page.locator("main .badge-role").inner_text() == role_label(role.role)
        is_staff = role.role == "staff"
        assert _header_link(page, "/beispielheim/admin/").count() == (1 if is_staff else 0)
        assert _status(page, "/beispielheim/admin/") == (200 if is_staff else 403)

    # The platform administration is for platform admins only.
    if role.platform_admin:
        with page.expect_navigation():
            _header_link(page, "/platform/municipalities").click()
        assert page.locator('main a[href="/musterstadt/"]').count() == 1
        assert page.locator('main a[href="/beispielheim/"]').count() == 1
    else:
        assert _status(page, "/platform/municipalities") == 403

    # Log out with the header button (on whatever page we are); the session is really gone.
    with page.expect_navigation():
        page.locator('header form[action="/logout"] [type=submit]').click()
    _assert_logged_out(page)
    assert page.locator("main .flashes").count() == 1, "no logout confirmation"
    account = page.request.get("/account", max_redirects=0)
    assert account.status == 302 and "/login" in account.headers["location"], (
        "the account page is still reachable after logout"
    )


@pytest.mark.parametrize("javascript", JS_MODES)
def test_anonymous_visitor_is_sent_to_login_for_member_pages(new_context, javascript: bool):
    page = new_context(javascript=javascript).new_page()
    assert page.goto("/").status == 200
    _assert_logged_out(page)
    with page.expect_navigation():
        page.locator('main a[href="/musterstadt/"]').click()
    assert page.locator("h1").inner_text() == "Musterstadt"
    assert _header_link(page, "/musterstadt/admin/").count() == 0
    page.goto("/musterstadt/admin/")
    assert "/login" in page.url and "next=" in page.url
    # Logging in from there leads back to the page that was asked for, then 403 for a citizen.
    page.fill("input[name=email]", "buerger@musterstadt.example")
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation() as navigation:
        page.locator("main form [type=submit]").click()
    assert page.url.endswith("/musterstadt/admin/")
    assert navigation.value.status == 403


def test_wrong_password_is_refused_with_an_error_bound_to_the_field(new_context):
    page = new_context().new_page()
    page.goto("/login")
    page.fill("input[name=email]", "buerger@musterstadt.example")
    page.fill("input[name=password]", "not-the-password")
    with page.expect_navigation():
        page.locator("main form [type=submit]").click()
    assert "/login" in page.url
    password = page.locator("input[name=password]")
    assert password.get_attribute("aria-invalid") == "true"
    described = password.get_attribute("aria-describedby") or ""
    expect(described and page.locator(f"#{described.split()[-1]}")).to_be_visible()
    _assert_logged_out(page)
