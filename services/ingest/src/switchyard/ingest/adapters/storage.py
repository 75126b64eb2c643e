"""Uploaded files on disk: written as they stream in (hashed, size-capped), read back by the importer."""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import anyio

# What the upload checks need of the file's start (the header, magic numbers).
HEAD_BYTES = 64 * 1024


class UploadTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"The file is larger than the limit of {limit:,} bytes.")
        self.limit = limit


@dataclass(frozen=True, slots=True)
class StoredFile:
    path: Path
    sha256: str
    size: int
    head: bytes


class UploadStorage:
    """One directory of files named by import id; every replica must see the same one."""

    def __init__(self, directory: str | Path, *, max_bytes: int) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes

    def path_of(self, import_id: uuid.UUID) -> Path:
        return self.directory / f"{import_id}.csv"

    def writer(self) -> UploadWriter:
        self.directory.mkdir(parents=True, exist_ok=True)
        return UploadWriter(self.directory / f".upload-{uuid.uuid4().hex}", max_bytes=self.max_bytes)

    async def keep(self, stored: StoredFile, import_id: uuid.UUID) -> StoredFile:
        """Give a finished upload its import's name."""
        target = self.path_of(import_id)
        await anyio.Path(stored.path).rename(target)
        return StoredFile(target, stored.sha256, stored.size, stored.head)

    async def delete(self, import_id: uuid.UUID) -> None:
        await anyio.Path(self.path_of(import_id)).unlink(missing_ok=True)


class UploadWriter:
    """Appends chunks to a temporary file, hashing and counting; :meth:`discard` on any failure."""

    def __init__(self, path: Path, *, max_bytes: int) -> None:
        self.path = path
        self._max_bytes = max_bytes
        self._hash = hashlib.sha256()
        self._size = 0
        self._head = bytearray()
        self._file: anyio.AsyncFile[bytes] | None = None

    async def write(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size > self._max_bytes:
            raise UploadTooLarge(self._max_bytes)
        if self._file is None:
            self._file = await anyio.open_file(self.path, "wb")
        if len(self._head) < HEAD_BYTES:
            self._head += chunk[: HEAD_BYTES - len(self._head)]
        self._hash.update(chunk)
        await self._file.write(chunk)

    async def finish(self) -> StoredFile:
        if self._file is None:
            self._file = await anyio.open_file(self.path, "wb")
        await self._file.aclose()
        return StoredFile(self.path, self._hash.hexdigest(), self._size, bytes(self._head))

    async def discard(self) -> None:
        if self._file is not None:
            await self._file.aclose()
        if os.path.exists(self.path):  # noqa: ASYNC240 (a stat, no blocking read)
            os.unlink(self.path)
