"""A process's back office links to every format's own back office, through one registry."""

from __future__ import annotations

from app.core.roles import Role


def _admin_page(client, town, process) -> str:
    response = client.get(f"/{town.slug}/admin/processes/{process.id}/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_survey_builder_is_linked_from_the_process_back_office(
    client, login, make_municipality, make_member, make_process
):
    town = make_municipality(xss=False)
    login(client, make_member(town, Role.STAFF))
    with_surveys = make_process(town, formats=("surveys",))
    without = make_process(town, formats=("proposals",))
    assert f'href="/{town.slug}/admin/processes/{with_surveys.id}/surveys/"' in _admin_page(
        client, town, with_surveys
    )
    assert "/surveys/" not in _admin_page(client, town, without)


def test_a_domain_registers_its_link_once_and_decides_who_sees_it(app, monkeypatch):
    from markupsafe import Markup

    from app.processes import backoffice

    calls = []
    monkeypatch.setattr(backoffice, "_LINKS", {})
    monkeypatch.setattr(app.jinja_env, "globals", {})

    def render(process):
        calls.append(process)
        return Markup("") if process == "hidden" else Markup("<p>link</p>")

    backoffice.register_back_office_link("test-domain", render)
    backoffice.register_back_office_link("test-domain", lambda process: Markup("twice"))
    with app.test_request_context():
        assert backoffice.back_office_links("shown") == [Markup("<p>link</p>")]
        assert backoffice.back_office_links("hidden") == []
    assert calls == ["shown", "hidden"]
