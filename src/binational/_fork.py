"""Forking a helper process safely: when it may be done, and a child that ends with its parent.

Used by the report's side process (:mod:`binational.pipeline._parallel`) and by the road
network's warm-up (:mod:`binational.network.warmup`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import threading

__all__ = ["die_with_parent", "fork_obstacle"]


def fork_obstacle() -> str | None:
    """Why a child cannot be forked safely here, or None if it can.

    ``fork`` must exist (not Windows) and be the platform's safe default (Linux: macOS system
    libraries are not fork-safe), this process must not be a daemonic worker (those may not
    have children), and it must run no other thread, apart from tqdm's monitor (it sleeps and
    takes no lock the child uses: the child draws no bars).
    """
    if "fork" not in multiprocessing.get_all_start_methods() or not sys.platform.startswith(
        "linux"
    ):
        return f"fork is not available or not safe on {sys.platform}"
    if multiprocessing.current_process().daemon:
        return (
            "this is a daemonic process (a Dask or multiprocessing worker): it cannot have children"
        )
    others = [
        t
        for t in threading.enumerate()
        if t is not threading.current_thread() and type(t).__name__ != "TMonitor"
    ]
    if others:
        names = ", ".join(sorted(t.name for t in others)[:3])
        return f"{len(others)} other thread(s) running ({names})"
    return None


def die_with_parent(parent: int) -> None:
    """End this child when its parent ends (killed included): it holds what the parent held
    (an output folder's lock, say) and nobody would read its result (Linux ``prctl``)."""
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)
