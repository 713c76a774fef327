"""Pure helpers of proposals: similar-title words, plain text of rich text, the random order key,
German decimal commas in coordinates."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select
from werkzeug.datastructures import MultiDict

from app.proposals.models import Proposal
from app.proposals.search import RANDOM_MODULUS, random_order, significant_words
from app.proposals.services import plain_text


def test_significant_words_drop_short_and_filler_words():
    assert significant_words("Mehr Bänke und mehr Bänke für den Marktplatz, bitte!") == [
        "bänke",
        "marktplatz",
    ]
    assert significant_words("Ab 2025 an der B3") == []


def test_plain_text_of_rich_text_keeps_paragraphs_and_unescapes():
    html = '<p>Erste &amp; beste</p><p>Zweite<br>Zeile <a href="https://x.example">Link</a></p>'
    assert plain_text(html) == "Erste & beste\nZweite\nZeile Link"
    assert plain_text("<p> </p><br>") == ""


def test_random_order_is_a_seeded_permutation_that_differs_between_seeds():
    engine = create_engine("sqlite://")
    table = Proposal.__table__
    ids = list(range(1, 201))
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE proposals (id INTEGER PRIMARY KEY)")
        connection.exec_driver_sql(
            "INSERT INTO proposals (id) VALUES " + ", ".join(f"({i})" for i in ids)
        )

        def order(seed: int) -> list[int]:
            key = random_order(seed)
            return list(connection.scalars(select(table.c.id).order_by(key, table.c.id)))

        first, again, other = order(2**61 + 12345), order(2**61 + 12345), order(2**60 + 7)
    assert sorted(first) == ids
    assert first == again
    assert first != other and first != ids


@pytest.mark.parametrize("seed", [0, 1, RANDOM_MODULUS - 1, 2**62 - 1])
def test_random_order_keys_stay_within_bigint(seed):
    a = seed % (RANDOM_MODULUS - 1) + 1
    b = (seed // RANDOM_MODULUS) % RANDOM_MODULUS
    assert 0 < a < RANDOM_MODULUS and 0 <= b < RANDOM_MODULUS
    assert (2**31 - 1) * a + b < 2**63  # ids up to 2**31 - 1
    assert (RANDOM_MODULUS - 1) ** 2 < 2**63  # the square of the mixed value


@pytest.mark.parametrize(
    ("typed", "number", "valid"),
    [("48,0123", 48.0123, True), ("7.85", 7.85, True), ("", None, True), ("nan", None, False)],
)
def test_coordinates_accept_a_decimal_comma(app, typed, number, valid):
    from app.proposals.forms import ProposalForm

    with app.test_request_context():
        form = ProposalForm(formdata=MultiDict({"latitude": typed}), meta={"csrf": False})
        assert form.latitude.data == number
        assert (not form.latitude.process_errors) == valid
