"""What every CSV or spreadsheet export needs: cells a spreadsheet will not run as formulas, a cheap
date format for many rows, and a read-only transaction for the long read behind a big file."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime

from flask_babel import get_timezone
from sqlalchemy import text

from app.extensions import db

# Text starting with one of these is run as a formula by spreadsheet programs (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defused(value: object) -> object:
    """CSV text a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_pieces(rows: Iterable[list], every: int) -> Iterator[bytes]:
    """A CSV file (semicolons, as German spreadsheet programs expect, and a BOM that makes umlauts
    right; formulas defused) in pieces of ``every`` rows, for a streamed response: the first bytes
    leave at once and a worker never holds the whole file."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for number, row in enumerate(rows, start=1):
        writer.writerow([defused(value) for value in row])
        if number % every == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def minute_formatter() -> Callable[[datetime], str]:
    """``yyyy-MM-dd HH:mm`` in the reader's time zone, the zone looked up once per export: Babel's
    formatter costs more per call than the rest of a row, and the pattern has no words in it."""
    zone = get_timezone()

    def minute(moment: datetime) -> str:
        if moment.tzinfo is None:  # stored as UTC
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    return minute


def read_only() -> None:
    """On PostgreSQL, the rest of the transaction only reads (an export writes nothing)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET TRANSACTION READ ONLY"))
