"""Checking an uploaded file by what its bytes are, never by its name or the browser's claim.

A file is accepted when its first bytes and its structure make it one of the kinds below, and its
name ends with an extension of that kind. Images are decoded and re-encoded from their pixels, which
drops metadata and anything appended to them (an image that is also HTML or a ZIP archive loses
the other half). PDFs must parse with pypdf (which gives the page count); office files must be the
ZIP packages of Word/Excel/PowerPoint or OpenDocument, without macros. SVG, HTML and everything
else are refused: the browser would run their scripts.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 50_000_000
MAX_SIDE = 4000
THUMBNAIL_SIDE = 320

# Kinds: content type -> (label, accepted extensions).
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "application/pdf": ("PDF", (".pdf",)),
    "image/png": ("PNG", (".png",)),
    "image/jpeg": ("JPEG", (".jpg", ".jpeg")),
    "image/webp": ("WebP", (".webp",)),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        "Word",
        (".docx",),
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("Excel", (".xlsx",)),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        "PowerPoint",
        (".pptx",),
    ),
    "application/vnd.oasis.opendocument.text": ("OpenDocument Text", (".odt",)),
    "application/vnd.oasis.opendocument.spreadsheet": ("OpenDocument Tabelle", (".ods",)),
    "application/vnd.oasis.opendocument.presentation": ("OpenDocument Präsentation", (".odp",)),
}
ACCEPT = ",".join(ext for _label, exts in KINDS.values() for ext in exts)
_IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
_OOXML_PARTS = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/presentation.xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
}
# Markup a browser would render or run, found in the raw bytes of a PDF or an office package: such a
# file is a polyglot (valid as both), and nothing honest needs it in plain bytes there.
_MARKUP = re.compile(rb"<\s*(?:!doctype\s+html|html|script|svg|iframe|object|embed)\b", re.I)


class InvalidFile(ValueError):
    """The upload is refused; ``str(error)`` tells the uploader why."""


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    data: bytes  # what is stored: re-encoded for images, as uploaded otherwise
    filename: str
    page_count: int | None = None
    thumbnail: bytes | None = None  # PNG, for images

    @property
    def extension(self) -> str:
        return KINDS[self.content_type][1][0]


def kind_label(content_type: str) -> str:
    return KINDS.get(content_type, (content_type, ()))[0]


def safe_filename(name: str | None) -> str:
    """The last part of the name the browser sent, without control or path characters."""
    name = PureWindowsPath(PurePosixPath(name or "").name).name
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '\\/:*?"<>|')
    name = name.strip(" .")
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 150 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:150]
    return name or "dokument"


def check_upload(data: bytes, filename: str | None, max_bytes: int) -> CheckedFile:
    """Decide what ``data`` is; raise ``InvalidFile`` unless it is an accepted kind and size."""
    if not data:
        raise InvalidFile(_l("The file is empty."))
    if len(data) > max_bytes:
        raise InvalidFile(
            _l("The file is too large (at most %(mb)d MB).", mb=max(1, max_bytes // 1_000_000))
        )
    name = safe_filename(filename)
    content_type = sniff(data)
    if content_type is None:
        raise InvalidFile(
            _l(
                "This kind of file cannot be uploaded. Accepted: PDF, images (PNG, JPEG, WebP) and office documents."
            )
        )
    extensions = KINDS[content_type][1]
    if not name.lower().endswith(extensions):
        raise InvalidFile(
            _l(
                "The file is a %(kind)s file, but its name ends differently. Please name it "
                "…%(extension)s.",
                kind=kind_label(content_type),
                extension=extensions[0],
            )
        )
    if content_type.startswith("image/"):
        stored, thumbnail = _reencode_image(data)
        return CheckedFile(content_type, stored, name, thumbnail=thumbnail)
    if _MARKUP.search(data):
        raise InvalidFile(_l("The file contains web page code and cannot be uploaded."))
    if content_type == "application/pdf":
        return CheckedFile(content_type, data, name, page_count=_pdf_pages(data))
    return CheckedFile(content_type, data, name)


def sniff(data: bytes) -> str | None:
    """The content type the bytes are, or None for anything not accepted."""
    if data.startswith(b"%PDF-"):
        # A PDF that is also a ZIP archive (its central directory appended) is a polyglot.
        return None if b"PK\x05\x06" in data[-65_600:] else "application/pdf"
    if data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")) or (
        data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    ):
        return _image_type(data)
    if data.startswith(b"PK\x03\x04"):
        return _office_type(data)
    return None


def _image_type(data: bytes) -> str | None:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            return _IMAGE_FORMATS.get(probe.format or "")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return None


def _office_type(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                return None  # macro-enabled: refused
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 100:
                declared = archive.read("mimetype").decode("ascii", "replace").strip()
                return declared if declared in KINDS and "opendocument" in declared else None
            if "[Content_Types].xml" in names:
                return next((t for part, t in _OOXML_PARTS.items() if part in names), None)
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, ValueError):
        return None
    return None


def _pdf_pages(data: bytes) -> int:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise InvalidFile(
                _l("The PDF is password-protected. Please upload it without a password.")
            )
        return len(reader.pages)
    except InvalidFile:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidFile(_l("The PDF cannot be read. Please check the file.")) from exc


def _reencode_image(data: bytes) -> tuple[bytes, bytes]:
    """The image rebuilt from its pixels alone, and a PNG thumbnail."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format or ""
            if probe.width * probe.height > MAX_PIXELS:
                raise InvalidFile(
                    _l(
                        "The image has too many pixels (at most %(megapixels)s megapixels).",
                        megapixels=MAX_PIXELS // 1_000_000,
                    )
                )
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))
            image = ImageOps.exif_transpose(image)
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            if kind == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            elif image.mode not in ("RGB", "RGBA", "L", "LA"):
                image = image.convert("RGBA")
            clean = Image.frombytes(image.mode, image.size, image.tobytes())
            stored = io.BytesIO()
            clean.save(stored, format=kind)
            clean.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
            thumb = io.BytesIO()
            clean.save(thumb, format="PNG")
    except InvalidFile:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        Image.DecompressionBombError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise InvalidFile(_l("The image cannot be read. Please check the file.")) from exc
    return stored.getvalue(), thumb.getvalue()
