"""Request parsing that turns malformed input into 4xx answers before any view or query sees it.

A fuzzing run found 500s from input no browser sends: ids beyond PostgreSQL's ``integer`` range,
NUL bytes in path segments (PostgreSQL refuses them in text), and multipart parts without a field
name (Flask-WTF's CSRF check then trips over a ``None`` key). Each is fixed here, once, for every
route: the URL converters bound what a path may hold, the form parser refuses nameless parts, and a
request check refuses NUL bytes in query strings and form values.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, abort, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.formparser import FormDataParser
from werkzeug.routing import IntegerConverter, Map, PathConverter, UnicodeConverter

# The largest id a PostgreSQL ``integer`` column holds; every primary key in the schema is one.
MAX_ID = 2**31 - 1

# What no path segment may contain: ASCII control characters (NUL above all) and DEL.
_CONTROL = r"\x00-\x1f\x7f"


class BoundedIntegerConverter(IntegerConverter):
    """``<int:...>`` that matches only values a database id can have; larger ones are a 404.

    Registered as ``int``, so every route uses it without naming it; a rule may still pass its own
    ``max`` (or ``min``).
    """

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class SegmentConverter(UnicodeConverter):
    """The default ``<name>`` / ``<string:name>`` converter, without control characters.

    A slug or token with a NUL byte matches no route (404) instead of reaching a query.
    """

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", f"[^/{_CONTROL}]", 1)


class SafePathConverter(PathConverter):
    """``<path:...>`` without control characters."""

    regex = f"[^/{_CONTROL}][^{_CONTROL}]*?"


class NamedPartsFormDataParser(FormDataParser):
    """Refuses a form whose multipart parts lack a field name (400), instead of storing them under
    a ``None`` key that later code (the CSRF check, form classes) does not expect; drops NUL bytes
    from form fields, as the sanitiser drops every control character, before any field sees it."""

    def parse(self, *args: Any, **kwargs: Any):
        stream, form, files = super().parse(*args, **kwargs)
        if None in form or None in files:
            raise BadRequest("A form part without a field name.")
        if _has_nul(form):
            form = self.cls(
                (key.replace("\x00", ""), value.replace("\x00", ""))
                for key, value in form.items(multi=True)
            )
        return stream, form, files


class HardenedRequest(Request):
    form_data_parser_class = NamedPartsFormDataParser


def _has_nul(values: MultiDict) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in values.items(multi=True))


def refuse_nul_bytes() -> None:
    """400 for a NUL byte in the query string: no text column stores one, and no link has one."""
    if _has_nul(request.args):
        abort(400)


def init_requests(app: Flask) -> None:
    """Install the parser and the converters; call before any blueprint adds its rules."""
    app.request_class = HardenedRequest
    app.url_map.converters.update(
        int=BoundedIntegerConverter,
        default=SegmentConverter,
        string=SegmentConverter,
        path=SafePathConverter,
    )
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_nul_bytes)
