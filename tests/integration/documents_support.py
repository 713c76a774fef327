"""Shared set-up of the documents and search tests: files made in code, documents attached the way
the service attaches them."""

from __future__ import annotations

import io
from typing import Any

XSS = "<script>window.__xss=1</script>"


def png_bytes(size: tuple[int, int] = (40, 30), color: str = "#2a7") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def pdf_bytes(pages: int = 2) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_bytes() -> bytes:
    from docx import Document as WordDocument

    out = io.BytesIO()
    WordDocument().save(out)
    return out.getvalue()


def attach(app, process, actor, data: bytes, filename: str, **values: Any) -> int:
    """A document of ``process`` through ``services.attach``; returns its id."""
    from app.accounts.models import User
    from app.documents import services
    from app.extensions import db
    from app.processes.models import Process

    values.setdefault("title", f"Dokument{XSS}")
    values.setdefault("alt_text", f"Beschreibung{XSS}")
    with app.app_context():
        document = services.attach(
            db.session.get(User, actor.id),
            db.session.get(Process, process.id),
            services.DocumentData(**values),
            data,
            filename,
        )
        db.session.commit()
        return document.id


def document_matrix_ids(app, users, process) -> dict[str, int]:
    """An image document of the world's published process, attached by its staff member."""
    return {
        "document": attach(app, process, users["staff"], png_bytes(), "plan.png"),
        "document_process": process.id,
    }
