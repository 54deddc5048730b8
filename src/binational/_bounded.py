"""Bounded decompression of local inputs: the same kind of bound as downloads and archives.

A small ``.csv.gz`` can expand to gigabytes (a 10.6 MB file to 1.5 GB); read whole, it fills
the memory before any parser fails. Local compressed inputs are therefore read through
:class:`BoundedReader`, which streams and stops with :class:`DecompressionBombError` as soon as
the decompressed size passes :func:`limit` — ``settings.max_decompressed_bytes`` (and never
more than ``settings.max_download_bytes``, the bound of downloads and archive extraction).
The parsers read the stream chunk by chunk (pandas, json), so the memory held is the parsed
table, not the decompressed text.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
from pathlib import Path

from . import settings
from .errors import DataSourceError

CHUNK = 1 << 20


class DecompressionBombError(DataSourceError, ValueError):
    """A local compressed file expands beyond the decompression bound."""


def limit() -> int:
    """Bytes a local compressed input may expand to."""
    return int(min(settings.max_decompressed_bytes, settings.max_download_bytes))


def compression_of(path: str | os.PathLike) -> str | None:
    """``"gzip"``, ``"bz2"``, ``"xz"`` from the file's first bytes, else None."""
    with open(path, "rb") as fh:
        head = fh.read(6)
    if head[:2] == b"\x1f\x8b":
        return "gzip"
    if head[:3] == b"BZh":
        return "bz2"
    if head[:6] == b"\xfd7zXZ\x00":
        return "xz"
    return None


class BoundedReader(io.RawIOBase):
    """A binary stream over ``raw`` that raises once more than ``max_bytes`` were read."""

    def __init__(self, raw, *, max_bytes: int, path):
        self.raw = raw
        self.max_bytes = int(max_bytes)
        self.path = path
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        data = self.raw.read(len(b))
        n = len(data)
        self.count += n
        if self.count > self.max_bytes:
            raise DecompressionBombError(
                f"{self.path}: expands to more than {self.max_bytes:,} bytes when decompressed "
                f"({os.path.getsize(self.path):,} bytes compressed); refused. Raise "
                "binational.settings.max_decompressed_bytes if the file is genuine"
            )
        b[:n] = data
        return n

    def close(self) -> None:
        try:
            self.raw.close()
        finally:
            super().close()


def open_binary(path: str | os.PathLike, *, max_bytes: int | None = None):
    """A buffered binary stream of ``path``, decompressed (bounded) when it is compressed."""
    path = Path(path)
    kind = compression_of(path)
    if kind is None:
        return open(path, "rb")
    opener = {"gzip": gzip.open, "bz2": bz2.open, "xz": lzma.open}[kind]
    bound = limit() if max_bytes is None else int(max_bytes)
    return io.BufferedReader(BoundedReader(opener(path, "rb"), max_bytes=bound, path=path), CHUNK)


def read_all(fh, *, path, max_bytes: int | None = None) -> bytes:
    """Read a (decompressing) binary stream whole, stopping at the bound."""
    bound = limit() if max_bytes is None else int(max_bytes)
    parts, total = [], 0
    while True:
        chunk = fh.read(CHUNK)
        if not chunk:
            return b"".join(parts)
        total += len(chunk)
        if total > bound:
            raise DecompressionBombError(
                f"{path}: expands to more than {bound:,} bytes when decompressed; refused. Raise "
                "binational.settings.max_decompressed_bytes if the file is genuine"
            )
        parts.append(chunk)


def check_size(path: str | os.PathLike, *, max_bytes: int | None = None) -> None:
    """Stream a compressed file once to check that it stays within the bound (no memory)."""
    if compression_of(path) is None:
        return
    try:
        with open_binary(path, max_bytes=max_bytes) as fh:
            while fh.read(CHUNK):
                pass
    except DecompressionBombError:
        raise
    except (EOFError, OSError, ValueError, lzma.LZMAError) as exc:
        raise DataSourceError(f"{path}: damaged or truncated compressed file ({exc})") from exc
