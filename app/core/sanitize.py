"""Every piece of user text passes through here before it is stored.

Rich text keeps a small allow-list of tags; links get ``rel="nofollow ugc noopener"``. Plain text is
normalised (control characters and surrounding space removed) and escaped on output by Jinja.
"""

from __future__ import annotations

import html
import re
import threading
import unicodedata

import bleach
from bleach.linkifier import Linker
from markupsafe import Markup

RICH_TAGS = frozenset({"p", "br", "strong", "b", "em", "i", "ul", "ol", "li", "a", "blockquote"})
RICH_ATTRIBUTES = {"a": ["href", "title", "rel"]}
RICH_PROTOCOLS = frozenset({"http", "https", "mailto"})
# Control characters (C0 but tab and newlines, DEL, C1) and the bidirectional embeddings,
# overrides and isolates: typed text never needs them (Arabic or Hebrew read right without), and
# an override in a name or title makes it, and the text after it on the page, read in another order
# than it is stored ("Trojan Source").
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINK_REL = "nofollow ugc noopener"


def _set_rel(attrs: dict, new: bool = False) -> dict:
    attrs[(None, "rel")] = _LINK_REL
    return attrs


_local = threading.local()


def _tools() -> tuple[bleach.Cleaner, Linker]:
    """This thread's cleaner and linker: bleach's parsers keep state while they work, so one
    instance shared by the threads of a threaded server mangles or crashes concurrent requests."""
    tools = getattr(_local, "tools", None)
    if tools is None:
        cleaner = bleach.Cleaner(
            tags=RICH_TAGS,
            attributes=RICH_ATTRIBUTES,
            protocols=RICH_PROTOCOLS,
            strip=True,
            strip_comments=True,
        )
        tools = _local.tools = (cleaner, Linker(callbacks=[_set_rel], skip_tags={"pre", "code"}))
    return tools


def clean_plain(text: str | None) -> str:
    """Normalise a plain-text field: NFC, no control characters, no surrounding whitespace."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n")
    return _CONTROL.sub("", text).strip()


_BLOCK_END = re.compile(r"</(p|li|blockquote|h[2-4])>|<br\s*/?>", re.IGNORECASE)
_SPACE = re.compile(r"[ \t]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def plain_text(rich: str | None) -> str:
    """The readable text of sanitised HTML, for excerpts, search and "is it empty?" checks:
    tags removed, entities decoded, one line per paragraph (escape it again on output)."""
    if not rich:
        return ""
    text = _BLOCK_END.sub("\n", rich)
    text = html.unescape(bleach.clean(text, tags=set(), strip=True))
    text = _SPACE.sub(" ", text)
    return _BLANK_LINES.sub("\n", text).strip()


def clean_rich(html: str | None) -> Markup:
    """Sanitised rich text, safe to render with ``|safe``."""
    cleaner, linker = _tools()
    cleaned = cleaner.clean(clean_plain(html))
    return Markup(linker.linkify(cleaned))  # noqa: S704  bleach output is the safe form


DOCUMENT_TAGS = RICH_TAGS | {"h2", "h3", "h4"}
_document_local = threading.local()


def clean_document(html: str | None) -> Markup:
    """Sanitised rich text of a long document (legal pages): ``clean_rich`` plus headings."""
    cleaner = getattr(_document_local, "cleaner", None)
    if cleaner is None:
        cleaner = _document_local.cleaner = bleach.Cleaner(
            tags=DOCUMENT_TAGS,
            attributes=RICH_ATTRIBUTES,
            protocols=RICH_PROTOCOLS,
            strip=True,
            strip_comments=True,
        )
    _cleaner, linker = _tools()
    return Markup(linker.linkify(cleaner.clean(clean_plain(html))))  # noqa: S704  bleach output


def render_markdown(source: str | None) -> str:
    """Sanitised HTML from what a person typed: the one input format for everything citizens
    write (proposals, comments, statements).

    Markdown (blank lines for paragraphs, ``**bold**``, ``*italic*``, ``- lists``,
    ``[links](https://…)``) needs no editor and no JavaScript; the HTML it produces, and any HTML
    typed directly, then passes ``clean_rich``, whose output alone is ever rendered.
    """
    import markdown

    text = clean_plain(source)
    if not text:
        return ""
    converted = markdown.markdown(text, extensions=["nl2br", "sane_lists"], output_format="html")
    return str(clean_rich(converted))
