"""Uploaded images: checked and re-encoded with Pillow, kept in a configurable directory.

Re-encoding keeps the pixels and nothing else: EXIF (GPS position, camera, owner), XMP, ICC and
comments are dropped, because the stored file is built from the decoded pixels alone. The pixel
count is checked from the header before anything is decoded (decompression bombs), and the size is
bounded. Files are named by a random key; the database stores the key.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import IO

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession

MAX_SIDE = 1600
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# The most pixels an upload may have: a 50-megapixel phone photo passes, a bomb does not.
MAX_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own guard, for any other caller


class InvalidImage(ValueError):
    """The upload is not a JPEG, PNG or WebP image that Pillow can read."""


class ImageTooLarge(InvalidImage):
    """The image has more pixels than ``MAX_PIXELS``; ``message`` says so to the uploader."""

    message = _l(
        "The image has too many pixels (at most %(megapixels)s megapixels). "
        "Please upload a smaller version.",
        megapixels=MAX_PIXELS // 1_000_000,
    )


def upload_root() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def store_image(stream: IO[bytes], folder: str) -> str:
    """Check, shrink and re-encode an image; returns its storage key ``folder/<random>.<ext>``."""
    try:
        with Image.open(stream) as probe:
            kind = probe.format
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageTooLarge(f"{probe.width}x{probe.height}")
            probe.verify()
        if kind not in FORMATS:
            raise InvalidImage(kind)
        stream.seek(0)
        with Image.open(stream) as image:
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at a fraction of the size
            image = ImageOps.exif_transpose(image)
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            image = _pixels_only(image, kind)
            key = f"{folder}/{secrets.token_urlsafe(16)}.{FORMATS[kind]}"
            target = upload_root() / key
            target.parent.mkdir(parents=True, exist_ok=True)
            image.save(target, format=kind)
    except InvalidImage:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        Image.DecompressionBombError,
        SyntaxError,
        ValueError,  # a mode Pillow cannot convert
    ) as exc:
        raise InvalidImage(str(exc)) from exc
    return key


def _pixels_only(image: Image.Image, kind: str) -> Image.Image:
    """A new image with the same pixels and no metadata at all.

    Pillow's encoders copy some of ``info`` (a JPEG comment, XMP, an ICC profile) into the saved
    file; an image built from raw pixels has none to copy.
    """
    if image.mode == "P" or (kind == "JPEG" and image.mode not in ("RGB", "L")):
        has_alpha = kind != "JPEG" and (
            image.mode in ("RGBA", "LA") or "transparency" in image.info
        )
        image = image.convert("RGBA" if has_alpha else "RGB")
    elif image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "A" in image.mode else "RGB")
    return Image.frombytes(image.mode, image.size, image.tobytes())


def delete_stored(key: str | None) -> None:
    if key:
        (upload_root() / key).unlink(missing_ok=True)


# --- deleting a file once nothing uses it -----------------------------------------------------
_PENDING = "uploads.delete_after_commit"


def delete_after_commit(key: str | None) -> None:
    """Delete the stored file ``key`` once the transaction that stops using it commits.

    Deleting at once would lose the file when the request fails after all (its row still points
    at it); if the transaction (or the savepoint it was given up in) rolls back, the file stays.
    """
    if key:
        from app.extensions import db

        session = db.session()
        # the transaction it belongs to (begun now if none is yet, so a rollback is noticed)
        transaction = (
            session.get_nested_transaction() or session.get_transaction() or session.begin()
        )
        session.info.setdefault(_PENDING, {})[key] = transaction


@event.listens_for(OrmSession, "after_commit")
def _delete_pending(session: OrmSession) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint was released; the transaction around it has not committed yet
    for key in session.info.pop(_PENDING, {}):
        delete_stored(key)


@event.listens_for(OrmSession, "after_soft_rollback")
def _keep_pending(session: OrmSession, previous_transaction) -> None:
    """Keep the files given up inside what was rolled back (the whole transaction, or one
    savepoint and what was nested in it)."""
    pending = session.info.get(_PENDING)
    if not pending:
        return
    for key, transaction in list(pending.items()):
        while transaction is not None and transaction is not previous_transaction:
            transaction = transaction.parent
        if transaction is previous_transaction or not previous_transaction.nested:
            del pending[key]
