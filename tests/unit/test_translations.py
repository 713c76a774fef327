"""The German catalog is complete for the current source, sound, and compiles; pages switch language.

German is the default locale, so an untranslated message is a visible bug: the page shows English in
the middle of German text. These tests extract the messages from the source exactly as
``make extract-messages`` does (babel.cfg's method map, the Makefile's keywords), so a string added
without its German translation fails here, with the list of what is missing.

To fix a failure: ``make extract-messages``, translate the new entries in
``translations/de/LC_MESSAGES/messages.po`` (no ``fuzzy`` flags), then ``make translations``.
"""

from __future__ import annotations

import gettext
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
BABEL_CFG = ROOT / "babel.cfg"
GERMAN_PO = ROOT / "translations" / "de" / "LC_MESSAGES" / "messages.po"

# The Makefile's `pybabel extract -k _l -k lazy_gettext`, on top of babel's defaults (_, gettext, ...).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}

# A printf-style conversion as Python's % operator reads it, "%%" included, or else a stray "%" with
# the character after it: Jinja formats every template string with %, so "100 % sicher" breaks a
# page as surely as a misspelt %(name)s does.
PLACEHOLDER = re.compile(
    r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]|%.?",
    re.DOTALL,
)


def _text(value) -> tuple[str, ...]:
    """A message id or translation as a tuple of strings (plural messages have several)."""
    if isinstance(value, (tuple, list)):
        return tuple(value)
    return (value,)


def _label(message: Message) -> str:
    return " | ".join(_text(message.id))


@pytest.fixture(scope="module")
def source_messages(tmp_path_factory) -> Catalog:
    """The messages of the current source, extracted into a temporary .pot and read back."""
    with BABEL_CFG.open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, str(BABEL_CFG))
    template = Catalog(fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    with pot.open("wb") as target:
        write_po(target, template, no_location=True, sort_output=True)
    with pot.open("rb") as source:
        return read_po(source)


@pytest.fixture(scope="module")
def german() -> Catalog:
    with GERMAN_PO.open("rb") as source:
        return read_po(source, locale="de")


def test_extraction_finds_the_messages(source_messages: Catalog) -> None:
    """Guards the guard: a broken method map would find nothing and let everything pass."""
    ids = {message.id for message in source_messages if message.id}
    assert len(ids) > 100
    assert "Municipalities" in ids  # a template, through the jinja2 extractor
    assert "Please log in to continue." in ids  # Python, through _l


def test_german_catalog_is_complete(source_messages: Catalog, german: Catalog) -> None:
    assert not german.fuzzy, "the header of the German catalog is fuzzy; pybabel compile skips it"
    problems = []
    for message in source_messages:
        if not message.id:
            continue
        translated = german.get(message.id, context=message.context)
        if translated is None:
            problems.append(f"missing: {_label(message)!r}")
        elif translated.fuzzy:
            problems.append(f"fuzzy:   {_label(message)!r}")
        elif not all(_text(translated.string)) or len(_text(translated.string)) < len(
            _text(message.id)
        ):
            problems.append(f"empty:   {_label(message)!r}")
    if problems:
        pytest.fail(
            f"{len(problems)} message(s) lack a German translation in "
            f"{GERMAN_PO.relative_to(ROOT)} (run `make extract-messages` and translate them):\n"
            + "\n".join(problems),
            pytrace=False,
        )


def _placeholders(text: str) -> Counter[str]:
    return Counter(match.group(0) for match in PLACEHOLDER.finditer(text))


def test_translations_keep_the_placeholders(german: Catalog) -> None:
    """Every translation uses exactly the original's placeholders (%(name)s, %d, %%).

    A plural form may leave out a placeholder that another form uses (German "ein Verfahren"), but
    may not use one the original lacks, and together the forms must use them all.
    """
    problems = []
    for message in german:
        if not message.id or not any(_text(message.string)):
            continue  # untranslated: test_german_catalog_is_complete reports it
        originals = [_placeholders(text) for text in _text(message.id)]
        translations = [_placeholders(text) for text in _text(message.string) if text]
        if message.pluralizable:
            allowed = set().union(*originals)
            used = set().union(*translations)
            ok = used == allowed
        else:
            ok = translations == originals
        if not ok:
            problems.append(
                f"{_label(message)!r}\n    -> {' | '.join(_text(message.string))!r}\n"
                f"    expected {sorted(set().union(*originals))}, "
                f"found {sorted(set().union(*translations))}"
            )
    if problems:
        pytest.fail(
            "placeholders differ from the English original:\n" + "\n".join(problems), pytrace=False
        )


def test_catalog_compiles(german: Catalog, tmp_path: Path) -> None:
    """What ``make translations`` does, into a temporary directory: the .mo is not kept in git."""
    errors = [f"{_label(message)!r}: {error}" for message, errs in german.check() for error in errs]
    if errors:
        pytest.fail("pybabel compile would report:\n" + "\n".join(errors), pytrace=False)

    mo = tmp_path / "de" / "LC_MESSAGES" / "messages.mo"
    mo.parent.mkdir(parents=True)
    with mo.open("wb") as target:
        write_mo(target, german)
    compiled = gettext.translation("messages", localedir=tmp_path, languages=["de"])
    assert compiled.gettext("Municipalities") == german.get("Municipalities").string
    assert compiled.gettext("Hello %(name)s,") % {"name": "Ada"} == (
        german.get("Hello %(name)s,").string % {"name": "Ada"}
    )


def test_compiled_catalogs_stay_out_of_git() -> None:
    """The Makefile compiles the .mo; a committed one would go stale behind the .po."""
    mo = GERMAN_PO.with_suffix(".mo").relative_to(ROOT)
    try:
        ignored = subprocess.run(
            ["git", "check-ignore", "--quiet", "--no-index", str(mo)], cwd=ROOT, timeout=10
        )
        tracked = subprocess.run(
            ["git", "ls-files", "--", "translations/*.mo"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (FileNotFoundError, subprocess.TimeoutExpired):
        pytest.skip("git is not available")
    if tracked.returncode != 0:
        pytest.skip("not a git checkout")
    assert ignored.returncode == 0, f"{mo} is not git-ignored"
    assert not tracked.stdout.strip(), f"compiled catalogs are tracked in git:\n{tracked.stdout}"


def test_pages_are_german_by_default_and_english_on_request(client) -> None:
    german_page = client.get("/")
    assert german_page.status_code == 200
    html = german_page.get_data(as_text=True)
    assert '<html lang="de">' in html
    assert "Kommunen auf dieser Plattform" in html
    assert ">Kommunen</a>" in html  # main navigation
    assert "Municipalities" not in html

    switched = client.get("/lang/en")
    assert switched.status_code == 302

    english_page = client.get("/")
    html = english_page.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Municipalities on this platform" in html
    assert ">Municipalities</a>" in html
    assert "Kommunen" not in html

    client.get("/lang/de")
    assert '<html lang="de">' in client.get("/").get_data(as_text=True)
