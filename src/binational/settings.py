"""Package settings, in the manner of ``osmnx.settings``.

Module-level values that a user may change at run time, e.g.
``binational.settings.cache_dir = "/tmp/bn-cache"``.

Attributes
----------
data_dir
    Folder holding local copies of the source data (the layout of ``shared/data``). Defaults to
    the ``BINATIONAL_DATA_DIR`` environment variable, else ``None``.
cache_dir
    Writable folder for downloads and parsed-data caches. Defaults to ``BINATIONAL_CACHE_DIR``,
    else the user cache directory (``platformdirs.user_cache_dir("binational")``). Never a
    folder beside read-only data.
use_cache
    Whether parsed layers (e.g. road networks) are cached as GeoParquet keyed by the source
    file's checksum.
base_urls
    Per-source override of the official base URL, e.g. ``{"census_tiger": "http://127.0.0.1:8000"}``.
    Tests point these at a local server.
census_api_key
    Optional key for the Census Bureau API; defaults to ``CENSUS_API_KEY``.
timeout
    Network timeout in seconds for downloads.
max_download_bytes
    Upper bound on a single download, and on the total extracted size of an archive.
max_decompressed_bytes
    Upper bound on what one local compressed input (``.gz``, ``.bz2``, ``.xz``, a zip member)
    may expand to (never more than ``max_download_bytes``); a bigger one is refused while
    streaming, before it fills the memory.
progress
    Show progress bars (tqdm) for long downloads and computations (bars are drawn only on a
    terminal; the command line's ``--quiet`` turns them off). The duration of each long step
    is logged at INFO on the ``binational.progress`` logger whatever this setting.
workers
    Workers a report runs its two independent sides in (``BINATIONAL_WORKERS``, default 2;
    ``BINATIONAL_THREADS`` is read too, for older scripts): the catchments beside the rest
    (concentration, named groups, the commuting model and the sections that draw only them).
    1 runs everything one step after the other, in the calling thread.
    The page is the same either way (each analysis has its own seeded random generator).
worker_kind
    ``"process"`` (default; ``BINATIONAL_WORKER_KIND``): the catchments run in a child
    process forked from the caller, on its own core; where forking is not safe (not Linux, or
    other threads running) a thread is used instead, and the reason logged. ``"thread"``: a
    thread (the two sides then share one interpreter lock, and overlap little).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

data_dir: str | os.PathLike | None = os.environ.get("BINATIONAL_DATA_DIR") or None
cache_dir: str | os.PathLike = os.environ.get(
    "BINATIONAL_CACHE_DIR"
) or platformdirs.user_cache_dir("binational")
use_cache: bool = True
base_urls: dict[str, str] = {}
census_api_key: str | None = os.environ.get("CENSUS_API_KEY") or None
timeout: float = 60.0
max_download_bytes: int = 2 * 1024**3
max_decompressed_bytes: int = 1024**3
progress: bool = True
workers: int = int(
    os.environ.get("BINATIONAL_WORKERS") or os.environ.get("BINATIONAL_THREADS") or 2
)
worker_kind: str = os.environ.get("BINATIONAL_WORKER_KIND") or "process"


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """Return the data folder to use: the argument, else ``settings.data_dir``.

    Raises
    ------
    binational.errors.DataSourceError
        If neither is set or the folder does not exist.
    """
    from .errors import DataSourceError

    chosen = data_dir if data_dir is not None else globals()["data_dir"]
    if chosen is None:
        raise DataSourceError(
            "no data folder given: pass data_dir=... or set BINATIONAL_DATA_DIR "
            "(or fetch the official sources with binational.sources)"
        )
    path = Path(chosen).expanduser()
    if not path.is_dir():
        raise DataSourceError(f"{path}: data folder does not exist")
    return path


def resolve_cache_dir(sub: str | None = None) -> Path:
    """Return (and create) the cache folder, or a sub-folder of it."""
    path = Path(globals()["cache_dir"]).expanduser()
    if sub:
        path = path / sub
    try:
        path.mkdir(parents=True, exist_ok=True)
        if not os.access(path, os.W_OK | os.X_OK):
            raise PermissionError(13, "Permission denied", str(path))
    except OSError as exc:
        from .errors import OutputError

        raise OutputError(
            f"cache folder {path} cannot be created or written ({exc.strerror or exc}); set "
            "BINATIONAL_CACHE_DIR (or binational.settings.cache_dir) to a writable folder, or "
            "turn the cache off with binational.settings.use_cache = False"
        ) from exc
    return path
