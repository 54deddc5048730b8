"""Atomic output: a file or a folder appears whole or not at all."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .. import _atomic
from ..errors import OutputError

__all__ = ["atomic_dir", "atomic_path", "atomic_write_bytes", "atomic_write_text", "check_writable"]


def check_writable(folder: str | os.PathLike) -> Path:
    """Create ``folder`` if needed and check that files can be created in it."""
    path = Path(folder).expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path}: cannot create output folder ({exc.strerror or exc})") from exc
    if not path.is_dir():
        raise OutputError(f"{path}: not a folder")
    if not os.access(path, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: folder is not writable")
    return path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed onto ``path``.

    On any error the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path).expanduser()
    check_writable(path.parent)
    try:
        with _atomic.atomic_path(path) as tmp:
            yield tmp
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from exc


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    path = Path(path).expanduser()
    with atomic_path(path) as tmp:
        try:
            tmp.write_bytes(data)
        except OSError as exc:
            raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from exc
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


@contextlib.contextmanager
def atomic_dir(out_dir: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary folder; on success its files are moved into ``out_dir``.

    Each file is renamed into place (atomic per file; the folder never holds a half-written
    file). On error nothing in ``out_dir`` changes.
    """
    out = check_writable(out_dir)
    tmp = Path(tempfile.mkdtemp(prefix=".binational-", dir=out))
    try:
        yield tmp
        for item in sorted(tmp.rglob("*")):
            if item.is_dir():
                continue
            target = out / item.relative_to(tmp)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.chmod(item, 0o644)
                os.replace(item, target)
            except OSError as exc:
                raise OutputError(f"{target}: cannot write ({exc.strerror or exc})") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
