"""Word folding, a crude German stem and safe highlighting, for the SQLite fallback and excerpts.

PostgreSQL stems with its ``german`` dictionary; SQLite cannot, so the fallback folds case and
umlauts (``Bäume`` → ``baume``) and strips common endings (→ ``baum``), then matches with LIKE. The
same folding finds the words to highlight in an excerpt. Folding maps one character to one
character, so a match's position in the folded text is its position in the original.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "s", "é": "e", "è": "e", "à": "a"})
_ENDINGS = ("ern", "en", "er", "es", "e", "n", "s")
_WORD = re.compile(r"\w+")
MAX_WORDS = 8


def fold(text: str | None) -> str:
    """Lower case without umlauts, one character for one character."""
    if not text:
        return ""
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text).translate(_FOLD)


def stem(word: str) -> str:
    folded = fold(word)
    for ending in _ENDINGS:
        if folded.endswith(ending) and len(folded) - len(ending) >= 3:
            return folded[: -len(ending)]
    return folded


def stems(query: str) -> list[str]:
    """The stems of the query's words (at most ``MAX_WORDS``, each at least two characters)."""
    found: list[str] = []
    for word in _WORD.findall(query):
        stemmed = stem(word)
        if len(stemmed) >= 2 and stemmed not in found:
            found.append(stemmed)
    return found[:MAX_WORDS]


def excerpt(text: str, query_stems: list[str], width: int = 220) -> Markup:
    """A piece of ``text`` around its first match, escaped, with every match in ``<mark>``.

    The text is escaped piece by piece and only the ``<mark>`` tags are added as markup, so nothing
    a person wrote can become HTML.
    """
    text = " ".join(text.split())
    folded = fold(text)
    spans: list[tuple[int, int]] = []
    for s in query_stems:
        for match in re.finditer(re.escape(s) + r"\w*", folded):
            spans.append(match.span())
    start = 0
    if spans and len(text) > width:
        first = min(a for a, _b in spans)
        start = max(0, first - width // 3)
        while start > 0 and not text[start - 1].isspace():  # begin at a word
            start -= 1
    end = min(len(text), start + width)
    if end < len(text):
        while end > start and not text[end - 1].isspace() and end - start > width - 30:
            end -= 1
    spans = sorted((max(a, start), min(b, end)) for a, b in spans if b > start and a < end)
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    parts: list[Markup] = [Markup("… ")] if start > 0 else []
    cursor = start
    for a, b in merged:
        parts.append(escape(text[cursor:a]))
        parts.append(Markup("<mark>") + escape(text[a:b]) + Markup("</mark>"))
        cursor = b
    parts.append(escape(text[cursor:end].rstrip()))
    if end < len(text):
        parts.append(Markup(" …"))
    return Markup("").join(parts)
