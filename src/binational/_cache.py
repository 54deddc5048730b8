"""A small parsed-table cache: Parquet files keyed by the source file's checksum.

Parsing a large text source (a 190k-row wait-time series, the BTS file) costs a second or more
at every load; the parsed table is stored once in ``settings.cache_dir/tables`` and read back in
milliseconds. Keys include the source's sha256, so an edited source is parsed again; writes are
atomic; an unreadable entry is logged and rebuilt. No pickle.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable

import pandas as pd

from . import settings
from ._atomic import atomic_path, file_sha256
from ._log import get_logger

log = get_logger(__name__)

#: Bump when a reader's output changes shape: old entries are then ignored.
TABLE_CACHE_VERSION = 1


def cached_table(
    path: str | os.PathLike, *, kind: str, build: Callable[[], pd.DataFrame], cache: bool = True
) -> pd.DataFrame:
    """Return ``build()`` for the file at ``path``, from the cache when it holds this file.

    Parameters
    ----------
    path
        Source file the table is parsed from (its checksum keys the cache).
    kind
        Name of the reader and its options, e.g. ``"waits:v1"``.
    build
        Parses the file; called on a miss.
    cache
        Set False to bypass the cache (also bypassed when ``settings.use_cache`` is False).
    """
    if not (cache and settings.use_cache):
        return build()
    key = hashlib.sha256(f"{kind}|{TABLE_CACHE_VERSION}|{file_sha256(path)}".encode()).hexdigest()[
        :32
    ]
    target = settings.resolve_cache_dir("tables") / f"{key}.parquet"
    if target.is_file():
        try:
            return pd.read_parquet(target)
        except Exception as exc:  # damaged entry: rebuild
            log.warning("table cache entry %s is unreadable (%s); rebuilding it", target, exc)
    table = build()
    try:
        with atomic_path(target) as tmp:
            table.to_parquet(tmp)
    except Exception as exc:  # an uncacheable table is still returned
        log.warning("%s: parsed table not cached (%s)", path, exc)
    return table
