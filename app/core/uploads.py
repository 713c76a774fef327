"""Uploaded images: checked and re-encoded with Pillow, kept in a configurable directory.

Re-encoding drops whatever else the file carried (EXIF with GPS positions, embedded scripts in
odd formats) and bounds the size. Files are named by a random key; the database stores the key.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import IO

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SIDE = 1600
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
Image.MAX_IMAGE_PIXELS = 40_000_000  # refuse decompression bombs early


class InvalidImage(ValueError):
    """The upload is not a JPEG, PNG or WebP image that Pillow can read."""


def upload_root() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def store_image(stream: IO[bytes], folder: str) -> str:
    """Check, shrink and re-encode an image; returns its storage key ``folder/<random>.<ext>``."""
    try:
        with Image.open(stream) as probe:
            kind = probe.format
            probe.verify()
        stream.seek(0)
        with Image.open(stream) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            if kind not in FORMATS:
                raise InvalidImage(kind)
            if kind == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            key = f"{folder}/{secrets.token_urlsafe(16)}.{FORMATS[kind]}"
            target = upload_root() / key
            target.parent.mkdir(parents=True, exist_ok=True)
            image.save(target, format=kind)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise InvalidImage(str(exc)) from exc
    return key


def delete_stored(key: str | None) -> None:
    if key:
        (upload_root() / key).unlink(missing_ok=True)
