"""Safe downloads into the cache, each with a provenance record beside it.

A download is streamed to a temporary file in the cache folder and renamed into place only
after it is complete: its size matches ``Content-Length``, it is within ``max_bytes``, its
sha256 matches the expected one (when given), and its first bytes look like the expected
format (:func:`binational._sniff.sniff`: a zip is a zip, a CSV or JSON is not an HTML error
page). Anything else raises and leaves nothing in the cache.

Every cached download has a provenance record (``<file>.provenance.json``) with the URL (any
API key removed), size, sha256, time and HTTP validators. A later download of the same URL
whose bytes differ is logged and recorded (``previous_sha256``), so a silently changed source
is detected even where no published checksum exists. Redirects are followed only to hosts the
catalogue lists.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tarfile
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import requests
from tqdm.auto import tqdm

from .. import settings
from .._atomic import atomic_write_bytes, file_sha256
from .._data import package_toml
from .._log import get_logger
from .._sniff import is_html
from .._version import __version__
from ..errors import (
    ChecksumError,
    DataSourceError,
    DownloadError,
)

log = get_logger(__name__)

__all__ = ["CHUNK_SIZE", "fetch", "provenance_path", "read_provenance", "redact_url", "sniff"]

#: Bytes read per chunk while streaming and hashing.
CHUNK_SIZE = 1 << 16
#: Attempts for one download (connection errors, timeouts, truncation, HTTP 5xx / 429).
RETRIES = 3
#: First back-off in seconds; doubled after each failed attempt.
BACKOFF = 1.0
#: A member whose uncompressed size exceeds its compressed size by more than this factor is
#: Query parameters whose values never reach a log line, a provenance record or a cache key.
SECRET_PARAMS = frozenset({"key", "api_key", "apikey", "token", "access_token", "$$app_token"})

PROVENANCE_SUFFIX = ".provenance.json"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")

# ----------------------------------------------------------------------------------------------
# URLs, names, provenance records


def redact_url(url: str) -> str:
    """``url`` with the values of secret query parameters (``key=``, ``token=``) replaced.

    Parameters
    ----------
    url
        A URL, perhaps with an API key in its query.

    Returns
    -------
    str
        The URL safe to log.
    """
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(k.lower() in SECRET_PARAMS for k, _ in pairs):
        return url
    query = [(k, "REDACTED" if k.lower() in SECRET_PARAMS else v) for k, v in pairs]
    return urlunsplit(parts._replace(query=urlencode(query, safe=":*,$", quote_via=quote)))


def _url_key(url: str) -> str:
    return hashlib.sha256(redact_url(url).encode("utf-8")).hexdigest()[:20]


def safe_filename(name: str | None, url: str) -> str:
    """A plain file name (no folders, no leading dot) for a download."""
    if name is not None:
        if not name or "/" in name or "\\" in name or name in (".", "..") or "\x00" in name:
            raise DownloadError(f"filename {name!r} for {redact_url(url)} is not a plain file name")
        return name
    base = PurePosixPath(urlsplit(url).path).name
    base = _SAFE_NAME.sub("_", base).lstrip("._") or "download"
    return base[:120]


def provenance_path(path: Path) -> Path:
    return path.with_name(path.name + PROVENANCE_SUFFIX)


def read_provenance(path: str | os.PathLike) -> dict | None:
    """The provenance record of a downloaded (or derived) file (``None`` if it has none).

    Parameters
    ----------
    path
        The downloaded or derived file.

    Returns
    -------
    dict or None
        The record beside the file (URL, checksum, time of download, ...), or None.
    """
    mpath = provenance_path(Path(path))
    try:
        return json.loads(mpath.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("%s: unreadable provenance record (%s); ignoring it", mpath, exc)
        return None


def write_json_atomic(path: Path, obj) -> None:
    atomic_write_bytes(path, json.dumps(obj, indent=2, sort_keys=True).encode("utf-8"))


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
# Content sniffing


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
    if is_html(head):
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


def kind_from_name(name: str) -> str | None:
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
        provenance record.
    sha256
        Expected hex sha256 of the file; a mismatch raises ChecksumError and nothing is cached.
    filename
        Name of the cached file (a plain name); defaults to the last part of the URL path.
    cache
        Reuse an earlier complete download of the same URL (checked against its record and,
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
        ``<cache>/downloads/<url-hash>/<filename>``, with its provenance record
        ``<filename>.provenance.json`` beside it.

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
    name = safe_filename(filename, url)
    expect = expect if expect is not None else kind_from_name(name)
    sha256 = sha256.lower() if sha256 else None
    root = Path(cache_dir) if cache_dir is not None else settings.resolve_cache_dir("downloads")
    folder = root / _url_key(url)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    previous = read_provenance(target) if target.exists() else None

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
            record = {
                **info,
                "url": redact_url(url),
                "file": name,
                "expected_sha256": sha256,
                "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "binational_version": __version__,
            }
            if previous and previous.get("sha256") and previous["sha256"] != info["sha256"]:
                record["previous_sha256"] = previous["sha256"]
                record["previous_fetched_at"] = previous.get("fetched_at")
                log.warning(
                    "%s changed since it was last downloaded (%s): sha256 %s -> %s",
                    redact_url(url),
                    previous.get("fetched_at"),
                    previous["sha256"][:12],
                    info["sha256"][:12],
                )
            # Remove the old record first: a crash between the two renames then leaves a file
            # without record, which is never taken as a cache hit.
            with contextlib.suppress(FileNotFoundError):
                provenance_path(target).unlink()
            os.replace(tmp, target)
            write_json_atomic(provenance_path(target), record)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        log.info("downloaded %s (%d bytes) -> %s", redact_url(url), info["size"], target)
        return target
    raise DownloadError(f"{redact_url(url)}: download failed after {attempts} attempt(s): {last}")


def _cache_valid(target: Path, record: dict, sha256: str | None) -> bool:
    try:
        size = target.stat().st_size
    except OSError:
        return False
    if size != record.get("size"):
        log.warning("%s: cached file size differs from its record; downloading again", target)
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
    hosts = {urlsplit(url).hostname or ""}
    try:
        doc = package_toml("sources.toml")
    except DataSourceError:
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
    if not text or is_html(text.encode("utf-8", "replace")):
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
