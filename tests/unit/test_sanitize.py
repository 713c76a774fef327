"""The sanitiser against a corpus of XSS payloads (OWASP filter-evasion cheat sheet and friends)."""

from __future__ import annotations

import pytest

from app.core.sanitize import clean_plain, clean_rich

XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://xss.example/xss.js></SCRIPT>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    '<a onmouseover="alert(document.cookie)">xxs link</a>',
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">',
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    '<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041">',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    "<svg/onload=alert('XSS')>",
    '<svg><script xlink:href="data:,alert(1)"></script></svg>',
    "<BODY ONLOAD=alert('XSS')>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<<SCRIPT>alert("XSS");//<</SCRIPT>',
    '<SCRIPT/XSS SRC="http://xss.example/xss.js"></SCRIPT>',
    "<STYLE>@import'http://xss.example/xss.css';</STYLE>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<details open ontoggle=alert(1)>",
    '<form action="javascript:alert(1)"><input type=submit></form>',
    "<!--<img src=x onerror=alert(1)>-->",
    '<a href="http://ok.example" onclick="alert(1)">ok</a>',
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    '<base href="javascript:/a/-alert(1)///////">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
]
DANGEROUS = (
    "<script",
    "javascript:",
    "vbscript:",
    "data:",
    "onerror",
    "onload",
    "onmouseover",
    "onclick",
    "ontoggle",
    "<svg",
    "<iframe",
    "<object",
    "<embed",
    "<style",
    "style=",
    "<img",
    "<base",
    "<meta",
    "<form",
    "<math",
)


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_no_payload_survives_the_rich_text_sanitiser(payload):
    cleaned = str(clean_rich(payload)).lower()
    for marker in DANGEROUS:
        if marker.startswith("<") or marker.endswith("="):
            assert marker not in cleaned, (payload, cleaned)
        else:
            assert f'="{marker}' not in cleaned and f"href={marker}" not in cleaned, (
                payload,
                cleaned,
            )
    assert "<a " not in cleaned or 'rel="nofollow ugc noopener"' in cleaned


def test_allowed_formatting_is_kept_and_links_are_marked():
    cleaned = str(
        clean_rich(
            "<p>Hallo <strong>Welt</strong> <em>!</em></p><ul><li>eins</li></ul>"
            '<a href="https://example.org" target="_blank">Link</a>'
        )
    )
    assert "<strong>Welt</strong>" in cleaned
    assert "<ul><li>eins</li></ul>" in cleaned
    assert 'href="https://example.org"' in cleaned
    assert 'rel="nofollow ugc noopener"' in cleaned
    assert "target" not in cleaned


def test_plain_urls_become_marked_links():
    cleaned = str(clean_rich("Siehe https://example.org/plan"))
    assert '<a href="https://example.org/plan" rel="nofollow ugc noopener">' in cleaned


def test_plain_text_loses_control_characters_but_keeps_angle_brackets_for_escaping():
    assert clean_plain("  a\x00b\x1bc < d \r\n e ") == "ab c < d \n e".replace("b c", "bc")
    assert clean_plain(None) == ""


def test_plain_text_loses_bidirectional_overrides_but_keeps_right_to_left_letters():
    # "Stadt\u202eetaw" would show as "Stadtwate…": the override flips what follows on the page
    assert clean_plain("Stadt\u202eetaw\u202c \u2067x\u2069 \x85") == "Stadtetaw x"
    assert clean_plain("مرحبا שלום") == "مرحبا שלום"


def test_plain_text_of_rich_text_keeps_paragraphs_and_decodes_entities():
    from app.core.sanitize import plain_text

    assert plain_text("<p>Erste &amp; <strong>Zeile</strong></p><p>Zweite</p>") == (
        "Erste & Zeile\nZweite"
    )
    assert plain_text("") == "" and plain_text(None) == ""


def test_only_the_sanitiser_calls_bleach():
    """Every HTML cleaning rule lives in one module, so a change to it reaches every text."""
    from pathlib import Path

    import app

    root = Path(app.__file__).parent
    callers = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "import bleach" in path.read_text(encoding="utf-8")
        and path != root / "core" / "sanitize.py"
    )
    assert callers == []
