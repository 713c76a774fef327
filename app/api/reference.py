"""The API reference page (``/api/v1/docs``) built on the server from the OpenAPI document.

Why not Swagger UI: its page failed the accessibility crawl (contrast of its badges, buttons
nested in buttons, an unlabelled select) and needs JavaScript and inline styles. This module turns
the very document that ``/api/v1/openapi.json`` serves into plain data for a Jinja template, so the
page can never drift from the document and needs no script: operations grouped by tag, the path's
and the operation's parameters merged, ``$ref``s resolved to names that link to anchored component
sections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
SCHEMA_PREFIX = "#/components/schemas/"
RESPONSE_PREFIX = "#/components/responses/"
# A schema nested deeper than this is cut off (the document has no cycles, but a ref is a link
# anyway and never expanded, so this only guards hand-written inline schemas).
MAX_DEPTH = 8


def anchor(*parts: str) -> str:
    """A stable, valid HTML id from the method and path (or a component's name)."""
    text = "-".join(parts)
    return re.sub(r"[^A-Za-z0-9_]+", "-", text).strip("-").lower() or "x"


def schema_anchor(name: str) -> str:
    return anchor("schema", name)


@dataclass
class Schema:
    """One schema as the template shows it: a link to a component, or a type with its details,
    the properties of an object and the items of an array."""

    ref: str | None = None
    type: str = ""
    format: str | None = None
    description: str | None = None
    nullable: bool = False
    enum: list[Any] = field(default_factory=list)
    constraints: list[tuple[str, Any]] = field(default_factory=list)
    items: Schema | None = None
    properties: list[tuple[str, bool, Schema]] = field(default_factory=list)
    additional: Schema | None = None

    @property
    def ref_anchor(self) -> str:
        return schema_anchor(self.ref or "")


CONSTRAINT_KEYS = (
    "default",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "pattern",
    "readOnly",
    "writeOnly",
)


def describe(schema: dict[str, Any] | None, depth: int = 0) -> Schema:
    """The template's view of a JSON schema; references stay references (shown as links)."""
    schema = schema or {}
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(SCHEMA_PREFIX):
        return Schema(ref=ref.removeprefix(SCHEMA_PREFIX))
    kind = schema.get("type") or ("object" if "properties" in schema else "")
    result = Schema(
        type=str(kind),
        format=schema.get("format"),
        description=schema.get("description"),
        nullable=bool(schema.get("nullable")),
        enum=list(schema.get("enum") or []),
        constraints=[(key, schema[key]) for key in CONSTRAINT_KEYS if key in schema],
    )
    if depth >= MAX_DEPTH:
        return result
    if "items" in schema:
        result.items = describe(schema["items"], depth + 1)
    required = set(schema.get("required") or [])
    for name, sub in (schema.get("properties") or {}).items():
        result.properties.append((name, name in required, describe(sub, depth + 1)))
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) and extra:
        result.additional = describe(extra, depth + 1)
    for combinator in ("allOf", "oneOf", "anyOf"):
        if combinator in schema:
            result.type = result.type or combinator
            result.properties.extend(
                (f"{combinator}[{i}]", False, describe(sub, depth + 1))
                for i, sub in enumerate(schema[combinator])
            )
    return result


@dataclass
class Parameter:
    name: str
    location: str
    required: bool
    description: str | None
    schema: Schema


@dataclass
class Body:
    """Request or response content: its media types, each with its schema."""

    media: list[tuple[str, Schema | None]]


@dataclass
class Response:
    status: str
    description: str
    headers: list[tuple[str, str | None, Schema]]
    body: Body | None


@dataclass
class Operation:
    method: str
    path: str
    id: str
    summary: str | None
    description: str | None
    parameters: list[Parameter]
    request_body: Body | None
    request_required: bool
    responses: list[Response]
    needs_token: bool
    deprecated: bool


@dataclass
class Tag:
    name: str
    description: str | None
    id: str
    operations: list[Operation]


@dataclass
class Reference:
    title: str
    version: str
    description: str | None
    tags: list[Tag]
    schemas: list[tuple[str, str, Schema]]
    security: list[tuple[str, dict[str, Any]]]

    @property
    def operations(self) -> list[Operation]:
        return [op for tag in self.tags for op in tag.operations]

    def has_schema(self, name: str) -> bool:
        return any(entry[0] == name for entry in self.schemas)

    @staticmethod
    def schema_id(name: str) -> str:
        return schema_anchor(name)


def _body(content: dict[str, Any] | None) -> Body | None:
    if not content:
        return None
    return Body(
        media=[
            (media, describe(spec["schema"]) if spec.get("schema") else None)
            for media, spec in content.items()
        ]
    )


def _parameters(spec: dict[str, Any], *lists: list[dict[str, Any]] | None) -> list[Parameter]:
    """Path-level and operation-level parameters; the operation's win on the same (name, in)."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for entries in lists:
        for entry in entries or []:
            entry = _resolve(spec, entry, "#/components/parameters/")
            merged[(entry.get("name", ""), entry.get("in", ""))] = entry
    return [
        Parameter(
            name=entry.get("name", ""),
            location=entry.get("in", ""),
            required=bool(entry.get("required")),
            description=entry.get("description"),
            schema=describe(entry.get("schema")),
        )
        for entry in merged.values()
    ]


def _resolve(spec: dict[str, Any], entry: dict[str, Any], prefix: str) -> dict[str, Any]:
    """A component reference (responses, parameters) replaced by the component itself."""
    ref = entry.get("$ref")
    if isinstance(ref, str) and ref.startswith(prefix):
        kind = prefix.removeprefix("#/components/").strip("/")
        return spec.get("components", {}).get(kind, {}).get(ref.removeprefix(prefix), {})
    return entry


def _unique(candidate: str, seen: set[str]) -> str:
    """Two paths that differ only in punctuation must not share an id (links would jump wrong)."""
    result, n = candidate, 1
    while result in seen:
        n += 1
        result = f"{candidate}-{n}"
    seen.add(result)
    return result


def _status_key(status: str) -> tuple[int, str]:
    return (1, status) if not status.isdigit() else (0, status)


def _responses(spec: dict[str, Any], responses: dict[str, Any]) -> list[Response]:
    result = []
    for status in sorted(responses, key=_status_key):
        entry = _resolve(spec, responses[status], RESPONSE_PREFIX)
        headers = [
            (name, header.get("description"), describe(header.get("schema")))
            for name, header in (entry.get("headers") or {}).items()
        ]
        result.append(
            Response(
                status=status,
                description=entry.get("description", ""),
                headers=headers,
                body=_body(entry.get("content")),
            )
        )
    return result


def build(spec: dict[str, Any]) -> Reference:
    """The whole page's data from one OpenAPI 3 document (a dict as ``openapi.json`` has it)."""
    declared = {tag["name"]: tag.get("description") for tag in spec.get("tags") or []}
    by_tag: dict[str, list[Operation]] = {name: [] for name in declared}
    default_security = spec.get("security") or []
    seen: set[str] = set()
    for path, item in (spec.get("paths") or {}).items():
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = _resolve(spec, op.get("requestBody") or {}, "#/components/requestBodies/")
            operation = Operation(
                method=method.upper(),
                path=path,
                id=_unique(anchor("op", method, path), seen),
                summary=op.get("summary"),
                description=op.get("description"),
                parameters=_parameters(spec, item.get("parameters"), op.get("parameters")),
                request_body=_body(body.get("content")),
                request_required=bool(body.get("required")),
                responses=_responses(spec, op.get("responses") or {}),
                needs_token=bool(op.get("security", default_security)),
                deprecated=bool(op.get("deprecated")),
            )
            for tag in op.get("tags") or [""]:
                by_tag.setdefault(tag, []).append(operation)
    tags = [
        Tag(
            name=name,
            description=declared.get(name),
            id=anchor("tag", name or "other"),
            operations=ops,
        )
        for name, ops in by_tag.items()
        if ops
    ]
    components = spec.get("components") or {}
    schemas = [
        (name, schema_anchor(name), describe(schema))
        for name, schema in (components.get("schemas") or {}).items()
    ]
    info = spec.get("info") or {}
    return Reference(
        title=info.get("title", ""),
        version=info.get("version", ""),
        description=info.get("description"),
        tags=tags,
        schemas=schemas,
        security=list((components.get("securitySchemes") or {}).items()),
    )
