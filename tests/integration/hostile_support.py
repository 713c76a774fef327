"""A crawler that fills every form of the demo with hostile input (``test_hostile_forms.py``).

It logs in as a demo person through the real login form (CSRF on, as in production), follows
every same-origin link (up to ``per_kind`` pages per *kind*: the view a URL routes to plus its
query parameter names), collects every ``<form>`` of the pages it reaches and posts each one many
times: first with plausible values (the *baseline*: the form's own defaults, the first choice of
each select, short text, dates one after the other, a real PNG/PDF/CSV), then with one family of
hostile values at a time in one type of field (text, passwords, hidden fields, numbers, dates,
choices, files) or with fields missing or doubled, the others left at their baseline. A second
round crawls again from where the posts led and posts the forms they brought about (an own
comment's edit form, a hidden contribution's restore). It records

- every answer of 500 or more,
- every page (answers to the posts, a second crawl afterwards as each person and a citizen, every
  page a post led to) where a hostile payload shows up unescaped: ``<script>alert(1)``,
  ``<img src=x onerror=...>``, a ``javascript:`` link,
- every form page shown again with an error that lost the plausible text typed next to the bad
  value,
- what a form should have refused, found by scanning every text and date column of the database
  after the posts: control characters, text beyond its column's length or of 100,001
  characters, whitespace-only text, ``javascript:`` in a link column, dates outside 1900-2200.

Forms that change things for good (delete, hide, block, archive, ...) come after the others;
those that end the login (log out, new e-mail address, new password, delete the account) come
after the second crawl, each followed by a new login. The sweep agrees to a new privacy policy
when asked (its own edits ask everybody). ``Sweep.run`` works on whatever database the app is
bound to; seed it first. The full sweep (every family, every field on its own, three pages per
kind, two rounds; about 6 minutes on SQLite, 13 on PostgreSQL) runs from the command line:
``python -m tests.integration.hostile_support [--database URL] [--person EMAIL] [--trace FILE]``;
the test runs a bounded one.
"""

from __future__ import annotations

import io
import re
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit

import lxml.html
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

DEMO_PASSWORD = "trialog-demo"  # the published demo login (app/demo.py)
START_PATHS = ("/", "/musterstadt/", "/musterstadt/admin/", "/beispielheim/", "/admin/", "/me")
SKIPPED_PREFIXES = ("/logout", "/static/", "/lang/", "/api/")
SAME_KIND_QUERY = frozenset({"page", "next"})
MAX_PAGES = 1000

# Words in a form's action or button that mark an action that ends something: posted last.
DESTRUCTIVE = re.compile(
    r"logout|delete|remove|leave|anonymi|password|withdraw|revoke|deactivate|cancel|"
    r"archive|block|hide|close|reject|/email|erase|forget|unsubscribe|löschen|austreten",
    re.IGNORECASE,
)

# --- payloads ------------------------------------------------------------------------------------

# Of those, the ones that may end the login: posted at the very end.
ENDS_SESSION = re.compile(r"^/(logout|account/(password|delete|email))")

URLISH = re.compile(r"url|link|website|href|homepage", re.IGNORECASE)

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
BASE_TEXT = "Sweep Ortsmitte Grün"  # plausible: what the error page must show again
UNIQUE = "sweep-unique"  # replaced by a new value for every post (slugs)
ONSITE_CSV = "kind,title,text\nproposal,Sweep Bank,Eine Bank am Markt\n"


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 128, 0)).save(out, "PNG")
    return out.getvalue()


def _pdf() -> bytes:
    from pypdf import PdfWriter

    out = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.write(out)
    return out.getvalue()


def baseline_file(form_action: str, name: str) -> tuple[bytes, str]:
    """A file the form should take: an image, a CSV of on-site cards, Markdown, or a PDF."""
    if re.search(r"image|photo|logo|picture", name):
        return _png(), "bild.png"
    if "onsite" in form_action:
        return ONSITE_CSV.encode(), "karten.csv"
    if "drafts" in form_action or "import" in form_action:
        return b"# Kapitel\n\nSweep Text im Entwurf.\n", "entwurf.md"
    return _pdf(), "dokument.pdf"


TEXT_FAMILIES: dict[str, str | bytes] = {
    "script": f"Titel {SCRIPT}",
    "img": f"Titel {IMG}",
    "javascript": "javascript:alert(1)",
    "huge": "A" * 100_001,  # one more than the longest text any form takes (a legal page)
    "control": "a\x00b\x01c\x08d\x1b[31me\x7ff\u2028g",
    "rtl": "\u202eexe.txt \u202dGemeinde\u202c",
    "emoji": "Ümläut 👩\u200d👩\u200d👧 🎉",
    "blank": "  \t \u00a0 ",
    "empty": "",
    # raw bytes: percent-encoded into the body as they are (a lone surrogate, invalid UTF-8)
    "bad_utf8": b"%ED%A0%80abc%FF%FE%C3",
}
NUMBER_FAMILIES = {
    "negative": "-1",
    "huge_number": "99999999999999999999999",
    "int_overflow": "2147483648",
    "float": "1.5",
    "not_a_number": "zwei",
    "nan": "NaN",
    "exp": "1e308",
}
DATE_FAMILIES = {
    "year_1": "0001-01-01",
    "year_9999": "9999-12-31",
    "feb_30": "2026-02-30",
    "words": "yesterday",
    "year_0": "0000-00-00",
}
CHOICE_FAMILIES = {
    "not_a_choice": "sweep-no-such-choice",
    "huge_choice": "9" * 40,
    "choice_nul": "a\x00",
}
FILE_FAMILIES = {"empty_file", "wrong_type", "huge_file", "script_name"}
SHAPE_FAMILIES = {"missing_fields", "duplicate_fields"}


@dataclass
class Field:
    name: str
    kind: str  # text, textarea, password, email, url, number, date, datetime, time, select,
    #           checkbox, radio, file, hidden
    value: str = ""  # the baseline
    choices: list[str] = field(default_factory=list)
    multiple: bool = False


@dataclass
class Form:
    page: str
    method: str
    action: str
    multipart: bool
    fields: list[Field]
    label: str = ""

    @property
    def ends_session(self) -> bool:
        return bool(ENDS_SESSION.search(urlsplit(self.action).path))

    @property
    def destructive(self) -> bool:
        return bool(DESTRUCTIVE.search(self.action) or DESTRUCTIVE.search(self.label))


@dataclass
class Finding:
    kind: str  # 5xx, echo, lost-input, stored
    where: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.where}: {self.detail}"


@dataclass
class Options:
    text_families: Iterable[str] = tuple(TEXT_FAMILIES)
    number_families: Iterable[str] = tuple(NUMBER_FAMILIES)
    date_families: Iterable[str] = tuple(DATE_FAMILIES)
    choice_families: Iterable[str] = tuple(CHOICE_FAMILIES)
    file_families: Iterable[str] = tuple(FILE_FAMILIES)
    shape_families: Iterable[str] = tuple(SHAPE_FAMILIES)
    per_field: bool = True  # each text field on its own too (else all text fields at once)
    per_kind: int = 3  # pages of each kind crawled
    rounds: int = 2  # crawl and post again, for forms the posts brought about
    password_families: Iterable[str] = ("huge", "control", "bad_utf8", "emoji", "blank")
    destructive: bool = True
    verbose: bool = False
    trace: object = None  # a file to write one line per form post to


# --- crawling ------------------------------------------------------------------------------------


def kind_of(app: Flask, url: str, method: str = "GET") -> str:
    parts = urlsplit(url)
    names = sorted({name for name, _ in parse_qsl(parts.query)} - SAME_KIND_QUERY)
    adapter = app.url_map.bind("localhost")
    try:
        rule, args = adapter.match(parts.path, method=method, return_rule=True)
    except HTTPException:
        return f"{method} {re.sub(r'[0-9]+', 'N', parts.path)}?{'&'.join(names)}"
    fixed = [f"{n}={args[n]}" for n in sorted(args) if re.search(rf"<any\([^)]*\):{n}>", rule.rule)]
    return f"{method} {rule.endpoint}({','.join(fixed)})?{'&'.join(names)}"


def _field_kind(element) -> str:
    tag = element.tag
    if tag == "textarea":
        return "textarea"
    if tag == "select":
        return "select"
    kind = (element.get("type") or "text").lower()
    if kind == "text" and element.get("inputmode") in ("decimal", "numeric"):
        return "number"
    return {"datetime-local": "datetime", "search": "text", "tel": "text"}.get(kind, kind)


def _baseline(kind: str, element, order: int = 0) -> str:
    """A plausible value; ``order`` counts the date fields before this one in its form, so
    that dates follow one another (a start before its end, phases one after the other)."""
    value = element.get("value") or ""
    name = element.get("name") or ""
    day = (date(2027, 3, 1) + timedelta(days=3 * order)).isoformat()
    if kind == "textarea":
        if name.endswith("csv_text"):
            return (element.text or "").strip() or ONSITE_CSV
        return (element.text or "").strip() or BASE_TEXT
    if kind == "text" and not value and name.endswith("slug"):
        return UNIQUE
    if kind == "text" and not value and name.endswith("ags"):
        return "08999123"
    if kind == "text" and not value and re.search(r"url|website|link", name):
        return "https://example.org/sweep"
    if kind in ("text", "url") and not value:
        if kind == "url":
            return "https://example.org/sweep"
        return BASE_TEXT
    if kind == "email" and not value:
        return "sweep@example.org"
    if kind == "password":
        return DEMO_PASSWORD
    if kind == "number" and not value:
        return element.get("min") or "1"
    if kind == "date" and not value:
        return day
    if kind == "datetime" and not value:
        return f"{day}T10:00"
    if kind == "time" and not value:
        return "10:00"
    return value


def parse_forms(page: str, html: str) -> list[Form]:
    try:
        doc = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return []
    forms = []
    for node in doc.iter("form"):
        method = (node.get("method") or "get").upper()
        action = urljoin(page, node.get("action") or page)
        fields: dict[str, Field] = {}
        radios: dict[str, Field] = {}
        elements = list(node.iter("input", "textarea", "select"))
        form_id = node.get("id")
        if form_id:  # fields outside the form that name it with form="..."
            elements += [
                e for e in doc.iter("input", "textarea", "select") if e.get("form") == form_id
            ]
        for element in elements:
            name = element.get("name")
            if not name or element.get("disabled") is not None:
                continue
            kind = _field_kind(element)
            if kind in ("submit", "button", "reset", "image"):
                continue
            if kind == "select":
                options = [o.get("value", (o.text or "").strip()) for o in element.iter("option")]
                selected = [
                    o.get("value", (o.text or "").strip())
                    for o in element.iter("option")
                    if o.get("selected") is not None
                ]
                value = (selected or [o for o in options if o] or [""])[0]
                fields[name] = Field(
                    name, "select", value, options, element.get("multiple") is not None
                )
            elif kind == "radio":
                known = radios.setdefault(name, Field(name, "radio"))
                known.choices.append(element.get("value", "on"))
                if element.get("checked") is not None or not known.value:
                    known.value = element.get("value", "on")
                fields[name] = known
            elif kind == "checkbox":
                value = element.get("value", "y")
                if name in fields:
                    fields[name].choices.append(value)
                    fields[name].multiple = True
                else:
                    fields[name] = Field(name, "checkbox", value, [value])
            else:
                order = sum(f.kind in ("date", "datetime") for f in fields.values())
                fields[name] = Field(name, kind, _baseline(kind, element, order))
        buttons = [b.text_content().strip() for b in node.iter("button")]
        buttons += [i.get("value", "") for i in node.iter("input") if i.get("type") == "submit"]
        submits = [
            b
            for b in [
                *node.iter("button", "input"),
                *(e for e in doc.iter("button") if form_id and e.get("form") == form_id),
            ]
            if (b.get("type") or ("submit" if b.tag == "button" else "")) == "submit"
        ]
        if method == "POST" and not submits:
            continue  # nothing to click (a survey's preview): no one can send it
        if submits and all(b.get("name") for b in submits):
            # no plain submit button: send the one that saves (else the first), as a click would
            saving = [b for b in submits if re.search(r"submit|save", b.get("name", ""))]
            first = (saving or submits)[0]
            fields.setdefault(
                first.get("name"),
                Field(
                    first.get("name"),
                    "button",
                    first.get("value", ""),
                    [b.get("value", "") for b in submits if b.get("name") == first.get("name")],
                ),
            )
        forms.append(
            Form(
                page=page,
                method=method,
                action=action,
                multipart="multipart" in (node.get("enctype") or ""),
                fields=list(fields.values()),
                label=" ".join(buttons),
            )
        )
    return forms


def _links(page: str, html: str) -> Iterator[str]:
    try:
        doc = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return
    for anchor in doc.iter("a"):
        href = anchor.get("href")
        if not href or href.startswith(("mailto:", "tel:", "#", "javascript:")):
            continue
        url = urljoin(page, href)
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or parts.scheme not in ("", "http", "https"):
            continue
        if parts.path.startswith(SKIPPED_PREFIXES):
            continue
        yield parts.path + (f"?{parts.query}" if parts.query else "")


# --- checking answers ----------------------------------------------------------------------------

RAW_ECHOES = (
    re.compile(r"<script>alert\(1\)", re.IGNORECASE),
    re.compile(r"<img src=x onerror=", re.IGNORECASE),
)


def unescaped_echoes(html: str) -> list[str]:
    found = [pattern.pattern for pattern in RAW_ECHOES if pattern.search(html)]
    try:
        doc = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return found
    for element in doc.iter():
        for attribute in ("href", "src", "action", "formaction"):
            value = (element.get(attribute) or "").strip().lower()
            if value.startswith(("javascript:", "data:text/html", "vbscript:")):
                found.append(f'{element.tag} {attribute}="{value[:40]}"')
        if element.tag is not lxml.html.HtmlComment and any(
            name.startswith("on") for name in element.attrib if name.lower() == "onerror"
        ):
            found.append(f"{element.tag} with onerror")
    return found


@dataclass
class Sweep:
    app: Flask
    options: Options = field(default_factory=Options)
    findings: list[Finding] = field(default_factory=list)
    requests: int = 0
    pages: int = 0
    forms: int = 0
    kept_checks: int = 0  # error pages checked for what was typed
    token: str = ""
    landed: set[str] = field(default_factory=set)
    # forms that end the login (log out, new password, delete the account): posted after the
    # second crawl, which needs the people still there
    deferred: dict[str | None, list[Form]] = field(default_factory=dict)
    finishing: set[str | None] = field(default_factory=set)
    passwords: list[str] = field(
        default_factory=lambda: [DEMO_PASSWORD]
    )  # where successful posts led: what they made

    def log(self, message: str) -> None:
        if self.options.verbose:
            print(message, file=sys.stderr, flush=True)

    def finding(self, kind: str, where: str, detail: str) -> None:
        item = Finding(kind, where, detail)
        if not any(str(f) == str(item) for f in self.findings):
            self.findings.append(item)
            self.log(str(item))

    # -- requests --

    def open(self, client: FlaskClient, method: str, url: str, **kwargs):
        self.requests += 1
        detail = kwargs.pop("_family", "")
        response = client.open(url, method=method, **kwargs)
        response.get_data()  # a streamed answer runs to its end inside its request
        response.close()
        where = f"{method} {urlsplit(url).path}"
        if response.status_code >= 500:
            self.finding("5xx", where, f"{response.status_code} {detail}".strip())
        if response.mimetype == "text/html":
            text = response.get_data(as_text=True)
            for echo in unescaped_echoes(text):
                self.finding("echo", where, echo)
        return response

    def _token_from(self, client: FlaskClient, url: str) -> str:
        page = client.get(url)
        forms = parse_forms(url, page.get_data(as_text=True))
        tokens = [f.value for form in forms for f in form.fields if f.name == "csrf_token"]
        return tokens[0] if tokens else ""

    def login(self, client: FlaskClient, email: str | None) -> bool:
        """Log in through the form; remember the new session's CSRF token for every post."""
        client.delete_cookie("session")
        if email is None:
            self.token = self._token_from(client, "/login")
            return True
        for password in dict.fromkeys(self.passwords):
            response = client.post(
                "/login",
                data={
                    "csrf_token": self._token_from(client, "/login"),
                    "email": email,
                    "password": password,
                },
            )
            if response.status_code == 302:
                break
        else:
            return False
        self.renew_consent(client)
        self.token = self._token_from(client, "/account")
        return True

    def renew_consent(self, client: FlaskClient) -> bool:
        """Agree to new legal texts when the app asks (the sweep's own edits of the privacy
        policy ask everybody), as a person would; True when it asked."""
        if not client.get("/account").headers.get("Location", "").startswith("/account/consent"):
            return False
        page = client.get("/account/consent")
        for form in parse_forms("/account/consent", page.get_data(as_text=True)):
            if form.method == "POST" and urlsplit(form.action).path == "/account/consent":
                items = [
                    (n, self.token if n.endswith("csrf_token") else v)
                    for n, v in self._values(form)
                ]
                client.post(urlsplit(form.action).path, data=MultiDict(items))
        return True

    def crawl(self, client: FlaskClient, extra: Iterable[str] = ()) -> list[tuple[str, str]]:
        """The pages reached, ``(url, html)``: up to ``per_kind`` of each kind (the forms a page
        shows depend on the state of its object: an open survey, a comment of one's own)."""
        pages: list[tuple[str, str]] = []
        kinds: dict[str, int] = {}
        queue = [*extra, *START_PATHS]
        visited_urls: set[str] = set()
        while queue and len(pages) < MAX_PAGES:
            url = queue.pop(0)
            if url in visited_urls:
                continue
            visited_urls.add(url)
            kind = kind_of(self.app, url)
            if kinds.get(kind, 0) >= self.options.per_kind:
                continue
            kinds[kind] = kinds.get(kind, 0) + 1
            response = self.open(client, "GET", url)
            if response.status_code in (301, 302, 303):
                location = urlsplit(urljoin(url, response.headers["Location"]))
                if location.netloc in ("", "localhost") and not location.path.startswith(
                    SKIPPED_PREFIXES
                ):
                    queue.append(location.path + (f"?{location.query}" if location.query else ""))
                continue
            if response.mimetype != "text/html":
                continue
            html = response.get_data(as_text=True)
            pages.append((url, html))
            self.pages += 1
            queue.extend(_links(url, html))
        return pages

    # -- posting --

    def _values(self, form: Form) -> list[tuple[str, object]]:
        items: list[tuple[str, object]] = []
        for item in form.fields:
            if item.kind == "file":
                content, filename = baseline_file(form.action, item.name)
                items.append((item.name, (io.BytesIO(content), filename)))
            elif item.kind == "checkbox":
                items.append((item.name, item.choices[0]))
            elif item.kind == "select" and item.multiple:
                items.extend((item.name, c) for c in item.choices[:2] if c)
            else:
                items.append((item.name, item.value))
        return items

    def variants(self, form: Form) -> Iterator[tuple[str, list[tuple[str, object]]]]:
        base = self._values(form)
        yield "baseline", base
        by_kind = {
            "text": [f for f in form.fields if f.kind in ("text", "textarea", "email", "url")],
            "password": [f for f in form.fields if f.kind == "password"],
            "number": [f for f in form.fields if f.kind == "number"],
            "date": [f for f in form.fields if f.kind in ("date", "datetime", "time")],
            "choice": [
                f for f in form.fields if f.kind in ("select", "radio", "checkbox", "button")
            ],
            "file": [f for f in form.fields if f.kind == "file"],
        }
        hidden = [
            f for f in form.fields if f.kind == "hidden" and not f.name.endswith("csrf_token")
        ]

        def replaced(targets: list[Field], value) -> list[tuple[str, object]]:
            names = {t.name for t in targets}
            out = [(n, v) for n, v in base if n not in names]
            out += [(t.name, value) for t in targets]
            return out

        text_targets = by_kind["text"]
        groups = [[t] for t in text_targets] if self.options.per_field else [text_targets]
        if len(groups) > 1:
            groups.append(text_targets)
        for family in self.options.text_families:
            for group in groups if text_targets else []:
                names = ",".join(t.name for t in group)
                yield f"text:{family}:{names}", replaced(group, TEXT_FAMILIES[family])
            if hidden and family in ("script", "huge", "bad_utf8", "control"):
                yield f"hidden:{family}", replaced(hidden, TEXT_FAMILIES[family])
        for family in self.options.password_families:
            if by_kind["password"]:
                value = TEXT_FAMILIES[family]
                yield f"password:{family}", replaced(by_kind["password"], value)
        for kind, families, values in (
            ("number", self.options.number_families, NUMBER_FAMILIES),
            ("date", self.options.date_families, DATE_FAMILIES),
            ("choice", self.options.choice_families, CHOICE_FAMILIES),
        ):
            targets = by_kind[kind]
            groups = [[t] for t in targets] if self.options.per_field else [targets]
            for family in families:
                for group in groups if targets else []:
                    out = [(n, v) for n, v in base if n not in {t.name for t in group}]
                    for target in group:
                        value = values[family]
                        if target.kind == "datetime" and re.fullmatch(r"\d{4}-\d\d-\d\d", value):
                            value += "T00:00"
                        elif target.kind == "time":
                            value = {"year_1": "25:61", "year_9999": "-1:00"}.get(family, value)
                        out.append((target.name, value))
                    names = ",".join(t.name for t in group)
                    yield f"{kind}:{family}:{names}", out
        for family in self.options.file_families:
            for target in by_kind["file"]:
                content = {
                    "empty_file": (io.BytesIO(b""), "leer.pdf"),
                    "wrong_type": (io.BytesIO(b"MZ\x90\x00 not really"), "bild.png"),
                    "huge_file": (io.BytesIO(b"0" * 9_000_000), "gross.pdf"),
                    "script_name": (io.BytesIO(b"%PDF-1.4\n"), f"{IMG}.pdf"),
                }[family]
                yield f"file:{family}:{target.name}", replaced([target], content)
        if "missing_fields" in self.options.shape_families:
            yield "missing_fields", [(n, v) for n, v in base if n.endswith("csrf_token")]
        if "duplicate_fields" in self.options.shape_families:
            doubled = list(base)
            for item in form.fields:
                kinds = ("text", "textarea", "number", "select", "hidden", "date")
                if item.kind in kinds and not item.name.endswith("csrf_token"):
                    doubled.append((item.name, "zweiter Wert"))
            yield "duplicate_fields", doubled

    def submit(self, client: FlaskClient, form: Form, family: str, items) -> object:
        response = self._send(client, form, family, items)
        asked = response.headers.get("Location", "").startswith("/account/consent")
        if asked and self.renew_consent(client):
            response = self._send(client, form, family, items)
        return response

    def _send(self, client: FlaskClient, form: Form, family: str, items) -> object:
        items = [(n, self.token if n.endswith("csrf_token") else v) for n, v in items]
        items = [(n, f"sweep-{self.requests}" if v == UNIQUE else v) for n, v in items]
        if form.method == "GET":
            query = urlencode([(n, v) for n, v in items if isinstance(v, str)])
            url = urlsplit(form.action).path + (f"?{query}" if query else "")
            return self.open(client, "GET", url)
        path = urlsplit(form.action)
        url = path.path + (f"?{path.query}" if path.query else "")
        if any(isinstance(v, bytes) for _, v in items):
            body = "&".join(
                f"{quote(n)}={v.decode() if isinstance(v, bytes) else quote(str(v))}"
                for n, v in items
                if not isinstance(v, tuple)
            )
            return self.open(
                client,
                "POST",
                url,
                data=body,
                content_type="application/x-www-form-urlencoded",
                _family=family,
            )
        if form.multipart or any(isinstance(v, tuple) for _, v in items):
            fresh = []
            for n, v in items:
                if isinstance(v, tuple):  # files are read once: copy them per request
                    stream, name = v
                    stream.seek(0)
                    v = (io.BytesIO(stream.read()), name)
                fresh.append((n, v))
            return self.open(
                client,
                "POST",
                url,
                data=MultiDict(fresh),
                content_type="multipart/form-data",
                _family=family,
            )
        return self.open(client, "POST", url, data=MultiDict(items), _family=family)

    def check_kept(self, form: Form, family: str, items, response) -> None:
        """A form shown again with an error keeps the plausible text typed beside the bad value."""
        if response.status_code in (301, 302, 303) or response.mimetype != "text/html":
            return
        if form.method == "GET" or family.startswith(("text:", "hidden:")):
            return
        if family in ("missing_fields",):
            return
        html = response.get_data(as_text=True)
        if not any(f.action == form.action for f in parse_forms(form.page, html)):
            return  # another page: nothing to keep
        self.kept_checks += 1
        kinds = {f.name: f.kind for f in form.fields}
        for name, value in items:
            typed = kinds.get(name) in ("text", "textarea") and value == BASE_TEXT
            if typed and BASE_TEXT not in html:
                where = f"POST {urlsplit(form.action).path}"
                self.finding("lost-input", where, f"{family}: {name} not shown again")
                return

    def post_forms(self, client: FlaskClient, email: str | None, forms: list[Form]) -> None:
        ordered = sorted(forms, key=lambda f: (f.destructive, f.ends_session))
        for form in ordered:
            if form.ends_session and email not in self.finishing:
                self.deferred.setdefault(email, []).append(form)
                continue
            if form.destructive and not self.options.destructive:
                continue
            self.forms += 1
            statuses: dict[int, int] = {}
            for family, items in self.variants(form):
                response = self.submit(client, form, family, items)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                location = response.headers.get("Location", "")
                if form.method == "POST" and response.status_code in (302, 303) and location:
                    target = urlsplit(urljoin(form.action, location))
                    if target.netloc in ("", "localhost"):
                        path = target.path + (f"?{target.query}" if target.query else "")
                        if not path.startswith(SKIPPED_PREFIXES):
                            self.landed.add(path)
                if self.options.trace is not None:
                    print(
                        form.method,
                        form.action,
                        family,
                        response.status_code,
                        response.headers.get("Location", ""),
                        file=self.options.trace,
                    )
                if family == "baseline":
                    self.log(f"  {form.method} {form.action} baseline -> {response.status_code}")
                self.check_kept(form, family, items, response)
                if form.ends_session and response.status_code < 400:
                    for name, value in items:
                        if "password" in name and isinstance(value, str):
                            self.passwords.insert(0, value)  # perhaps the new one
                    if not self.login(client, email):
                        self.log(f"  {email} cannot log in again after {family}")
                        return  # the account is gone (or its password changed): done
            self.log(f"  {form.method} {form.action} {sorted(statuses.items())}")

    # -- the whole run --

    def form_key(self, form: Form) -> str:
        names = sorted({re.sub(r"[0-9]+", "N", f.name) for f in form.fields})
        return kind_of(self.app, form.action, form.method) + "|" + ",".join(names)

    def forms_of(self, pages: list[tuple[str, str]]) -> list[Form]:
        found: dict[str, Form] = {}
        for url, html in pages:
            for form in parse_forms(url, html):
                found.setdefault(self.form_key(form), form)
        return list(found.values())

    def run_person(self, email: str | None) -> None:
        """Crawl and post every form; then again, for the forms that only the first round's
        posts brought about (an own comment's edit form, a hidden contribution's restore...)."""
        client = self.app.test_client()
        started = time.monotonic()
        assert self.login(client, email), f"login as {email} failed"
        posted: set[str] = set()
        for _round in range(self.options.rounds):
            pages = self.crawl(client, extra=sorted(self.landed) if _round else ())
            forms = [f for f in self.forms_of(pages) if self.form_key(f) not in posted]
            posted.update(self.form_key(f) for f in forms)
            self.log(f"{email}: {len(pages)} pages, {len(forms)} new forms")
            self.post_forms(client, email, forms)
        self.log(f"{email}: done in {time.monotonic() - started:.1f} s, {self.requests} requests")

    def recrawl(self, email: str | None) -> None:
        """Every kind of page again, and every page a successful post led to (the things the
        hostile values went into), as this person."""
        client = self.app.test_client()
        if self.login(client, email):
            self.crawl(client)
            for path in sorted(self.landed):
                self.open(client, "GET", path)
        else:
            self.log(f"{email}: no login any more (the sweep deleted the account)")

    def scan_database(self) -> None:
        from sqlalchemy import Date, DateTime, String, Text, select

        from app.extensions import db

        control = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
        with self.app.app_context():
            for table in db.metadata.sorted_tables:
                for column in table.columns:
                    if isinstance(column.type, String | Text):
                        limit = getattr(column.type, "length", None)
                        rows = db.session.execute(
                            select(table.c[column.name]).where(table.c[column.name].is_not(None))
                        ).scalars()
                        for value in rows:
                            if not isinstance(value, str):
                                continue
                            where = f"{table.name}.{column.name}"
                            if control.search(value):
                                self.finding("stored", where, f"control char in {value[:60]!r}")
                            if limit and len(value) > limit:
                                self.finding("stored", where, f"{len(value)} chars > {limit}")
                            elif len(value) > 100_000:
                                self.finding("stored", where, f"{len(value)} chars kept")
                            if value and not value.strip() and not column.nullable:
                                self.finding("stored", where, f"whitespace only {value!r}")
                            if URLISH.search(column.name) and value.lower().startswith(
                                "javascript:"
                            ):
                                self.finding("stored", where, f"{value[:60]!r}")
                    elif isinstance(getattr(column.type, "impl", column.type), Date | DateTime):
                        rows = db.session.execute(select(table.c[column.name])).scalars()
                        for value in rows:
                            if (
                                isinstance(value, date | datetime)
                                and not 1900 <= value.year <= 2200
                            ):
                                self.finding("stored", f"{table.name}.{column.name}", str(value))
            db.session.remove()

    def run(
        self, people: Iterable[str | None], viewers: Iterable[str | None] = ()
    ) -> list[Finding]:
        """Post every form as each of ``people``; look at everything again as them and as
        ``viewers``; then end their logins and accounts and look once more, anonymously."""
        people = list(people)
        for email in people:
            self.run_person(email)
        self.scan_database()
        for email in dict.fromkeys([*people, *viewers]):
            self.recrawl(email)
        for email in people:
            if self.deferred.get(email):
                self.finishing.add(email)
                client = self.app.test_client()
                if self.login(client, email):
                    self.post_forms(client, email, self.deferred[email])
        self.scan_database()
        self.recrawl(None)
        return self.findings


# --- the command line: the full sweep on a fresh demo ----------------------------------------------

DEMO_PEOPLE: tuple[str | None, ...] = (
    None,
    "buerger@musterstadt.example",
    "buerger@beispielheim.example",
    "rat@musterstadt.example",
    "rat2@musterstadt.example",
    "moderation@musterstadt.example",
    "begleitung@musterstadt.example",
    "kompass@trialog.example",
    "verwaltung@beispielheim.example",
    "verwaltung@musterstadt.example",
    "admin@trialog.example",
)


def demo_app(database_url: str) -> Flask:
    """An app on ``database_url`` (emptied), the demo seeded, CSRF on, 500s answered not raised."""
    import os

    os.environ["TEST_DATABASE_URL"] = database_url
    from app import create_app
    from app.demo import seed_demo
    from app.extensions import db, limiter, write_limiter

    app = create_app("testing")
    app.config.update(WTF_CSRF_ENABLED=True, PROPAGATE_EXCEPTIONS=False, RATELIMIT_ENABLED=False)
    limiter.enabled = False
    write_limiter.enabled = False
    with app.app_context():
        db.drop_all()
        db.create_all()
    with app.test_request_context():
        seed_demo()
        db.session.commit()
        db.session.remove()
    return app


def main(argv: list[str]) -> int:
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="a database URL to empty and use (default: SQLite)")
    parser.add_argument("--person", action="append", help="only these people ('anonymous')")
    parser.add_argument("--trace", help="write one line per form post to this file")
    args = parser.parse_args(argv)
    url = args.database or f"sqlite:///{tempfile.mkdtemp(prefix='trialog-sweep-')}/sweep.db"
    people = DEMO_PEOPLE
    if args.person:
        people = tuple(None if p == "anonymous" else p for p in args.person)
    started = time.monotonic()
    trace = open(args.trace, "w") if args.trace else None  # noqa: SIM115  closed at exit
    options = Options(verbose=True, trace=trace)
    sweep = Sweep(demo_app(url), options)
    findings = sweep.run(people)
    print(
        f"{len(findings)} findings; {sweep.pages} pages, {sweep.forms} forms, "
        f"{sweep.requests} requests, {sweep.kept_checks} error pages checked for kept input, "
        f"in {time.monotonic() - started:.0f} s"
    )
    for item in findings:
        print(item)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
