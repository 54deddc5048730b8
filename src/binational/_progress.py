"""Progress of long steps: an INFO log line with the time taken, and tqdm bars.

:func:`step` wraps anything that may take more than a couple of seconds (parsing a GraphML file,
preparing the network, isochrones, maps, report sections)::

    with step("network preparation"):
        ...

logs ``network preparation ...`` when it starts and ``network preparation: 3.2 s`` when it ends
(``... failed after 3.2 s`` if it raises), at INFO on the ``binational`` logger. The library
never prints: the command line shows these lines on stderr (``--quiet`` hides them), a Python
user sees them after ``logging.basicConfig(level="INFO")``, and tests see nothing.

:func:`progress` wraps an iterable in a tqdm bar when :data:`binational.settings.progress` is on
and stderr is a terminal; otherwise it returns the iterable unchanged.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from ._log import get_logger

log = get_logger("binational.progress")

T = TypeVar("T")

__all__ = ["progress", "step"]


@contextmanager
def step(name: str, *, logger=None) -> Iterator[None]:
    """Log the start and the duration of one step at INFO.

    Parameters
    ----------
    name
        What the step does, e.g. ``"GraphML parse"`` or ``"report section: catchments"``.
    logger
        Logger to use (default: ``binational.progress``).

    Returns
    -------
    contextlib.AbstractContextManager
        A context manager; the step's duration is logged when it exits, also on an error.
    """
    out = logger or log
    out.info("%s ...", name)
    t0 = time.perf_counter()
    try:
        yield
    except BaseException:
        out.info("%s: failed after %.1f s", name, time.perf_counter() - t0)
        raise
    out.info("%s: %.1f s", name, time.perf_counter() - t0)


def progress(
    iterable: Iterable[T], *, desc: str, total: int | None = None, unit: str = "it"
) -> Iterable[T]:
    """A tqdm bar over ``iterable`` when progress bars are on, else ``iterable`` itself.

    Parameters
    ----------
    iterable
        What to iterate over.
    desc
        Label of the bar.
    total
        Number of items, if ``iterable`` has no ``len``.
    unit
        Unit of the items (``"it"``, ``"port"``, ``"map"``, ...).

    Returns
    -------
    Iterable
        The same items, in the same order. The bar is shown only when
        :data:`binational.settings.progress` is true and stderr is a terminal, so it is silent
        under ``--quiet``, in pipes and in tests.
    """
    from . import settings

    if not settings.progress or not getattr(sys.stderr, "isatty", lambda: False)():
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, total=total, unit=unit, leave=False, file=sys.stderr)
