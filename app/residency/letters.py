"""The generated codes as letters: a PDF with one letter per page, or a CSV for a mail merge.

The plain codes exist only in this response; the database keeps their HMACs. The PDF uses the
library the council report uses (WeasyPrint) and fetches nothing from anywhere.
"""

from __future__ import annotations

import csv
import io

from flask import render_template

from app.core.urls import public_url_for
from app.municipalities.models import Municipality
from app.residency.models import CodeBatch
from app.residency.services import format_code


def _redeem_url() -> str:
    return public_url_for("residency_account.account")


def to_csv(municipality: Municipality, batch: CodeBatch, codes: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["code", "municipality", "valid_until", "url", "batch"])
    for code in codes:
        writer.writerow(
            [
                format_code(code),
                municipality.name,
                batch.expires_at.date().isoformat(),
                _redeem_url(),
                batch.id,
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode()  # a BOM, so spreadsheet programs read UTF-8


def _fetch_nothing(url: str, *args, **kwargs):
    raise ValueError(f"the letters load no external resources ({url[:80]})")


def to_pdf(municipality: Municipality, batch: CodeBatch, codes: list[str]) -> bytes:
    from weasyprint import HTML  # loads Pango; only this export needs it

    html = render_template(
        "residency/letters_pdf.html",
        municipality=municipality,
        batch=batch,
        codes=[format_code(code) for code in codes],
        url=_redeem_url(),
    )
    return HTML(string=html, url_fetcher=_fetch_nothing).write_pdf()
