"""Soft hyphens in long words, so that a narrow column breaks "Beteiligungs-verfahren" at a
syllable instead of anywhere ("Beteiligungsverfa|hren") or not at all.

Browsers hyphenate with ``hyphens: auto`` only where they carry a dictionary for the language;
many do not. The soft hyphens (U+00AD) are invisible unless the line breaks there. Pyphen holds
the LibreOffice hyphenation patterns.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pyphen

SOFT_HYPHEN = "\u00ad"
MIN_LENGTH = 10  # shorter words fit any column
_WORD = re.compile(rf"\w{{{MIN_LENGTH},}}")


@lru_cache(maxsize=4)
def _dictionary(language: str) -> pyphen.Pyphen:
    return pyphen.Pyphen(lang=language if language in pyphen.LANGUAGES else "de_DE")


def hyphenate(text: str | None, language: str = "de_DE") -> str:
    """``text`` with soft hyphens between the syllables of its long words (plain text; escape it
    on output as any other)."""
    if not text:
        return ""
    dictionary = _dictionary(language)
    return _WORD.sub(lambda match: dictionary.inserted(match.group(0), hyphen=SOFT_HYPHEN), text)
