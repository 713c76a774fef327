"""Sentences are translated whole (the grammar of a language may put the value elsewhere), and a
draft's status line says one thing."""

from __future__ import annotations

import re
from pathlib import Path

from app.core.roles import Role

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# A translated fragment directly followed by a macro call that writes its object ("Starts on"
# {{ on_day(...) }}): the sentence is glued from pieces.
GLUED = re.compile(r'\{\{ _\("[^"]*[a-z]"\) \}\} \{\{ [a-z_]+\(')


def test_no_template_glues_a_sentence_to_a_value():
    glued = sorted(
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        for match in GLUED.finditer(path.read_text(encoding="utf-8"))
    )
    assert glued == []


def test_a_draft_says_it_is_a_draft_and_not_that_everyone_reads_it(
    client, login, make_municipality, make_member, make_process
):
    town = make_municipality(xss=False)
    login(client, make_member(town, Role.STAFF))
    draft = make_process(town, xss=False, state="draft")
    page = client.get(f"/{town.slug}/admin/processes/{draft.id}/").get_data(as_text=True)
    line = re.search(r'<span class="meta">(.*?)</span></p>', page, re.S).group(1)
    assert "Entwurf" in line
    assert "Nach der Veröffentlichung: Öffentlich" in line
    assert "· Öffentlich: alle können es lesen ·" not in line


def test_the_status_line_names_its_dates_inside_the_sentence(
    client, make_municipality, make_process
):
    town = make_municipality(xss=False)
    make_process(town, xss=False)
    page = client.get(f"/{town.slug}/").get_data(as_text=True)
    assert re.search(r"Beteiligung möglich bis <time datetime=", page)


def test_counted_words_take_their_plural_from_the_catalog(app):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("de"):
        template = app.jinja_env.from_string(
            '{{ ngettext("%(num)d abstention", "%(num)d abstentions", n) }}'
        )
        assert template.render(n=1) == "1 Enthaltung"
        assert template.render(n=3) == "3 Enthaltungen"
