"""The end of a ``binational`` command: leave without the interpreter's teardown.

After a command, Python would clear every module and free every object one by one before the
shell gets its prompt back: about 0.5 s once pandas, geopandas, matplotlib and folium are
imported, whatever the command did. None of it is needed. A command's outputs are written whole
and closed before it returns (:mod:`binational._outputs`), so the process ends like this
instead: the standard streams are flushed, the ``atexit`` handlers run (they flush and close
the log handlers, and run the clean-ups of multiprocessing, tempfile and coverage), and then
:func:`os._exit` ends the process with the command's exit code.

A process with other threads still running (not daemons) exits the usual way, which awaits
their ends, as it does with ``BINATIONAL_FULL_EXIT=1`` in the environment (for a debugger or
profiler that reads the teardown).
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn

__all__ = ["exit_fast"]


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # a closed pipe (``| head``) or a closed stream
            pass


def _other_threads() -> bool:
    """True while a thread the interpreter would wait for at exit (not a daemon) runs."""
    main = threading.main_thread()
    return any(t is not main and t.is_alive() and not t.daemon for t in threading.enumerate())


def exit_fast(code: int | None) -> NoReturn:
    """End the process with ``code`` (None: 0) after the ``atexit`` handlers, without the
    interpreter's teardown; the usual :func:`sys.exit` when other threads run or
    ``BINATIONAL_FULL_EXIT`` is set."""
    code = int(code or 0)
    if os.environ.get("BINATIONAL_FULL_EXIT") or _other_threads():
        sys.exit(code)
    _flush()
    try:
        atexit._run_exitfuncs()
    finally:
        _flush()
        os._exit(code)
