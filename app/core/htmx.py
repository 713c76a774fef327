"""Requests from htmx: asking whether a request came from htmx marks its answer as varying by it.

A page that answers htmx with a piece and a browser with the whole page on one address must say
so (``Vary: HX-Request``), or a browser or proxy cache hands the piece to the next full page load
(the back button) or the page to htmx.
"""

from __future__ import annotations

from flask import Flask, Response, g, request

HEADER = "HX-Request"


def requested() -> bool:
    """Whether htmx sent this request; the answer will vary by it."""
    g.varies_by_htmx = True
    return request.headers.get(HEADER) == "true"


def init_htmx(app: Flask) -> None:
    @app.after_request
    def _vary(response: Response) -> Response:
        if g.get("varies_by_htmx"):
            response.vary.add(HEADER)
        return response
