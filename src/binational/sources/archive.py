"""Safe extraction of zip and tar archives.

Archives are extracted member by member into a temporary folder that is renamed into place:
absolute names, ``..`` components, links and device files are refused
(:class:`~binational.errors.UnsafeArchiveError`), and the total size and per-member
compression ratio are bounded (zip bombs). Nothing is ever unpickled.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
import shutil
import stat
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from .. import settings
from .._log import get_logger
from .._sniff import is_html
from ..errors import (
    DataSourceError,
    OutputError,
    UnsafeArchiveError,
)
from .download import CHUNK_SIZE, write_json_atomic

log = get_logger(__name__)

__all__ = ["MAX_MEMBERS", "MAX_RATIO", "extract"]

#: refused (only checked for members larger than ``RATIO_MIN_BYTES``).
MAX_RATIO = 200
RATIO_MIN_BYTES = 1 << 20
#: At most this many members are extracted from one archive.
MAX_MEMBERS = 100_000
_EXTRACT_MARKER = ".binational-extract.json"

# ----------------------------------------------------------------------------------------------
# Archives


def _member_parts(archive: Path, name: str) -> tuple[str, ...]:
    """Validated path components of an archive member name."""
    if not name or "\x00" in name:
        raise UnsafeArchiveError(f"{archive}: member {name!r} has an empty or invalid name")
    norm = name.replace("\\", "/")
    if norm.startswith("/") or re.match(r"^[A-Za-z]:", norm):
        raise UnsafeArchiveError(f"{archive}: member {name!r} has an absolute path; refused")
    parts = tuple(p for p in norm.split("/") if p not in ("", "."))
    if any(p == ".." for p in parts):
        raise UnsafeArchiveError(
            f"{archive}: member {name!r} would be written outside the extraction folder; refused"
        )
    return parts


class _Member:
    """An archive member reduced to what extraction needs."""

    __slots__ = ("compressed", "is_dir", "name", "open", "parts", "size")

    def __init__(self, name, parts, size, compressed, is_dir, opener):
        self.name = name
        self.parts = parts
        self.size = size
        self.compressed = compressed
        self.is_dir = is_dir
        self.open = opener


def _zip_members(archive: Path, zf: zipfile.ZipFile) -> Iterator[_Member]:
    for info in zf.infolist():
        parts = _member_parts(archive, info.filename)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise UnsafeArchiveError(
                f"{archive}: member {info.filename!r} is a symbolic link; links are refused"
            )
        if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            raise UnsafeArchiveError(
                f"{archive}: member {info.filename!r} is not a regular file; refused"
            )
        yield _Member(
            info.filename,
            parts,
            info.file_size,
            info.compress_size,
            info.is_dir(),
            lambda info=info: zf.open(info),
        )


def _tar_members(archive: Path, tf: tarfile.TarFile) -> Iterator[_Member]:
    for info in tf.getmembers():
        parts = _member_parts(archive, info.name)
        if info.issym() or info.islnk():
            raise UnsafeArchiveError(
                f"{archive}: member {info.name!r} is a link (to {info.linkname!r}); "
                "links are refused"
            )
        if not (info.isfile() or info.isdir()):
            raise UnsafeArchiveError(
                f"{archive}: member {info.name!r} is not a regular file; refused"
            )
        yield _Member(
            info.name, parts, info.size, None, info.isdir(), lambda info=info: tf.extractfile(info)
        )


def _select(archive: Path, members: list[_Member], patterns: Sequence[str] | None) -> list[_Member]:
    files = [m for m in members if not m.is_dir]
    if patterns is None:
        return files
    chosen: list[_Member] = []
    for pattern in patterns:
        hits = [m for m in files if fnmatch.fnmatchcase("/".join(m.parts), pattern)]
        if not hits:
            raise DataSourceError(
                f"{archive}: no member matches {pattern!r} "
                f"(members: {', '.join('/'.join(m.parts) for m in files[:20])}"
                f"{', ...' if len(files) > 20 else ''})"
            )
        chosen.extend(m for m in hits if m not in chosen)
    return chosen


def _check_sizes(archive: Path, chosen: list[_Member], *, max_total: int, max_ratio: float) -> None:
    if len(chosen) > MAX_MEMBERS:
        raise UnsafeArchiveError(
            f"{archive}: {len(chosen)} members to extract, more than {MAX_MEMBERS}; refused"
        )
    total = 0
    for m in chosen:
        if m.compressed is not None and m.size > RATIO_MIN_BYTES:
            ratio = m.size / max(m.compressed, 1)
            if ratio > max_ratio:
                raise UnsafeArchiveError(
                    f"{archive}: member {m.name!r} expands {ratio:.0f}-fold ({m.compressed} -> "
                    f"{m.size} bytes), more than the allowed {max_ratio:g}; refused as a "
                    "possible zip bomb"
                )
        total += m.size
    if total > max_total:
        raise UnsafeArchiveError(
            f"{archive}: members to extract total {total} bytes, more than the bound of "
            f"{max_total} bytes (max_total_bytes / settings.max_download_bytes); refused"
        )


def _open_archive(archive: Path) -> tuple[str, object]:
    if zipfile.is_zipfile(archive):
        try:
            return "zip", zipfile.ZipFile(archive)
        except (zipfile.BadZipFile, OSError) as exc:
            raise DataSourceError(f"{archive}: corrupt zip archive: {exc}") from exc
    try:
        return "tar", tarfile.open(archive, mode="r:*")
    except (tarfile.TarError, OSError) as exc:
        with archive.open("rb") as fh:
            head = fh.read(4096)
        what = "an HTML page" if is_html(head) else f"first bytes {head[:8]!r}"
        raise DataSourceError(f"{archive}: not a zip or tar archive ({what})") from exc


def _archive_stamp(archive: Path) -> dict:
    st = archive.stat()
    return {"archive": str(archive), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def extract(
    archive: str | os.PathLike,
    *,
    members: Sequence[str] | None = None,
    dest: str | os.PathLike | None = None,
    max_total_bytes: int | None = None,
    max_ratio: float | None = None,
) -> Path:
    """Extract a zip or tar archive safely and return the extraction folder.

    Parameters
    ----------
    archive
        The zip or tar(.gz/.bz2/.xz) file.
    members
        Members to extract, as exact names or shell patterns matched against the normalised
        member path (e.g. ``"conjunto_de_datos/02a.*"``); all files when omitted. A pattern that
        matches nothing raises DataSourceError.
    dest
        Folder to create. Defaults to a folder beside the archive named after it (and after the
        member selection). An existing folder from an earlier extraction of the same archive and
        members is reused; any other existing, non-empty folder is refused (OutputError) rather
        than overwritten.
    max_total_bytes
        Bound on the total uncompressed size; defaults to ``settings.max_download_bytes``.
    max_ratio
        Bound on one member's uncompressed/compressed size ratio (zip only); defaults to
        ``MAX_RATIO``.

    Returns
    -------
    pathlib.Path
        The folder holding the extracted members under their archive paths.

    Raises
    ------
    binational.errors.UnsafeArchiveError
        A member name is absolute or climbs out with ``..``, a member is a link or device, or a
        size bound is exceeded. Nothing is written outside a temporary folder, which is removed.
    binational.errors.DataSourceError
        The file is not a readable archive, or a requested member is missing.
    """
    archive = Path(archive)
    if not archive.is_file():
        raise DataSourceError(f"{archive}: archive does not exist")
    max_total = settings.max_download_bytes if max_total_bytes is None else int(max_total_bytes)
    ratio = MAX_RATIO if max_ratio is None else float(max_ratio)
    selection = None if members is None else list(members)
    if dest is None:
        stem = archive.name.split(".")[0] or "archive"
        if selection is not None:
            stem += "-" + hashlib.sha256("\n".join(selection).encode()).hexdigest()[:8]
        dest = archive.with_name(stem)
    dest = Path(dest)
    stamp = {**_archive_stamp(archive), "members": selection}
    if dest.exists():
        marker = dest / _EXTRACT_MARKER
        previous = _read_marker(marker)
        if previous == stamp:
            log.debug("reusing extraction %s of %s", dest, archive)
            return dest
        if previous is None and any(dest.iterdir()):
            raise OutputError(
                f"{dest}: folder exists and is not a binational extraction folder; "
                "pass another dest or remove it"
            )

    kind, handle = _open_archive(archive)
    with handle:  # type: ignore[union-attr]
        try:
            listed = list(
                _zip_members(archive, handle) if kind == "zip" else _tar_members(archive, handle)
            )
        except (zipfile.BadZipFile, tarfile.TarError) as exc:
            raise DataSourceError(f"{archive}: corrupt archive: {exc}") from exc
        chosen = _select(archive, listed, selection)
        _check_sizes(archive, chosen, max_total=max_total, max_ratio=ratio)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part"))
        try:
            _write_members(archive, chosen, tmp, max_total=max_total)
            write_json_atomic(tmp / _EXTRACT_MARKER, stamp)
            _swap_into_place(tmp, dest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    log.info("extracted %d member(s) of %s -> %s", len(chosen), archive, dest)
    return dest


def _read_marker(marker: Path) -> dict | None:
    try:
        return json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_members(archive: Path, chosen: Iterable[_Member], root: Path, *, max_total: int):
    written = 0
    base = root.resolve()
    for m in chosen:
        target = root.joinpath(*m.parts)
        # Defence in depth: the resolved target must stay inside the temporary folder.
        if os.path.commonpath([base, target.resolve()]) != str(base):
            raise UnsafeArchiveError(
                f"{archive}: member {m.name!r} would be written outside the extraction folder"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            src = m.open()
            if src is None:  # pragma: no cover - tar non-file (already refused)
                raise UnsafeArchiveError(f"{archive}: member {m.name!r} has no data")
            with src, open(target, "xb") as out:
                for block in iter(lambda src=src: src.read(CHUNK_SIZE), b""):
                    written += len(block)
                    if written > max_total:
                        raise UnsafeArchiveError(
                            f"{archive}: extraction exceeds {max_total} bytes at member "
                            f"{m.name!r} (sizes in the archive understate the content); refused"
                        )
                    out.write(block)
        except UnsafeArchiveError:
            raise
        except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as exc:
            if isinstance(exc, FileExistsError):
                raise UnsafeArchiveError(
                    f"{archive}: member {m.name!r} appears twice; refused"
                ) from exc
            raise DataSourceError(f"{archive}: member {m.name!r} is corrupt: {exc}") from exc
        os.chmod(target, 0o644)


def _swap_into_place(tmp: Path, dest: Path) -> None:
    if dest.exists():
        old = dest.with_name(f".{dest.name}.old-{os.getpid()}-{time.monotonic_ns()}")
        os.replace(dest, old)
        try:
            os.replace(tmp, dest)
        except BaseException:
            os.replace(old, dest)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, dest)
