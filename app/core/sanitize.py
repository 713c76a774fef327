"""Every piece of user text passes through here before it is stored.

Rich text keeps a small allow-list of tags; links get ``rel="nofollow ugc noopener"``. Plain text is
normalised (control characters and surrounding space removed) and escaped on output by Jinja.
"""

from __future__ import annotations

import re
import unicodedata

import bleach
from bleach.linkifier import Linker
from markupsafe import Markup

RICH_TAGS = frozenset({"p", "br", "strong", "b", "em", "i", "ul", "ol", "li", "a", "blockquote"})
RICH_ATTRIBUTES = {"a": ["href", "title", "rel"]}
RICH_PROTOCOLS = frozenset({"http", "https", "mailto"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINK_REL = "nofollow ugc noopener"


def _set_rel(attrs: dict, new: bool = False) -> dict:
    attrs[(None, "rel")] = _LINK_REL
    return attrs


_cleaner = bleach.Cleaner(
    tags=RICH_TAGS,
    attributes=RICH_ATTRIBUTES,
    protocols=RICH_PROTOCOLS,
    strip=True,
    strip_comments=True,
)
_linker = Linker(callbacks=[_set_rel], skip_tags={"pre", "code"})


def clean_plain(text: str | None) -> str:
    """Normalise a plain-text field: NFC, no control characters, no surrounding whitespace."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n")
    return _CONTROL.sub("", text).strip()


def clean_rich(html: str | None) -> Markup:
    """Sanitised rich text, safe to render with ``|safe``."""
    cleaned = _cleaner.clean(clean_plain(html))
    return Markup(_linker.linkify(cleaned))  # noqa: S704  bleach output is the safe form
