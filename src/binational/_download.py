"""Safe downloads and archive extraction (the low level under :mod:`binational.sources`).

Guarantees
----------
- A download is streamed to a temporary file in the cache folder and renamed into place only
  after it is complete: its size matches ``Content-Length``, it is within ``max_bytes``, its
  sha256 matches the expected one (when given), and its first bytes look like the expected
  format (a zip is a zip, a CSV or JSON is not an HTML error page). Anything else raises and
  leaves nothing in the cache.
- Every cached download has a sidecar manifest (``<file>.manifest.json``) with the URL (any API
  key removed), size, sha256, time and HTTP validators. A later download of the same URL whose
  bytes differ is logged and recorded (``previous_sha256``), so a silently changed source is
  detected even where no published checksum exists.
- Archives are extracted member by member into a temporary folder that is renamed into place:
  absolute names, ``..`` components, links and device files are refused
  (:class:`~binational.errors.UnsafeArchiveError`), and the total size and per-member
  compression ratio are bounded (zip bombs). Nothing is ever unpickled.
"""

from __future__ import annotations

import contextlib
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
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import requests
from tqdm.auto import tqdm

from . import settings
from ._atomic import atomic_write_bytes, file_sha256
from ._log import get_logger
from ._version import __version__
from .errors import (
    ChecksumError,
    DataSourceError,
    DownloadError,
    OutputError,
    UnsafeArchiveError,
)

__all__ = [
    "CHUNK_SIZE",
    "extract",
    "fetch",
    "file_sha256",
    "read_manifest",
    "redact_url",
    "sniff",
]

log = get_logger(__name__)

#: Bytes read per chunk while streaming and hashing.
CHUNK_SIZE = 1 << 16
#: Attempts for one download (connection errors, timeouts, truncation, HTTP 5xx / 429).
RETRIES = 3
#: First back-off in seconds; doubled after each failed attempt.
BACKOFF = 1.0
#: A member whose uncompressed size exceeds its compressed size by more than this factor is
#: refused (only checked for members larger than ``RATIO_MIN_BYTES``).
MAX_RATIO = 200
RATIO_MIN_BYTES = 1 << 20
#: At most this many members are extracted from one archive.
MAX_MEMBERS = 100_000
#: Query parameters whose values never reach a log line, a manifest or a cache key.
SECRET_PARAMS = frozenset({"key", "api_key", "apikey", "token", "access_token", "$$app_token"})

_MANIFEST_SUFFIX = ".manifest.json"
_EXTRACT_MARKER = ".binational-extract.json"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_KINDS = {
    ".zip": "zip",
    ".csv": "csv",
    ".txt": "csv",
    ".json": "json",
    ".geojson": "json",
    ".xml": "xml",
    ".gz": "gzip",
    ".tgz": "gzip",
    ".bz2": "bz2",
    ".tar": "tar",
}

# ----------------------------------------------------------------------------------------------
# URLs, names, hashes, manifests


def redact_url(url: str) -> str:
    """``url`` with the values of secret query parameters (``key=``, ``token=``) replaced."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(k.lower() in SECRET_PARAMS for k, _ in pairs):
        return url
    query = [(k, "REDACTED" if k.lower() in SECRET_PARAMS else v) for k, v in pairs]
    return urlunsplit(parts._replace(query=urlencode(query, safe=":*,$", quote_via=quote)))


def _url_key(url: str) -> str:
    return hashlib.sha256(redact_url(url).encode("utf-8")).hexdigest()[:20]


def _safe_filename(name: str | None, url: str) -> str:
    """A plain file name (no folders, no leading dot) for a download."""
    if name is not None:
        if not name or "/" in name or "\\" in name or name in (".", "..") or "\x00" in name:
            raise DownloadError(f"filename {name!r} for {redact_url(url)} is not a plain file name")
        return name
    base = PurePosixPath(urlsplit(url).path).name
    base = _SAFE_NAME.sub("_", base).lstrip("._") or "download"
    return base[:120]


def _manifest_path(path: Path) -> Path:
    return path.with_name(path.name + _MANIFEST_SUFFIX)


def read_manifest(path: str | os.PathLike) -> dict | None:
    """The sidecar manifest of a downloaded file (``None`` if it has none).

    Parameters
    ----------
    path
        The downloaded file.

    Returns
    -------
    dict or None
        The manifest (URL, checksum, time of download, ...), or None.
    """
    mpath = _manifest_path(Path(path))
    try:
        return json.loads(mpath.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("%s: unreadable download manifest (%s); ignoring it", mpath, exc)
        return None


def _write_json_atomic(path: Path, obj) -> None:
    atomic_write_bytes(path, json.dumps(obj, indent=2, sort_keys=True).encode("utf-8"))


# ----------------------------------------------------------------------------------------------
# Content sniffing


def _looks_like_html(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or (
        text.startswith(b"<") and b"<html" in text[:1024]
    )


def sniff(path: str | os.PathLike, *, expect: str | None, url: str | None = None) -> None:
    """Check that a file's bytes are what its name promises.

    Parameters
    ----------
    path
        The file.
    expect
        ``"zip"``, ``"csv"``, ``"json"``, ``"xml"``, ``"gzip"``, ``"bz2"``, ``"tar"``, ``"html"``
        or ``None`` (only refuse an HTML page).
    url
        Where the file came from, for the message.

    Raises
    ------
    binational.errors.DataSourceError
        Naming the file (and URL) when an HTML page, a non-zip or a non-JSON file is found.
    """
    path = Path(path)
    where = f"{path}" + (f" (from {redact_url(url)})" if url else "")
    with path.open("rb") as fh:
        head = fh.read(4096)
    if expect == "html":
        return
    if _looks_like_html(head):
        raise DataSourceError(
            f"{where}: the server sent an HTML page, not {expect or 'the data file'} "
            "(an error or landing page; check the URL or try again later)"
        )
    if expect == "zip":
        if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")) or not zipfile.is_zipfile(path):
            raise DataSourceError(f"{where}: not a zip archive (first bytes {head[:8]!r})")
    elif expect == "gzip":
        if not head.startswith(b"\x1f\x8b"):
            raise DataSourceError(f"{where}: not a gzip file (first bytes {head[:8]!r})")
    elif expect == "bz2":
        if not head.startswith(b"BZh"):
            raise DataSourceError(f"{where}: not a bzip2 file (first bytes {head[:8]!r})")
    elif expect == "tar":
        if not tarfile.is_tarfile(path):
            raise DataSourceError(f"{where}: not a tar archive")
    elif expect == "json":
        try:
            with path.open("rb") as fh:
                json.load(fh)
        except (ValueError, UnicodeDecodeError) as exc:
            raise DataSourceError(f"{where}: not valid JSON ({exc})") from exc
    elif expect in ("csv", "xml"):
        if b"\x00" in head:
            raise DataSourceError(f"{where}: binary content where {expect} text was expected")
        if expect == "xml" and not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            raise DataSourceError(f"{where}: not an XML document")


def _kind_from_name(name: str) -> str | None:
    return _KINDS.get(Path(name).suffix.lower())


# ----------------------------------------------------------------------------------------------
# Downloads


class _Retry(Exception):
    """A failure worth another attempt (wraps the final error message)."""


def _check_scheme(url: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise DownloadError(f"{redact_url(url)}: only http(s) URLs can be downloaded")


def fetch(
    url: str,
    *,
    sha256: str | None = None,
    filename: str | None = None,
    cache: bool = True,
    max_bytes: int | None = None,
    progress: bool | None = None,
    expect: str | None = None,
    retries: int | None = None,
    cache_dir: str | os.PathLike | None = None,
) -> Path:
    """Download ``url`` into the cache (once) and return the local path.

    Parameters
    ----------
    url
        http(s) URL. Secret query parameters (``key=``) are kept out of the cache key, logs and
        manifest.
    sha256
        Expected hex sha256 of the file; a mismatch raises ChecksumError and nothing is cached.
    filename
        Name of the cached file (a plain name); defaults to the last part of the URL path.
    cache
        Reuse an earlier complete download of the same URL (checked against its manifest and,
        when ``sha256`` is given, re-hashed). ``False`` always downloads and replaces it.
    max_bytes
        Upper bound on the download size; defaults to ``settings.max_download_bytes``.
    progress
        Show a tqdm progress bar; defaults to ``settings.progress``.
    expect
        Expected format for the content check (see :func:`sniff`); defaults to the one implied
        by the file name's extension.
    retries
        Attempts on connection errors, timeouts, truncated bodies and HTTP 5xx/429; defaults to
        ``RETRIES``.
    cache_dir
        Folder to cache into; defaults to ``settings.resolve_cache_dir("downloads")``.

    Returns
    -------
    pathlib.Path
        ``<cache>/downloads/<url-hash>/<filename>``, with ``<filename>.manifest.json`` beside it.

    Raises
    ------
    binational.errors.DownloadError
        HTTP error, truncated body, size bound exceeded, or too many failed attempts.
    binational.errors.ChecksumError
        The sha256 differs from ``sha256``.
    binational.errors.DataSourceError
        The content is not what was expected (HTML error page, not a zip, invalid JSON).
    """
    _check_scheme(url)
    name = _safe_filename(filename, url)
    expect = expect if expect is not None else _kind_from_name(name)
    sha256 = sha256.lower() if sha256 else None
    root = Path(cache_dir) if cache_dir is not None else settings.resolve_cache_dir("downloads")
    folder = root / _url_key(url)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    previous = read_manifest(target) if target.exists() else None

    if cache and previous is not None and _cache_valid(target, previous, sha256):
        log.debug("cache hit for %s: %s", redact_url(url), target)
        return target

    try:
        return _fetch_into(
            url,
            target,
            previous,
            sha256=sha256,
            expect=expect,
            max_bytes=max_bytes,
            progress=progress,
            retries=retries,
        )
    except BaseException:
        with contextlib.suppress(OSError):
            folder.rmdir()  # only if empty: a failed first download leaves no folder behind
        raise


def _fetch_into(
    url: str,
    target: Path,
    previous: dict | None,
    *,
    sha256: str | None,
    expect: str | None,
    max_bytes: int | None,
    progress: bool | None,
    retries: int | None,
) -> Path:
    folder, name = target.parent, target.name
    limit = settings.max_download_bytes if max_bytes is None else int(max_bytes)
    attempts = max(1, RETRIES if retries is None else int(retries))
    show = settings.progress if progress is None else progress
    last: Exception | None = None
    for attempt in range(1, attempts + 1):
        try:
            tmp, info = _download_once(url, folder, name, limit=limit, progress=show)
        except _Retry as exc:
            last = exc
            if attempt < attempts:
                wait = BACKOFF * 2 ** (attempt - 1)
                log.warning(
                    "%s (attempt %d of %d); retrying in %.1f s", exc, attempt, attempts, wait
                )
                time.sleep(wait)
            continue
        try:
            _verify(tmp, info, url=url, sha256=sha256, expect=expect)
            manifest = {
                **info,
                "url": redact_url(url),
                "file": name,
                "expected_sha256": sha256,
                "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "binational_version": __version__,
            }
            if previous and previous.get("sha256") and previous["sha256"] != info["sha256"]:
                manifest["previous_sha256"] = previous["sha256"]
                manifest["previous_fetched_at"] = previous.get("fetched_at")
                log.warning(
                    "%s changed since it was last downloaded (%s): sha256 %s -> %s",
                    redact_url(url),
                    previous.get("fetched_at"),
                    previous["sha256"][:12],
                    info["sha256"][:12],
                )
            # Remove the old manifest first: a crash between the two renames then leaves a file
            # without manifest, which is never taken as a cache hit.
            with contextlib.suppress(FileNotFoundError):
                _manifest_path(target).unlink()
            os.replace(tmp, target)
            _write_json_atomic(_manifest_path(target), manifest)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        log.info("downloaded %s (%d bytes) -> %s", redact_url(url), info["size"], target)
        return target
    raise DownloadError(f"{redact_url(url)}: download failed after {attempts} attempt(s): {last}")


def _cache_valid(target: Path, manifest: dict, sha256: str | None) -> bool:
    try:
        size = target.stat().st_size
    except OSError:
        return False
    if size != manifest.get("size"):
        log.warning("%s: cached file size differs from its manifest; downloading again", target)
        return False
    if sha256 is not None:
        actual = file_sha256(target)
        if actual != sha256:
            log.warning(
                "%s: cached file sha256 %s is not the expected %s; downloading again",
                target,
                actual[:12],
                sha256[:12],
            )
            return False
    return True


def _download_once(
    url: str, folder: Path, name: str, *, limit: int, progress: bool
) -> tuple[Path, dict]:
    """One attempt: stream to a temp file; return it with size, sha256 and HTTP headers."""
    shown = redact_url(url)
    headers = {"User-Agent": f"binational/{__version__}", "Accept-Encoding": "identity"}
    try:
        resp = _get_checked_redirects(url, headers=headers)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise _Retry(f"{shown}: {type(exc).__name__}: {exc}") from exc
    except requests.RequestException as exc:
        raise DownloadError(f"{shown}: {exc}") from exc
    with resp:
        if resp.url and urlsplit(url).scheme == "https" and urlsplit(resp.url).scheme != "https":
            raise DownloadError(f"{shown}: redirected to a non-https URL {redact_url(resp.url)}")
        if resp.status_code >= 500 or resp.status_code == 429:
            raise _Retry(f"{shown}: HTTP {resp.status_code} {resp.reason}")
        if resp.status_code != 200:
            detail = _error_detail(resp)
            raise DownloadError(f"{shown}: HTTP {resp.status_code} {resp.reason}{detail}")
        announced = resp.headers.get("Content-Length")
        expected_len = int(announced) if announced and announced.isdigit() else None
        encoded = resp.headers.get("Content-Encoding", "identity").lower() not in ("identity", "")
        if expected_len is not None and expected_len > limit:
            raise DownloadError(
                f"{shown}: announced size {expected_len} bytes exceeds the bound of {limit} "
                "bytes (settings.max_download_bytes / max_bytes)"
            )
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
        tmp = Path(tmp_name)
        digest = hashlib.sha256()
        received = 0
        try:
            with (
                os.fdopen(fd, "wb") as out,
                tqdm(
                    total=expected_len,
                    unit="B",
                    unit_scale=True,
                    unit_divisor=1024,
                    desc=name,
                    disable=not progress,
                    leave=False,
                ) as bar,
            ):
                for block in resp.iter_content(CHUNK_SIZE):
                    received += len(block)
                    if received > limit:
                        raise DownloadError(
                            f"{shown}: download exceeds the bound of {limit} bytes "
                            "(settings.max_download_bytes / max_bytes); stopped"
                        )
                    out.write(block)
                    digest.update(block)
                    bar.update(len(block))
        except (requests.ConnectionError, requests.Timeout) as exc:
            tmp.unlink(missing_ok=True)
            raise _Retry(f"{shown}: transfer interrupted after {received} bytes: {exc}") from exc
        except requests.RequestException as exc:  # ChunkedEncodingError: truncated body
            tmp.unlink(missing_ok=True)
            raise _Retry(
                f"{shown}: truncated transfer, {received} of {expected_len} bytes: {exc}"
            ) from exc
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        if expected_len is not None and not encoded and received != expected_len:
            tmp.unlink(missing_ok=True)
            raise _Retry(
                f"{shown}: truncated transfer, received {received} of {expected_len} bytes"
            )
        info = {
            "size": received,
            "sha256": digest.hexdigest(),
            "final_url": redact_url(resp.url or url),
            "content_type": resp.headers.get("Content-Type"),
            "etag": resp.headers.get("ETag"),
            "last_modified": resp.headers.get("Last-Modified"),
        }
        return tmp, info


#: Redirect hops followed for one download.
MAX_REDIRECTS = 10


def allowed_hosts(url: str) -> set[str]:
    """Hosts a download of ``url`` may be redirected to.

    The URL's own host, every host of the source catalogue (``base_url`` and the optional
    ``redirect_hosts`` list of each ``[sources.<id>]``), and the hosts of
    ``settings.base_urls`` overrides. Any other host is refused.
    """
    import tomllib

    from ._data import manifest

    hosts = {urlsplit(url).hostname or ""}
    try:
        with open(manifest("sources.toml"), "rb") as fh:
            doc = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        doc = {}
    for table in doc.get("sources", {}).values():
        hosts.add(urlsplit(str(table.get("base_url", ""))).hostname or "")
        hosts.update(str(h).lower() for h in table.get("redirect_hosts", ()))
    for base in settings.base_urls.values():
        hosts.add(urlsplit(str(base)).hostname or "")
    return {h.lower() for h in hosts if h}


def _get_checked_redirects(url: str, *, headers: dict) -> requests.Response:
    """GET ``url`` following redirects only to allowed hosts (checked before each request)."""
    shown = redact_url(url)
    allowed = allowed_hosts(url)
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        resp = requests.get(
            current,
            stream=True,
            timeout=settings.timeout,
            headers=headers,
            allow_redirects=False,
        )
        location = resp.headers.get("Location") if resp.is_redirect else None
        if not location:
            return resp
        resp.close()
        target = requests.compat.urljoin(current, location)
        host = (urlsplit(target).hostname or "").lower()
        if host not in allowed:
            raise DownloadError(
                f"{shown}: redirected to another host {host!r} ({redact_url(target)}), which the "
                "source catalogue (data/sources.toml) does not list; refused. If the publisher "
                "really serves the file there, add the host to the source's redirect_hosts"
            )
        if urlsplit(url).scheme == "https" and urlsplit(target).scheme != "https":
            raise DownloadError(f"{shown}: redirected to a non-https URL {redact_url(target)}")
        current = target
    raise DownloadError(f"{shown}: more than {MAX_REDIRECTS} redirects; refused")


def _error_detail(resp: requests.Response) -> str:
    try:
        text = resp.text[:300].strip()
    except Exception:  # pragma: no cover - undecodable body
        return ""
    if not text or _looks_like_html(text.encode("utf-8", "replace")):
        return ""
    return f": {' '.join(text.split())}"


def _verify(tmp: Path, info: dict, *, url: str, sha256: str | None, expect: str | None) -> None:
    if sha256 is not None and info["sha256"] != sha256:
        raise ChecksumError(
            f"{redact_url(url)}: sha256 {info['sha256']} does not match the expected {sha256}; "
            "the file was not cached"
        )
    try:
        sniff(tmp, expect=expect, url=url)
    except DataSourceError as exc:
        raise DataSourceError(f"{exc}; the file was not cached") from None


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
        what = "an HTML page" if _looks_like_html(head) else f"first bytes {head[:8]!r}"
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
            _write_json_atomic(tmp / _EXTRACT_MARKER, stamp)
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
