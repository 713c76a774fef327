"""Where document files live: a small interface with a local folder and an S3-compatible bucket.

The application only ever asks for ``put``, ``open`` and ``delete`` by key, so app servers behind a
load balancer can share one bucket (``DOCUMENT_STORE = "s3"``) while a single machine keeps files in
``UPLOAD_DIR/documents`` (the default). The S3 store needs ``boto3``, an optional dependency that is
imported only when that store is configured: installations that keep files locally never load it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO, Protocol

from flask import current_app

LOCAL_FOLDER = "documents"


class StoreError(RuntimeError):
    """The store could not keep or hand out a file."""


class DocumentStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def open(self, key: str) -> IO[bytes]: ...

    def delete(self, key: str) -> None: ...


class LocalStore:
    """Files in a folder; keys are random names (never paths a person chose)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise StoreError(f"key outside the store: {key!r}")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def open(self, key: str) -> IO[bytes]:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError as exc:
            raise StoreError(key) from exc

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Store:
    """An S3-compatible bucket (AWS, MinIO, Ceph, Hetzner, IONOS ...) through boto3."""

    def __init__(self, bucket: str, *, endpoint_url: str | None = None, region: str | None = None):
        try:
            import boto3
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise StoreError(
                "DOCUMENT_STORE=s3 needs the boto3 package (pip install boto3)"
            ) from exc
        self.bucket = bucket
        # Credentials come from the usual places (environment, instance role), never from config.py.
        self.client = boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def open(self, key: str) -> IO[bytes]:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        except Exception as exc:  # botocore's errors; the caller answers 404
            raise StoreError(key) from exc
        return io.BytesIO(body.read())

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)


def get_store() -> DocumentStore:
    """The store the configuration names; one per app, built on first use."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    store = app.extensions.get("document_store")
    if store is None:
        kind = app.config.get("DOCUMENT_STORE", "local")
        if kind == "s3":
            store = S3Store(
                app.config["DOCUMENT_S3_BUCKET"],
                endpoint_url=app.config.get("DOCUMENT_S3_ENDPOINT_URL"),
                region=app.config.get("DOCUMENT_S3_REGION"),
            )
        elif kind == "local":
            store = LocalStore(Path(app.config["UPLOAD_DIR"]) / LOCAL_FOLDER)
        else:
            raise StoreError(f"unknown DOCUMENT_STORE {kind!r} (local or s3)")
        app.extensions["document_store"] = store
    return store
