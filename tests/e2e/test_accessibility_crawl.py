"""Crawl the demo as different people and check every page reached: axe-core, status, 360 px.

The crawl starts at ``/``, ``/musterstadt/`` and ``/musterstadt/admin/`` and follows every
same-origin ``a[href]`` (GET only), so a page added later is checked as soon as something links to
it. Every page reached must

- answer below 400 (the only exception: a start page the person may not open, e.g. the back office
  for a citizen, which must answer exactly 403),
- carry ``lang`` on ``<html>`` in the language of the crawl,
- log no JavaScript errors (CSP violations show up here too),
- fit into a 360 px wide viewport without horizontal scrolling (WCAG 1.4.10 reflow).

Each page is also checked with axe-core for WCAG 2.0/2.1 A and AA (``WCAG_TAGS``) and
photographed full-page at 1280 and 360 px into ``tests/e2e/screenshots/<crawl>/``.

The crawl visits one page per *kind*: the Flask view a URL routes to, plus the names of its query
parameters. ``/musterstadt/processes/a/`` and ``/beispielheim/processes/b/`` are one kind (the
first one found stands for the rest), so are ``?page=2`` and ``?page=3`` and the first page (see
``SAME_KIND_QUERY``); ``?view=map`` is another kind, and so is each value of an ``any(...)`` route
part (the legal pages). So the crawl's cost grows with the pages the app has, not with the amount
of demo data. Each crawl has its own kinds, since what a page shows depends on who looks. A crawl
of two people in a row (staff, then the platform admin) visits every kind again as the second
person, to find their links, but checks in depth (axe, screenshots) only the kinds the first did
not reach: the platform admin's extra pages.

Files (CSV/XLSX exports) and other non-HTML answers only have to answer below 400. Links that are
not pages are skipped: ``/logout`` (a POST form anyway), ``mailto:``/``tel:``, ``/static/`` files,
other origins, and the ``/lang/`` switch, which would flip the language in the middle of a crawl.
The English crawl clicks that switch once instead and then crawls in English as an anonymous visitor
and then as the citizen, the people most likely to need English.
"""

from __future__ import annotations

import re
import shutil
import warnings
from collections import deque
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import pytest
from axe_playwright_python.base import AXE_FILE_PATH, AXE_SCRIPT
from e2e_support import E2E_MARKS, ROLES_BY_KEY, SCREENSHOTS, log_in, page_key
from playwright.sync_api import Error as PlaywrightError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import MapAdapter

pytestmark = E2E_MARKS

START_PATHS = ["/", "/musterstadt/", "/musterstadt/admin/"]
MAX_PAGES = 150  # visited per person and crawl
VISITS_PER_KIND = 1  # per person
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 360, "height": 740}
SCROLL_TOLERANCE = 2  # px, for sub-pixel rounding
SKIPPED_PREFIXES = ("/logout", "/static/", "/lang/")
# Query parameters that never change what kind of page it is: pagination and the login's way back.
SAME_KIND_QUERY = frozenset({"page", "next"})


@dataclass(frozen=True)
class CrawlAs:
    """Who crawls (one after the other in one browser session), and in which language."""

    people: tuple[str | None, ...]  # keys of ROLES_BY_KEY; None for an anonymous visitor
    language: str = "de"

    @property
    def id(self) -> str:
        return "+".join(person or "anonymous" for person in self.people) + f"-{self.language}"


CRAWLS = [
    CrawlAs((None,)),
    CrawlAs(("citizen",)),
    CrawlAs(("staff", "platform-admin")),
    CrawlAs((None, "citizen"), language="en"),
]


def forbidden_starts(person: str | None) -> frozenset[str]:
    """Start pages this person may not open: the back office, for members without access.

    (Anonymous visitors are sent to the login page instead, which answers 200.)
    """
    if person and not ROLES_BY_KEY[person].backoffice:
        return frozenset({"/musterstadt/admin/"})
    return frozenset()


def _followable(href: str, origin: str) -> str | None:
    """The key of the same-origin page ``href`` points at, or None when it is not to be crawled."""
    parts = urlsplit(href)
    if parts.scheme not in ("http", "https") or f"{parts.scheme}://{parts.netloc}" != origin:
        return None  # mailto:, tel:, javascript:, other sites
    if (parts.path or "/").startswith(SKIPPED_PREFIXES):
        return None
    return page_key(href)


def _kind(url: str, routes: MapAdapter) -> str:
    """The view ``url`` routes to, with its ``any(...)`` values, plus its query parameter names."""
    parts = urlsplit(url)
    names = {name for name, _ in parse_qsl(parts.query)} - SAME_KIND_QUERY
    query = "&".join(sorted(names))
    try:
        rule, args = routes.match(parts.path, method="GET", return_rule=True)
    except HTTPException:
        return f"{re.sub(r'[0-9]+', 'N', parts.path)}?{query}"  # redirects, 404s: numbers alike
    fixed = [
        f"{name}={args[name]}"
        for name in sorted(args)
        if re.search(rf"<any\([^)]*\):{name}>", rule.rule)
    ]
    return f"{rule.endpoint}({','.join(fixed)})?{query}"


def _console_error(message, errors: list[str]) -> None:
    """Keep console errors, but not the browser's own favicon probe (the app has no favicon)."""
    source = (message.location or {}).get("url", "")
    if message.type == "error" and "/favicon.ico" not in source:
        errors.append(f"{message.text} [{source}]")


def _axe_violations(page) -> list[str]:
    """Run axe-core (added to every document of the crawl's context, see ``Crawler``)."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)  # the way axe-playwright-python's Axe.run injects it
    results = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    found = []
    for violation in results["violations"]:
        nodes = []
        for node in violation["nodes"]:
            summary = (node.get("failureSummary") or "").strip().splitlines()
            detail = f"  ({summary[-1].strip()})" if summary else ""
            nodes.append(f"        {', '.join(map(str, node['target']))}{detail}")
        found.append(
            f"axe {violation['id']} ({violation.get('impact')}): {violation['help']}\n"
            + "\n".join(nodes)
        )
    return found


# The innermost elements that stick out to the right, or whose content does (a long word, say).
WIDE_ELEMENTS_JS = """(limit) => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > limit
        || (e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 2
            && getComputedStyle(e).overflowX === 'visible'))
    .filter((e, _, all) => !all.some(other => other !== e && e.contains(other)))
    .slice(0, 5)
    .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
        + (typeof e.className === 'string' && e.className.trim()
            ? '.' + e.className.trim().split(/\\s+/).join('.') : ''))"""


class Crawler:
    """Breadth-first over same-origin links from ``START_PATHS``, checking each page it reaches."""

    def __init__(self, page, live_server, crawl: CrawlAs) -> None:
        self.page, self.crawl = page, crawl
        # axe.min.js from axe-playwright-python (no network), registered once for every document
        # instead of sent with each check: saves a 500 kB round trip per page.
        page.context.add_init_script(path=AXE_FILE_PATH)
        self.origin = live_server.url
        self.routes = live_server.app.url_map.bind("127.0.0.1")
        self.folder = SCREENSHOTS / crawl.id
        self.problems: list[str] = []
        self.visited: list[str] = []  # every page reached, in order
        self.in_depth: list[str] = []  # the pages checked with axe and photographed
        self.kinds: set[str] = set()  # the kinds checked in depth, over all people of the crawl
        self.errors: list[str] = []
        self.viewport = page.viewport_size
        page.on("console", lambda message: _console_error(message, self.errors))
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)

    def report(self, url: str, problem: str) -> None:
        self.problems.append(f"{url}\n    {problem}")

    def run(self, person: str | None) -> None:
        """Crawl as ``person`` (logged in already, or anonymous)."""
        forbidden = forbidden_starts(person)
        queue = deque(START_PATHS)
        queued = set(START_PATHS)
        found_on: dict[str, str] = {}
        visits: dict[str, int] = {}
        for url in START_PATHS:
            visits[_kind(url, self.routes)] = visits.get(_kind(url, self.routes), 0) + 1
        landed: set[str] = set()
        limit = len(self.visited) + MAX_PAGES
        while queue and len(self.visited) < limit:
            url = queue.popleft()
            here = self.open(url, found_on.get(url), url in forbidden)
            if here is None or here in landed:
                continue  # a file, or redirected to a page this person has already seen
            landed.add(here)
            self.visited.append(here)
            kind = _kind(here, self.routes)
            in_depth = kind not in self.kinds
            self.kinds.add(kind)
            self.check(here, in_depth)
            for href in self.page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)"):
                link = _followable(href, self.origin)
                if link is None or link in queued:
                    continue
                kind = _kind(link, self.routes)
                if visits.get(kind, 0) >= VISITS_PER_KIND:
                    continue
                visits[kind] = visits.get(kind, 0) + 1
                queued.add(link)
                found_on[link] = here
                queue.append(link)
        if queue:
            warnings.warn(
                f"crawl {self.crawl.id} stopped at MAX_PAGES={MAX_PAGES} for {person or 'anonymous'};"
                f" not visited: {list(queue)[:10]}",
                stacklevel=2,
            )

    def open(self, url: str, found_on: str | None, forbidden: bool) -> str | None:
        """Load ``url`` (at the width the last page ended with) and check the answer.

        Returns the key of the page it landed on, or None for a file (a download, JSON, ...).
        """
        self.errors.clear()
        source = f"linked from {found_on or 'nowhere: a start page'}"
        try:
            response = self.page.goto(url)
        except PlaywrightError as error:
            if "Download is starting" not in str(error):
                raise
            response = None  # an attachment: fetch it without the page, in the same session
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            status = self.page.request.get(url).status if response is None else response.status
            if status >= 400:
                self.report(url, f"HTTP {status} for a file ({source})")
            return None
        if forbidden:
            if response.status != 403:
                self.report(url, f"expected 403 for {self.crawl.id}, got HTTP {response.status}")
            self.errors[:] = [e for e in self.errors if "status of 403" not in e]
        elif response.status >= 400:
            self.report(url, f"HTTP {response.status} ({source})")
        return page_key(self.page.url)

    def check(self, here: str, in_depth: bool) -> None:
        """Check the page at both widths, starting with the one it was loaded at.

        (Switching the width before the next page loads would lay out the old page once more.)
        """
        page = self.page
        lang = page.get_attribute("html", "lang")
        if lang != self.crawl.language:
            self.report(here, f"<html lang={lang!r}>, expected {self.crawl.language!r}")
        if in_depth:
            self.in_depth.append(here)
        slug = re.sub(r"[^A-Za-z0-9]+", "-", here).strip("-")[:80] or "home"
        name = f"{len(self.in_depth):03d}-{slug}"
        widths = [DESKTOP, MOBILE] if self.viewport == DESKTOP else [MOBILE, DESKTOP]
        for viewport in widths:
            if viewport != self.viewport:
                page.set_viewport_size(viewport)
                self.viewport = viewport
            if viewport == DESKTOP and in_depth:
                for violation in _axe_violations(page):
                    self.report(here, violation)
            if viewport == MOBILE:
                scroll_width = page.evaluate("document.documentElement.scrollWidth")
                if scroll_width > MOBILE["width"] + SCROLL_TOLERANCE:
                    wide = page.evaluate(WIDE_ELEMENTS_JS, MOBILE["width"] + SCROLL_TOLERANCE)
                    self.report(
                        here, f"scrolls sideways at 360 px (scrollWidth {scroll_width}): {wide}"
                    )
            if in_depth:
                shot = self.folder / f"{name}-{viewport['width']}.png"
                page.screenshot(path=shot, full_page=True)

        for error in self.errors:
            self.report(here, f"console error: {error}")


@pytest.mark.parametrize("crawl", CRAWLS, ids=[crawl.id for crawl in CRAWLS])
def test_every_reachable_page_is_accessible(new_context, live_server, crawl: CrawlAs):
    page = new_context(javascript=True).new_page()
    if crawl.language != "de":
        page.goto("/")
        with page.expect_navigation():
            page.locator(f'header a[hreflang="{crawl.language}"]').click()
        assert page_key(page.url) == "/", "the language switch should lead back to the page"
        assert page.get_attribute("html", "lang") == crawl.language

    crawler = Crawler(page, live_server, crawl)
    for number, person in enumerate(crawl.people):
        if number and crawl.people[number - 1]:
            page.goto("/")
            with page.expect_navigation():
                page.locator('header form[action="/logout"] [type=submit]').click()
        if person:
            log_in(page, ROLES_BY_KEY[person].email)
        crawler.run(person)

    print(
        f"\n{crawl.id}: {len(crawler.visited)} pages visited, {len(crawler.in_depth)} checked "
        f"with axe: {' '.join(crawler.in_depth)}"
    )
    assert len(crawler.visited) > len(START_PATHS), "the crawl found no links to follow"
    assert not crawler.problems, (
        f"{len(crawler.problems)} problem(s) crawling as {crawl.id} "
        f"(screenshots in {crawler.folder}):\n\n" + "\n\n".join(crawler.problems)
    )
