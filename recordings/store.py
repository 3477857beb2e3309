"""Where archived recordings are kept: a :class:`RecordingStore` (a Protocol), and the local folder.

A store keeps bytes under keys (``<prefecture>/<yyyy>/<mm>/<dd>/<uniqueid>.<format>``).  The
archive hands it a finished file (:meth:`RecordingStore.put` moves or uploads it); the library reads
byte ranges of it for HTTP Range requests and digests it to check the SHA-256 recorded at archive
time; retention deletes it.  :class:`LocalStore` is the default; :mod:`recordings.store_s3` is an
S3-compatible bucket.  Blocking file work runs in worker threads.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from recordings.errors import MissingObject

__all__ = ["CHUNK", "LocalStore", "RecordingStore", "StoredObject", "file_digest"]

CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class StoredObject:
    key: str
    size: int
    sha256: str


class RecordingStore(Protocol):
    """What the archive, the library and retention need of a place that keeps recordings."""

    @property
    def name(self) -> str: ...

    async def put(self, key: str, source: Path) -> StoredObject:
        """Keep ``source`` under ``key`` (``source`` is moved or uploaded, then gone)."""
        ...

    async def size(self, key: str) -> int:
        """The object's size in bytes; :class:`MissingObject` if there is none."""
        ...

    def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """Bytes ``start`` to ``end`` (inclusive; None: to the end), in chunks."""
        ...

    async def digest(self, key: str) -> str:
        """The SHA-256 (hex) of the object's bytes."""
        ...

    async def delete(self, key: str) -> bool:
        """Remove the object; False if it was not there."""
        ...


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


class LocalStore:
    """A folder on this node (``[recordings] directory``), shared with the other nodes if any."""

    name = "local"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, key: str) -> Path:
        """The file of ``key``; a key that leads out of the folder is missing, never read."""
        root = self.directory.resolve()
        path = (root / key).resolve()
        if not path.is_relative_to(root) or path == root:
            raise MissingObject(key, self.name)
        return path

    async def put(self, key: str, source: Path) -> StoredObject:
        target = self.path(key)

        def move() -> StoredObject:
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.resolve() != target:
                try:
                    os.replace(source, target)
                except OSError:  # another file system: copy, then remove
                    shutil.copyfile(source, target)
                    source.unlink()
            return StoredObject(key, target.stat().st_size, file_digest(target))

        return await asyncio.to_thread(move)

    async def size(self, key: str) -> int:
        path = self.path(key)
        try:
            return (await asyncio.to_thread(path.stat)).st_size
        except FileNotFoundError:
            raise MissingObject(key, self.name) from None

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        path = self.path(key)
        try:
            f = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise MissingObject(key, self.name) from None
        try:
            await asyncio.to_thread(f.seek, start)
            left = None if end is None else end - start + 1
            while left is None or left > 0:
                block = await asyncio.to_thread(f.read, CHUNK if left is None else min(CHUNK, left))
                if not block:
                    break
                if left is not None:
                    left -= len(block)
                yield block
        finally:
            await asyncio.to_thread(f.close)

    async def digest(self, key: str) -> str:
        path = self.path(key)
        try:
            return await asyncio.to_thread(file_digest, path)
        except FileNotFoundError:
            raise MissingObject(key, self.name) from None

    async def delete(self, key: str) -> bool:
        path = self.path(key)

        def remove() -> bool:
            try:
                path.unlink()
            except FileNotFoundError:
                return False
            return True

        return await asyncio.to_thread(remove)
