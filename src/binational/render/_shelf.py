"""Drawing steps done once per report for the same geometries (inside ``memo_scope``).

Several figures of a report draw the same units (the density map, the two-sided maps, the
isochrone map's outlines) and zoom to the same twin city. The geometries arrive in a new table
each time (a copy with one more column, a side's rows), but the shapely objects are the same
ones, so :func:`geometry_key` (the identity of each geometry object) finds them again.

The shelf lives in the report's :func:`binational._memo.memo_scope` block and ends with it.
It keeps the geometries of every key it holds, so no object id is reused while the shelf
lives. Outside a block nothing is kept: each call gets an empty shelf.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import numpy as np

from .._memo import memoised

__all__ = ["geometry_key", "shelved"]


class _Shelf:
    """The entries of one report: key → (what keeps the key's objects alive, value)."""

    __slots__ = ("entries",)

    def __init__(self) -> None:
        self.entries: dict[Hashable, tuple[Any, Any]] = {}


#: What the report's shelf is memoised on (one shelf per memo scope).
_ANCHOR = object()


@memoised
def _report_shelf(anchor: object) -> _Shelf:
    return _Shelf()


def geometry_key(geoms) -> tuple[np.ndarray, bytes]:
    """The geometries of ``geoms`` (GeoSeries or array) as an object array, and a key made of
    the identity of each geometry object (in order).

    Parameters
    ----------
    geoms
        A GeoSeries or array of shapely geometries.

    Returns
    -------
    values, key
        ``values`` must be kept alive as long as ``key`` is used (see :func:`shelved`).
    """
    values = np.asarray(getattr(geoms, "values", geoms), dtype=object)
    ids = np.fromiter(map(id, values), dtype=np.uint64, count=len(values))
    return values, ids.tobytes()


def shelved(key: Hashable, keep: Any, build: Callable[[], Any]) -> Any:
    """``build()``, computed once per report for ``key``.

    Parameters
    ----------
    key
        What identifies the value (e.g. a step name and a :func:`geometry_key`).
    keep
        The objects whose identity ``key`` uses: held with the value so that no id in the key
        can be reused by another object while the report runs.
    build
        Computes the value (treated as read-only by every caller).

    Returns
    -------
    object
        The value (the same object on every call with ``key`` in a report).
    """
    entries = _report_shelf(_ANCHOR).entries
    if key not in entries:
        entries[key] = (keep, build())
    return entries[key][1]
