"""Fetch one catalogue source (with its alternates), and write files derived from downloads."""

from __future__ import annotations

import contextlib
from pathlib import Path

from .. import settings
from .._atomic import atomic_path, file_sha256
from .._log import get_logger
from ..errors import (
    ChecksumError,
    DataSourceError,
    DownloadError,
    RegionError,
)
from .catalogue import get_source
from .download import fetch, provenance_path, read_provenance, safe_filename, write_json_atomic

log = get_logger(__name__)


def fetch_source(
    source_id: str,
    *,
    cache: bool = True,
    sha256: str | None = None,
    filename: str | None = None,
    expect: str | None = None,
    **params: object,
) -> Path:
    """Download the file of one catalogue source for ``params`` and return its cached path.

    The main URL is tried first, then the catalogue's alternates, when the server answers with an
    HTTP error or with something that is not the data (an HTML page). A checksum mismatch is
    never passed over. The expected sha256 is ``sha256`` if given, else the catalogue's entry for
    the file name.

    Parameters
    ----------
    source_id
        Catalogue source id, e.g. ``"census_tiger"``.
    cache
        Reuse a verified copy in the cache instead of downloading again.
    sha256
        Expected checksum of the file.
    filename
        File name in the cache (default: from the URL).
    expect
        Expected format of the content (``"zip"``, ``"csv"``, ``"json"``, ...; see
        :func:`binational._download.fetch`); None refuses only an HTML page.
    **params
        Values of the source's URL template (e.g. ``state="06", year=2024``).

    Returns
    -------
    pathlib.Path
        The cached file.

    Raises
    ------
    binational.errors.DownloadError, binational.errors.ChecksumError,
    binational.errors.DataSourceError
        As :func:`fetch`; when every URL fails, the error names each URL and its failure.
    """
    src = get_source(source_id)
    errors: list[str] = []
    for url in src.urls(**params):
        name = safe_filename(filename, url)
        expected = sha256 or src.sha256.get(name)
        try:
            path = fetch(url, sha256=expected, filename=filename, cache=cache, expect=expect)
        except ChecksumError:
            raise
        except DataSourceError as exc:  # DownloadError included
            errors.append(str(exc))
            log.warning("source %s: %s", source_id, exc)
            continue
        reported = src.reported_sha256.get(path.name)
        if reported and not expected:
            actual = (read_provenance(path) or {}).get("sha256")
            if actual and actual != reported:
                log.warning(
                    "%s: sha256 %s differs from the %s reported for %s (the publisher may have "
                    "replaced the file)",
                    path,
                    actual[:12],
                    reported[:12],
                    path.name,
                )
        return path
    if len(errors) == 1:
        raise DownloadError(errors[0])
    raise DownloadError(f"source {source_id!r}: every URL failed:\n  " + "\n  ".join(errors))


def code(value: object, width: int, what: str) -> str:
    text = str(value).strip()
    if text.isdigit() and len(text) <= width:
        return text.zfill(width)
    raise RegionError(f"{what} {value!r} is not a {width}-digit code")


def derived_dir(sub: str) -> Path:
    return settings.resolve_cache_dir(f"sources/{sub}")


def write_derived(path: Path, write, provenance: dict) -> Path:
    """Write a file derived from downloads atomically, with a provenance record of its inputs.

    ``write(tmp_path)`` writes the content. An existing file whose provenance record has the same
    provenance (and whose bytes still hash to the recorded sha256) is reused.
    """
    old = read_provenance(path) if path.exists() else None
    if (
        old is not None
        and old.get("derived_from") == provenance
        and old.get("sha256") == file_sha256(path)
    ):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    record_path = provenance_path(path)
    with atomic_path(path) as tmp:
        write(tmp)
        info = {
            "file": path.name,
            "size": tmp.stat().st_size,
            "sha256": file_sha256(tmp),
            "derived_from": provenance,
        }
        if old and old.get("sha256") and old["sha256"] != info["sha256"]:
            info["previous_sha256"] = old["sha256"]
        # the old record goes first: a crash before the new one leaves a file that is not reused
        with contextlib.suppress(FileNotFoundError):
            record_path.unlink()
    write_json_atomic(record_path, info)
    return path


def provenance_of(*paths: Path) -> list[dict]:
    out = []
    for p in paths:
        m = read_provenance(p) or {}
        out.append({"url": m.get("url"), "sha256": m.get("sha256") or file_sha256(p)})
    return out


def existing_member(path: Path, archive: Path) -> Path:
    if not path.is_file():
        raise DataSourceError(f"{archive}: expected member {path.name} is not in the archive")
    return path
