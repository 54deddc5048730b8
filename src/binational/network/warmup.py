"""Parse a road network file into the prepared-network cache in a forked process, while the
caller loads the rest of a region.

On a fresh cache the road network is the slowest layer of a region (parsing the Tijuana–San
Diego GraphML and preparing it takes about 6 s) and the census units and wait tables next (about
5 s), and neither needs the other. :func:`start_warmup` forks a child that runs
:func:`~binational.network.prepare.prepare_network` on the file: it parses it, prepares it and
writes the prepared-network cache (:func:`binational.io.roads.load_prepared_network`), then
exits. The caller goes on loading; when it needs the network it calls :meth:`Warmup.wait` and
then :func:`~binational.network.prepare.prepare_network` itself, which reads the cache the child
wrote: the same graph a second (warm) run reads, checked the same way. Nothing comes back
through a pipe; if the child fails, the caller finds no cache entry and parses the file itself,
so its errors are raised where the caller can see them.

No child is forked where it would not help or not be safe: the cache is off or already holds
the network, one worker is asked for (``settings.workers``), or :func:`binational._fork.
fork_obstacle` names a reason (not Linux, other threads running, a daemonic Dask worker).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd

from .. import settings
from .._fork import die_with_parent, fork_obstacle
from .._log import get_logger

__all__ = ["Warmup", "start_warmup"]

log = get_logger(__name__)


class Warmup:
    """A child process filling the prepared-network cache for one file."""

    def __init__(self, process: multiprocessing.process.BaseProcess, path: Path) -> None:
        self.process = process
        self.path = path

    def wait(self) -> bool:
        """Wait for the child to end; True if it wrote the cache (exit code 0)."""
        self.process.join()
        ok = self.process.exitcode == 0
        if not ok:
            log.info(
                "%s: the network warm-up process ended with exit code %s; parsing here",
                self.path,
                self.process.exitcode,
            )
        return ok


def start_warmup(
    path: str | os.PathLike, *, crs: Any, ports: gpd.GeoDataFrame | None = None
) -> Warmup | None:
    """Start parsing ``path`` into the prepared-network cache in a forked child.

    Parameters
    ----------
    path
        Local network file.
    crs, ports
        As :func:`~binational.network.prepare.prepare_network` will be called with (the cache
        key includes them).

    Returns
    -------
    Warmup or None
        The running child, or None when none was started (the reason is logged at debug
        level).
    """
    from .prepare import prepared_network_cached

    why = _obstacle()
    if why is None and prepared_network_cached(path, crs=crs, ports=ports):
        why = "the network is cached already"
    if why is not None:
        log.debug("%s: no network warm-up (%s)", path, why)
        return None
    ctx = multiprocessing.get_context("fork")
    sys.stdout.flush()
    sys.stderr.flush()
    process = ctx.Process(
        target=_child,
        args=(Path(path), crs, ports, os.getpid()),
        name="binational-network-warmup",
        daemon=True,
    )
    process.start()
    log.info("%s: parsing the road network in process %d meanwhile", path, process.pid)
    return Warmup(process, Path(path))


def _obstacle() -> str | None:
    if not settings.use_cache:
        return "the cache is off"
    if settings.workers <= 1:
        return "one worker"
    return fork_obstacle()


def _child(path: Path, crs: Any, ports, parent: int) -> None:
    """The forked child: prepare the network (which writes the cache) and exit."""
    from .prepare import prepare_network

    die_with_parent(parent)
    settings.progress = False
    # quiet: the caller's own load, from the cache, logs and reports what a warm load does
    # (the checks of the graph); a failure here is found and reported by the caller's parse
    logging.getLogger("binational").setLevel(logging.CRITICAL)
    try:
        prepare_network(path, crs=crs, ports=ports)
    except BaseException:  # the caller parses again and reports it
        os._exit(1)
    os._exit(0)
