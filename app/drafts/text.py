"""The text of a draft: parsing what staff write or import, matching paragraphs across versions,
and the paragraph-by-paragraph diff. Pure functions, no database.

Staff write a draft as Markdown: a line starting with ``#`` (any level) opens a chapter, blank lines
separate paragraphs, ``**bold**``, ``*italic*``, ``- lists`` and links work inside a paragraph. A Word
file is turned into the same text (headings become chapters, paragraphs stay paragraphs), so the
editor, the Markdown import and the Word import share one parser and one preview. Every paragraph's
HTML passes the shared sanitiser; its plain words are kept for matching and diffs.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from io import BytesIO

import markdown
from flask_babel import gettext as _

from app.core.sanitize import clean_plain, clean_rich, plain_text

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
MAX_HEADING = 300
# Two paragraphs continue one another when this share of their words is the same.
SIMILARITY = 0.6


class TextInvalid(ValueError):
    """The text cannot become a draft; ``str(error)`` says why, for the person."""


@dataclass
class ParsedParagraph:
    source: str
    body: str  # sanitised HTML
    text: str  # plain words


@dataclass
class ParsedChapter:
    heading: str
    paragraphs: list[ParsedParagraph] = field(default_factory=list)


@dataclass
class ParsedText:
    """What an import found: a title (if the file names one), an introduction, the chapters."""

    title: str = ""
    introduction_source: str = ""
    introduction: str = ""  # sanitised HTML of the source
    body_source: str = ""
    chapters: list[ParsedChapter] = field(default_factory=list)

    @property
    def paragraph_count(self) -> int:
        return sum(len(c.paragraphs) for c in self.chapters)


def render(source: str) -> str:
    """Sanitised HTML of a piece of Markdown."""
    text = clean_plain(source)
    if not text:
        return ""
    converted = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
    return str(clean_rich(converted))


def plain(body: str) -> str:
    """The words of sanitised HTML, one space between them."""
    return " ".join(plain_text(body).split())


def _blocks(source: str) -> list[str]:
    """Blocks separated by blank lines; a heading line is always a block of its own."""
    blocks: list[str] = []
    current: list[str] = []
    for line in clean_plain(source).split("\n"):
        if not line.strip() or HEADING.match(line):
            if current:
                blocks.append("\n".join(current))
                current = []
            if line.strip():
                blocks.append(line.strip())
            continue
        current.append(line.rstrip())
    if current:
        blocks.append("\n".join(current))
    return blocks


def _paragraph(block: str) -> ParsedParagraph | None:
    body = render(block)
    words = plain(body)
    if not words:
        return None
    return ParsedParagraph(source=block, body=body, text=words)


def parse_body(source: str, *, preface_allowed: bool = False) -> tuple[str, list[ParsedChapter]]:
    """The chapters of a body text, and what stood before the first heading (the preface).

    Without ``preface_allowed`` a paragraph before the first heading is an error: in the editor
    every paragraph belongs to a chapter.
    """
    preface: list[str] = []
    chapters: list[ParsedChapter] = []
    for block in _blocks(source):
        heading = HEADING.match(block)
        if heading:
            text = clean_plain(heading.group(2))[:MAX_HEADING]
            if not text:
                continue
            chapters.append(ParsedChapter(heading=text))
            continue
        if not chapters:
            preface.append(block)
            continue
        paragraph = _paragraph(block)
        if paragraph is not None:
            chapters[-1].paragraphs.append(paragraph)
    if preface and not preface_allowed:
        raise TextInvalid(_("Start the text with a chapter heading: a line beginning with “## ”."))
    return "\n\n".join(preface), chapters


def text_of(chapters: list[ParsedChapter]) -> str:
    """The body source of ``chapters`` again, in the editor's form."""
    parts = []
    for chapter in chapters:
        parts.append(f"## {chapter.heading}")
        parts.extend(p.source for p in chapter.paragraphs)
    return "\n\n".join(parts)


def _split_title(blocks_source: str) -> tuple[str, str]:
    """A leading level-1 heading is the title when deeper headings follow it."""
    lines = clean_plain(blocks_source).split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return "", ""
    match = HEADING.match(lines[first])
    rest = "\n".join(lines[first + 1 :])
    if (
        match
        and len(match.group(1)) == 1
        and any((m := HEADING.match(line)) and len(m.group(1)) > 1 for line in lines[first + 1 :])
    ):
        return clean_plain(match.group(2))[:200], rest
    return "", "\n".join(lines)


def parse_markdown(source: str) -> ParsedText:
    """A Markdown file: an optional ``# Title``, an introduction, then ``##`` chapters."""
    title, rest = _split_title(source)
    preface, chapters = parse_body(rest, preface_allowed=True)
    return ParsedText(
        title=title,
        introduction_source=preface,
        introduction=render(preface),
        body_source=text_of(chapters),
        chapters=chapters,
    )


def _escape_markdown(text: str) -> str:
    """Word text taken literally: characters Markdown would read as markup are escaped."""
    return re.sub(r"([\\`*_\[\]#<>])", r"\\\1", text)


def _run_markdown(paragraph) -> str:
    """A Word paragraph's runs as Markdown: bold and italic kept, everything else plain."""
    parts = []
    for run in paragraph.runs:
        text = _escape_markdown(run.text or "")
        if not text.strip():
            parts.append(text)
            continue
        lead = text[: len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()) :]
        core = text.strip()
        if run.bold:
            core = f"**{core}**"
        if run.italic:
            core = f"*{core}*"
        parts.append(f"{lead}{core}{trail}")
    return "".join(parts).strip()


def docx_to_markdown(data: bytes) -> str:
    """The Markdown of a Word file: headings (and the title) become ``#`` lines, list paragraphs
    ``-`` items, other paragraphs stay paragraphs. Tables and images are left out."""
    from docx import Document  # python-docx; imported here so the rest loads without it

    try:
        document = Document(BytesIO(data))
    except Exception as exc:  # python-docx raises several kinds for files that are no DOCX
        raise TextInvalid(_("The file could not be read as a Word document (.docx).")) from exc
    lines: list[str] = []
    in_list = False
    for paragraph in document.paragraphs:
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        text = _run_markdown(paragraph)
        if not text:
            in_list = False
            continue
        if style == "Title":
            lines.extend(["", f"# {paragraph.text.strip()}", ""])
            in_list = False
        elif style.startswith("Heading"):
            level = style.removeprefix("Heading").strip()
            depth = int(level) + 1 if level.isdigit() else 2
            lines.extend(["", f"{'#' * min(depth, 6)} {paragraph.text.strip()}", ""])
            in_list = False
        elif style.startswith("List"):
            if not in_list:
                lines.append("")
            lines.append(f"- {text}")
            in_list = True
        else:
            lines.extend(["", text])
            in_list = False
    return "\n".join(lines).strip() + "\n"


def parse_docx(data: bytes) -> ParsedText:
    return parse_markdown(docx_to_markdown(data))


def decode_text_file(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TextInvalid(_("The file is not a text file."))


# --- identity across versions --------------------------------------------------------------------


def similarity(a: str, b: str) -> float:
    """How much of two paragraphs' words are the same (0 to 1)."""
    if a == b:
        return 1.0
    return difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()


def match(old: list[tuple[str, str]], new: list[str], threshold: float = SIMILARITY) -> list[str]:
    """The identity each new paragraph carries over, or "" for a new one.

    ``old`` is ``(identity, text)`` of the previous version in order, ``new`` the new texts. Equal
    texts pair first; then the most similar pairs above ``threshold``, each old paragraph at most
    once, so a split paragraph continues in one of its parts and the other part is new.
    """
    result = [""] * len(new)
    used: set[int] = set()
    by_text: dict[str, list[int]] = {}
    for i, (_identity, text) in enumerate(old):
        by_text.setdefault(text, []).append(i)
    for j, text in enumerate(new):
        candidates = [i for i in by_text.get(text, []) if i not in used]
        if candidates:
            used.add(candidates[0])
            result[j] = old[candidates[0]][0]
    pairs = []
    for j, text in enumerate(new):
        if result[j]:
            continue
        words = text.split()
        for i, (_identity, old_text) in enumerate(old):
            if i in used:
                continue
            matcher = difflib.SequenceMatcher(None, old_text.split(), words, autojunk=False)
            if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
                continue
            ratio = matcher.ratio()
            if ratio >= threshold:
                pairs.append((-ratio, abs(i - j), i, j))
    for _ratio, _distance, i, j in sorted(pairs):
        if i in used or result[j]:
            continue
        used.add(i)
        result[j] = old[i][0]
    return result


# --- the diff ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """A run of words in a changed paragraph: ``op`` is "same", "del" or "ins"."""

    op: str
    text: str


def word_diff(old: str, new: str) -> list[Piece]:
    """Which words of ``old`` went and which of ``new`` came, in reading order."""
    a, b = old.split(), new.split()
    pieces: list[Piece] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(Piece("same", " ".join(a[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            pieces.append(Piece("del", " ".join(a[i1:i2])))
        if tag in ("insert", "replace"):
            pieces.append(Piece("ins", " ".join(b[j1:j2])))
    return pieces
