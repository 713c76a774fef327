"""The API reference page (/api/v1/docs): generated from the very OpenAPI document the API serves,
complete, escaped, and free of Swagger UI (which failed the accessibility crawl)."""

from __future__ import annotations

import re
from html import escape

import pytest
from markupsafe import escape as markup_escape

from app.api import reference, views
from app.core.roles import Role

API = "/api/v1"
XSS = '<script>alert("x")</script>'


def _page(client) -> str:
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_every_operation_of_the_document_is_on_the_page(client):
    spec = client.get(f"{API}/openapi.json").get_json()
    html = _page(client)
    operations = [
        (method, path)
        for path, item in spec["paths"].items()
        for method in item
        if method in reference.HTTP_METHODS
    ]
    assert len(operations) > 10  # reads and writes are documented at all
    for method, path in operations:
        heading = (
            f'<span class="method method-{method}">{method.upper()}</span> '
            f'<code class="api-path">{escape(path)}</code>'
        )
        assert html.count(heading) >= 2, (method, path)  # in the contents and as a section
    for name in spec["components"]["schemas"]:
        assert f'id="{reference.schema_anchor(name)}"' in html, name


def test_every_link_within_the_page_has_its_target(client):
    html = _page(client)
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    targets = set(re.findall(r'href="#([^"]*)"', html))
    assert targets and targets <= ids, targets - ids
    assert len(ids) == len(re.findall(r'\sid="', html)), "ids are unique"


def test_page_names_auth_rate_limit_errors_and_the_raw_document(app, client):
    html = _page(client)
    assert f'href="{API}/openapi.json"' in html
    assert 'href="/account/api-tokens"' not in html  # only for those who may hold tokens
    assert "429" in html and escape(app.config["API_RATE_LIMIT"]) in html
    # the writes say they need a token, the reads do not
    write = html.split('id="op-post-api-v1-municipalities-slug-processes"', 1)[1].split(
        "</section>"
    )[0]
    read = html.split('id="op-get-api-v1-municipalities"', 1)[1].split("</section>")[0]
    assert 'class="api-auth"' in write and 'class="api-auth"' not in read


@pytest.mark.parametrize(("role", "linked"), [(Role.STAFF, True), (Role.CITIZEN, False)])
def test_the_token_page_is_linked_for_those_who_may_hold_tokens(
    client, login, make_municipality, make_member, role, linked
):
    login(client, make_member(make_municipality(), role))
    assert ('href="/account/api-tokens"' in _page(client)) is linked


def test_no_swagger_assets_and_the_site_csp(client):
    response = client.get(f"{API}/docs")
    html = response.get_data(as_text=True)
    assert "swagger" not in html.lower()
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 404
    assert client.get("/static/js/api-docs.js").status_code == 404


def _hostile_spec() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": XSS, "version": "1", "description": XSS},
        "tags": [{"name": XSS, "description": XSS}],
        "paths": {
            "/things/{id}": {
                "parameters": [
                    {"in": "path", "name": "id", "required": True, "schema": {"type": "integer"}},
                    {"in": "query", "name": "q", "schema": {"type": "string"}},
                ],
                "get": {
                    "tags": [XSS],
                    "summary": XSS,
                    "description": XSS,
                    "parameters": [
                        {"in": "query", "name": "q", "description": XSS, "schema": {"enum": [XSS]}}
                    ],
                    "responses": {
                        "200": {
                            "description": XSS,
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/T"}}
                            },
                        },
                        "default": {"$ref": "#/components/responses/E"},
                    },
                },
            }
        },
        "components": {
            "schemas": {
                "T": {
                    "type": "object",
                    "properties": {XSS: {"type": "string", "description": XSS}},
                    "required": [XSS],
                }
            },
            "responses": {"E": {"description": XSS}},
        },
    }


def test_descriptions_from_the_document_are_escaped(client, monkeypatch):
    monkeypatch.setattr(views, "openapi_document", _hostile_spec)
    html = _page(client)
    assert XSS not in html
    assert "<script>alert" not in html
    assert str(markup_escape(XSS)) in html  # shown as text, as Jinja escapes it


def test_build_merges_parameters_and_resolves_references():
    ref = reference.build(_hostile_spec())
    (op,) = ref.operations
    params = {(p.name, p.location): p for p in op.parameters}
    assert set(params) == {("id", "path"), ("q", "query")}
    assert params[("q", "query")].description == XSS  # the operation's own wins
    assert params[("id", "path")].required
    statuses = {r.status: r for r in op.responses}
    assert list(statuses) == ["200", "default"]
    assert statuses["default"].description == XSS  # the component response, resolved
    schema = statuses["200"].body.media[0][1]
    assert schema.ref == "T" and schema.ref_anchor == "schema-t"
    assert not op.needs_token


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("op", "get", "/api/v1/a/{slug}"), "op-get-api-v1-a-slug"),
        (("op", "get", "/api/v1/a.csv"), "op-get-api-v1-a-csv"),
    ],
)
def test_anchors_are_plain_ids(parts, expected):
    assert reference.anchor(*parts) == expected
