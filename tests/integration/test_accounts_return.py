"""After logging in or registering, people land where they were, not on the platform home."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.conftest import PASSWORD
from tests.integration.test_accounts_registration import NEW_EMAIL, registration


def _login_link(html: str, label: str) -> str:
    import re

    return re.search(rf'<a href="([^"]*)">{label}</a>', html).group(1).replace("&amp;", "&")


def test_the_header_login_and_register_links_remember_the_page(client, make_municipality):
    town = make_municipality(xss=False)
    html = client.get(f"/{town.slug}/?when=current").get_data(as_text=True)
    for label, path in (("Anmelden", "/login"), ("Registrieren", "/register")):
        link = urlsplit(_login_link(html, label))
        assert link.path == path
        assert parse_qs(link.query)["next"] == [f"/{town.slug}/?when=current"]


def test_login_lands_on_the_page_the_person_came_from(client, make_user, make_municipality):
    town = make_municipality(xss=False)
    user = make_user()
    response = client.post(
        f"/login?next=/{town.slug}/", data={"email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/{town.slug}/"


def test_login_refuses_to_send_people_to_another_site(client, make_user):
    user = make_user()
    response = client.post(
        "/login?next=https://evil.example/", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_registration_brings_people_back_through_the_confirmation_and_the_login(
    client, outbox, make_municipality
):
    town = make_municipality(xss=False)
    client.post(f"/register?next=/{town.slug}/", data=registration())
    body = outbox.body(outbox.last_to(NEW_EMAIL))
    url = urlsplit(next(word for word in body.split() if "/verify/" in word))
    link = f"{url.path}?{url.query}"
    assert parse_qs(url.query)["next"] == [f"/{town.slug}/"]
    response = client.get(link)
    assert response.headers["Location"] == f"/login?next=/{town.slug}/"
    response = client.post(
        response.headers["Location"], data={"email": NEW_EMAIL, "password": PASSWORD}
    )
    assert response.headers["Location"] == f"/{town.slug}/"
