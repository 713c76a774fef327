"""What a phone shows: long German words break at syllables, a "%" never stands alone."""

from __future__ import annotations

import re
from pathlib import Path

from app.core.hyphenate import SOFT_HYPHEN, hyphenate


def test_long_words_get_soft_hyphens_between_syllables():
    assert hyphenate("Beteiligungsverfahren Nord") == (
        f"Be{SOFT_HYPHEN}tei{SOFT_HYPHEN}li{SOFT_HYPHEN}gungs{SOFT_HYPHEN}ver{SOFT_HYPHEN}"
        f"fah{SOFT_HYPHEN}ren Nord"
    )
    assert hyphenate("Kurz und gut") == "Kurz und gut"
    assert hyphenate("<b>Sportplatzerweiterung</b>").startswith("<b>Sport")  # text, escaped later


def test_process_and_proposal_cards_hyphenate_their_titles(client, make_municipality, make_process):
    town = make_municipality(xss=False)
    make_process(town, xss=False, title="Beteiligungsverfahren Innenstadt")
    page = client.get(f"/{town.slug}/").get_data(as_text=True)
    assert f"Be{SOFT_HYPHEN}tei{SOFT_HYPHEN}li{SOFT_HYPHEN}gungs" in page


def test_process_cards_show_the_process_image(client, make_municipality, make_process):
    town = make_municipality(xss=False)
    process = make_process(town, xss=False, image_key="p/abc.jpg", image_alt="Marktplatz")
    page = client.get(f"/{town.slug}/").get_data(as_text=True)
    assert f'src="/{town.slug}/processes/{process.slug}/image"' in page


def test_no_percent_sign_can_wrap_away_from_its_number():
    """A German "100 %" needs a no-break space; a plain one lets "%" start the next line."""
    catalog = Path(__file__).resolve().parents[2] / "translations/de/LC_MESSAGES/messages.po"
    loose = [
        line
        for line in catalog.read_text().splitlines()
        if re.search(r"\w %%|\w %(?=[\s.,;:\"])", line) and line.startswith(("msgstr", '"'))
    ]
    assert loose == []
    templates = Path(__file__).resolve().parents[2] / "templates"
    for path in templates.rglob("*.html"):
        assert not re.search(r"}} %", path.read_text()), path
