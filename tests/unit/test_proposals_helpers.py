"""Pure helpers of proposals: similar-title words, plain text of rich text, the random order key,
German decimal commas in coordinates."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select
from werkzeug.datastructures import MultiDict

from app.proposals.models import RANDOM_KEYS, Proposal
from app.proposals.paging import _micros, parse_token
from app.proposals.search import Sort, random_order, random_start, significant_words
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


def test_random_order_walks_the_stored_keys_from_the_seeds_start_and_wraps_around():
    engine = create_engine("sqlite://")
    table = Proposal.__table__
    keys = {i: (i * 7_919_003) % RANDOM_KEYS for i in range(1, 201)}  # scattered, all distinct
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE proposals (id INTEGER PRIMARY KEY, random_key INT)"
        )
        connection.exec_driver_sql(
            "INSERT INTO proposals (id, random_key) VALUES "
            + ", ".join(f"({i}, {k})" for i, k in keys.items())
        )

        def order(seed: int) -> list[int]:
            return list(connection.scalars(select(table.c.id).order_by(*random_order(seed))))

        first, again, other = order(2**61 + 12345), order(2**61 + 12345), order(2**60 + 7)
    by_key = sorted(keys, key=keys.get)
    assert sorted(first) == sorted(keys) and first == again and first != other
    start = random_start(2**61 + 12345)
    at = next(n for n, i in enumerate(by_key) if keys[i] >= start)
    assert first == by_key[at:] + by_key[:at]  # from the start to the end, then from the beginning


@pytest.mark.parametrize("seed", [0, 1, RANDOM_KEYS - 1, 2**62 - 1])
def test_random_starts_are_random_keys(seed):
    assert 0 <= random_start(seed) < RANDOM_KEYS


@pytest.mark.parametrize(
    ("token", "sort", "parsed"),
    [
        ("3.1700000000.42", Sort.SUPPORTS, (3, [1700000000, 42])),
        ("2.5.9.11", Sort.RANDOM, (2, [5, 9, 11])),
        ("2.5.9", Sort.RANDOM, None),  # the random order's token carries its start
        ("2.2147483647.9.11", Sort.RANDOM, None),  # a start that is not a random key
        ("0.1.1", Sort.NEWEST, None),
        ("1.-3.4", Sort.NEWEST, None),
        ("x.1.2", Sort.SUPPORTS, None),
        ("", Sort.SUPPORTS, None),
        ("1." + "9" * 30 + ".2", Sort.NEWEST, None),
    ],
)
def test_page_tokens_parse_or_count_as_none(token, sort, parsed):
    assert parse_token(token, sort) == parsed


def test_newest_tokens_carry_the_exact_microsecond():
    from datetime import UTC, datetime

    moment = datetime(2026, 12, 5, 9, 30, 12, 345678, tzinfo=UTC)
    number, values = parse_token(f"4.{_micros(moment)}.17", Sort.NEWEST)
    assert (number, values) == (4, [moment, 17])


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
