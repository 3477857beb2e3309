"""An S3-compatible bucket as a :class:`~recordings.store.RecordingStore` (boto3, in worker threads).

For deployments that keep recordings in object storage (MinIO, Ceph RGW, a cloud's S3): the archive
uploads each finished file, the library reads byte ranges with ``GetObject`` ``Range``, retention
deletes objects.  boto3 is blocking, so every call runs in a worker thread; it is imported only
when this store is configured (``pip install boto3``).  Credentials come from the settings, which
read them from ``HOTLINE_RECORDINGS__S3__ACCESS_KEY_ID`` / ``__SECRET_ACCESS_KEY`` (or boto3's own
environment and files when unset).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from recordings.errors import MissingObject, StoreUnavailable
from recordings.settings import S3Settings
from recordings.store import CHUNK, StoredObject, file_digest

__all__ = ["S3Store"]

_MISSING = {"404", "NoSuchKey", "NotFound"}


class S3Store:
    name = "s3"

    def __init__(self, settings: S3Settings) -> None:
        self.settings = settings
        self._client: Any = None

    def _s3(self) -> Any:
        if self._client is None:
            try:
                import boto3
                from botocore.config import Config
            except ImportError as exc:  # the extra is not installed
                raise StoreUnavailable("the S3 store needs boto3: pip install boto3") from exc
            s = self.settings
            self._client = boto3.client(
                "s3",
                endpoint_url=s.endpoint_url,
                region_name=s.region,
                aws_access_key_id=s.access_key_id,
                aws_secret_access_key=s.secret_access_key,
                config=Config(
                    retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30
                ),
            )
        return self._client

    def _key(self, key: str) -> str:
        return self.settings.prefix + key

    async def _call(self, key: str, operation: str, **kwargs: Any) -> Any:
        def call() -> Any:
            return getattr(self._s3(), operation)(Bucket=self.settings.bucket, Key=self._key(key), **kwargs)

        try:
            return await asyncio.to_thread(call)
        except StoreUnavailable:
            raise
        except Exception as exc:
            code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
            if code in _MISSING:
                raise MissingObject(key, self.name) from None
            raise StoreUnavailable(f"S3 {operation} of {key!r} failed: {exc}") from exc

    async def put(self, key: str, source: Path) -> StoredObject:
        def upload() -> StoredObject:
            stored = StoredObject(key, source.stat().st_size, file_digest(source))
            self._s3().upload_file(str(source), self.settings.bucket, self._key(key))
            source.unlink(missing_ok=True)
            return stored

        try:
            return await asyncio.to_thread(upload)
        except StoreUnavailable:
            raise
        except Exception as exc:
            raise StoreUnavailable(f"S3 upload of {key!r} failed: {exc}") from exc

    async def size(self, key: str) -> int:
        head = await self._call(key, "head_object")
        return int(head["ContentLength"])

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        wanted = f"bytes={start}-{'' if end is None else end}"
        answer = await self._call(key, "get_object", Range=wanted)
        body = answer["Body"]
        try:
            while block := await asyncio.to_thread(body.read, CHUNK):
                yield block
        finally:
            await asyncio.to_thread(body.close)

    async def digest(self, key: str) -> str:
        digest = hashlib.sha256()
        async for block in self.read(key):
            digest.update(block)
        return digest.hexdigest()

    async def delete(self, key: str) -> bool:
        try:
            await self._call(key, "head_object")
        except MissingObject:
            return False
        await self._call(key, "delete_object")
        return True
