"""Run a report's independent analyses side by side: one extra thread, or inline.

The analyses of a report split in two chains that share nothing but the read-only region: the
census units (concentration, named groups) and the road network (catchments, commuting). Their
numeric kernels (numpy, scipy.sparse, shapely 2) release the GIL, so on two cores the chains
overlap. :func:`side_runner` gives an executor for the units chain: a one-thread pool, or,
with ``settings.threads`` at 1, one that runs each job at once in the calling thread.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any


class _Inline(Executor):
    """An executor that runs each job when it is submitted, in the calling thread."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # delivered by .result(), like a pool's future
            future.set_exception(exc)
        return future


@contextlib.contextmanager
def side_runner(threads: int) -> Iterator[Executor]:
    """An executor for the jobs that run beside the calling thread.

    Parameters
    ----------
    threads
        Threads in all (the caller's included): 2 or more gives one worker thread, 1 runs the
        jobs inline.

    Returns
    -------
    contextlib.AbstractContextManager
        Yields the executor; on exit, waits for its jobs.
    """
    if threads <= 1:
        yield _Inline()
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="binational-units") as pool:
        yield pool
