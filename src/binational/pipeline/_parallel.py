"""Run a report's independent work side by side: in a forked process, a thread, or inline.

The work of a report splits in two sides that share nothing but the read-only region and its
routing graph: the catchments, and the rest (concentration, named groups, the commuting model
and the sections that draw only them). Most of it is Python that holds the GIL, so two threads
overlap little; a forked child process runs the catchments on the second core, starting from the
parent's memory as it is (the loaded region and graph are not copied or pickled), and sends its
results back pickled through a pipe.

:func:`side_runner` gives the executor for the side job:

- ``"process"``: a child made with ``fork``, used where ``fork`` exists and no other thread
  that could hold a lock is running (forking a multi-threaded process can leave the child
  waiting on a lock that no thread will ever release); otherwise a thread, and the reason is
  logged;
- ``"thread"``: a one-thread pool;
- ``workers`` at 1: no executor, each job runs when it is submitted, in the calling thread.

The results are the same whichever runs them (each analysis has its own seeded generator).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

from .._fork import die_with_parent, fork_obstacle
from .._log import get_logger
from ..errors import BinationalError

log = get_logger(__name__)

KINDS = ("process", "thread")


class WorkerError(BinationalError, RuntimeError):
    """The side process stopped without handing back its result (killed, out of memory)."""


class _Inline(Executor):
    """An executor that runs each job when it is submitted, in the calling thread."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # delivered by .result(), like a pool's future
            future.set_exception(exc)
        return future


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else a RuntimeError with its text; either way with the
    child's traceback as a note."""
    text = "".join(traceback.format_exception(exc))
    try:
        out = pickle.loads(pickle.dumps(exc))
    except Exception:
        out = RuntimeError(f"{type(exc).__name__}: {exc}")
    out.add_note(f"raised in the report's side process {os.getpid()}:\n{text}")
    return out


def _child(send, fn: Callable[..., Any], args: tuple, kwargs: dict, parent: int) -> None:
    """The forked child: run ``fn`` and send ``(ok, result or error)`` to the parent."""
    from .. import settings

    die_with_parent(parent)

    settings.progress = False  # bars from two processes would overwrite each other
    try:
        out: tuple[bool, Any] = (True, fn(*args, **kwargs))
    except BaseException as exc:
        out = (False, _portable(exc))
    try:
        send.send(out)
    except Exception as exc:  # the result itself would not pickle
        send.send((False, _portable(exc)))
    finally:
        send.close()


class _ChildFuture(Future):
    """The future of a job in a forked child: its result is read from the pipe when asked."""

    def __init__(self, process, recv) -> None:
        super().__init__()
        self._process, self._recv = process, recv

    def _collect(self) -> None:
        if self.done():
            return
        try:
            ok, payload = self._recv.recv()
        except EOFError:
            self._process.join()
            self.set_exception(
                WorkerError(
                    f"the report's side process {self._process.pid} stopped (exit code "
                    f"{self._process.exitcode}) before handing back its results; run with "
                    "BINATIONAL_WORKERS=1 to run everything in one process"
                )
            )
            return
        finally:
            self._recv.close()
        self._process.join()
        if ok:
            self.set_result(payload)
        else:
            self.set_exception(payload)

    def result(self, timeout: float | None = None) -> Any:
        self._collect()
        return super().result(timeout)

    def stop(self) -> None:
        """End the child if it is still running (the caller failed or was interrupted)."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._recv.close()


class _ForkExecutor(Executor):
    """Runs each job in a child forked from this process."""

    #: jobs run in another process (they may draw with matplotlib beside the caller)
    forks = True

    def __init__(self) -> None:
        self._futures: list[_ChildFuture] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        ctx = multiprocessing.get_context("fork")
        recv, send = ctx.Pipe(duplex=False)
        # flush what the parent buffered, or the child writes it again when it exits
        sys.stdout.flush()
        sys.stderr.flush()
        process = ctx.Process(
            target=_child,
            args=(send, fn, args, kwargs, os.getpid()),
            name="binational-side",
            daemon=True,
        )
        process.start()
        send.close()
        future = _ChildFuture(process, recv)
        self._futures.append(future)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        for future in self._futures:
            if wait and not cancel_futures:
                with contextlib.suppress(BaseException):
                    future.result()
            future.stop()


class SharedQueue:
    """Items that the caller and its forked side job both work through, each taken once: the
    first side to ask takes the next one (a counter in shared memory, under its lock; made
    before the fork, it is the same counter in both processes).

    ``shared=False`` (a thread or an inline side job, which take nothing from it): a plain
    counter under a thread lock.
    """

    def __init__(self, items, *, shared: bool) -> None:
        self.items = list(items)
        if shared:
            self._next = multiprocessing.get_context("fork").Value("i", 0)
            self._lock = self._next.get_lock()
        else:
            self._next, self._lock = _Counter(), threading.Lock()

    def take(self):
        """The next item nobody has taken yet, or None when all are taken."""
        with self._lock:
            i = self._next.value
            if i >= len(self.items):
                return None
            self._next.value = i + 1
        return self.items[i]


class _Counter:
    value = 0


@contextlib.contextmanager
def side_runner(workers: int, *, kind: str = "process") -> Iterator[Executor]:
    """An executor for the jobs that run beside the calling thread.

    Parameters
    ----------
    workers
        Workers in all (the caller included): 2 or more gives one side worker, 1 runs the
        jobs inline.
    kind
        ``"process"`` (a forked child, where that is safe; else a thread) or ``"thread"``.

    Returns
    -------
    contextlib.AbstractContextManager
        Yields the executor; on exit, waits for its jobs (or, on an error, stops them).
    """
    if kind not in KINDS:
        raise ValueError(f"worker kind must be one of {KINDS}, got {kind!r}")
    if workers <= 1:
        yield _Inline()
        return
    if kind == "process":
        why = fork_obstacle()
        if why is None:
            pool = _ForkExecutor()
            try:
                yield pool
            except BaseException:
                pool.shutdown(cancel_futures=True)
                raise
            pool.shutdown()
            return
        log.info("report: the side work runs in a thread, not a process: %s", why)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="binational-side") as pool:
        yield pool
