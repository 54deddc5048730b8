"""File checks and small parsing helpers shared by the io readers.

A source file is refused early, naming the file, when it is missing, empty, a damaged gzip or
an HTML page saved under a data file's name (:func:`binational._sniff.markup_kind`).
"""

from __future__ import annotations

import gzip
import io
import os
import re
import zlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from .. import _bounded
from .._sniff import is_html
from ..errors import DataSourceError, SchemaError

#: A file path argument.
PathLike = str | os.PathLike


def column_error(path, column, message) -> SchemaError:
    """A SchemaError naming the file and the column."""
    return SchemaError(f"{path}: column {column!r}: {message}")


def head_bytes(path: Path, n: int = 4096) -> bytes:
    """The first ``n`` bytes of a file, decompressed when it is gzip."""
    with path.open("rb") as fh:
        raw = fh.read(n)
    if raw[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as fh:
                return fh.read(n)
        except (EOFError, OSError, zlib.error) as exc:
            raise DataSourceError(f"{path}: damaged or truncated gzip file ({exc})") from exc
    return raw


def check_file(path: Path, *, what: str) -> bytes:
    """Raise DataSourceError unless ``path`` is a non-empty file that is not an HTML page."""
    if not path.is_file():
        raise DataSourceError(f"{path}: {what} file does not exist")
    if path.stat().st_size == 0:
        raise DataSourceError(f"{path}: {what} file is empty")
    head = head_bytes(path)
    if is_html(head):
        raise DataSourceError(
            f"{path}: is an HTML page, not a {what} file (a download that returned an error or "
            "login page?)"
        )
    if not head.strip():
        raise DataSourceError(f"{path}: {what} file has no content")
    return head


def read_source_csv(path: Path, *, what: str, **kwargs) -> pd.DataFrame:
    """``pandas.read_csv`` (compressed files streamed within the bound); errors name ``path``."""
    try:
        if _bounded.compression_of(path) is not None:  # streamed, within the bound
            with _bounded.open_binary(path) as fh:
                return pd.read_csv(fh, **kwargs)
        return pd.read_csv(path, **kwargs)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise DataSourceError(f"{path}: damaged or truncated compressed file ({exc})") from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataSourceError(f"{path}: not a readable {what} CSV ({exc})") from exc


def snake(name: str) -> str:
    """``name`` in snake case (``"Port Code"`` → ``"port_code"``)."""
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def require_columns(df: pd.DataFrame, columns: Iterable[str], path: Path, what: str) -> None:
    """Raise SchemaError naming the file and the columns ``df`` lacks."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise SchemaError(
            f"{path}: {what} lacks column(s) {', '.join(missing)}; found: "
            f"{', '.join(map(str, df.columns))}"
        )


def as_list(values) -> list | None:
    """None, a scalar or an iterable as a list (None stays None)."""
    if values is None:
        return None
    if isinstance(values, (str, int, np.integer)):
        return [values]
    return list(values)


def open_text(path: Path):
    """Open a text file (gzip or plain, BOM removed) for reading."""
    with path.open("rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    if gz:
        return io.TextIOWrapper(_bounded.open_binary(path), encoding="utf-8-sig")
    return path.open("r", encoding="utf-8-sig")
