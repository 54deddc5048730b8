"""Travel times from and to every port end, in one multi-source shortest-path pass per direction.

For each border edge ``τ → h`` (tail on the departure side, head on the arrival side) we need

- the time from every node to ``τ`` — a Dijkstra search on the *reversed* domestic network from
  all tails at once, and
- the time from ``h`` to every node — a Dijkstra search on the domestic network from all heads
  at once.

Both are a single ``scipy.sparse.csgraph.dijkstra`` call with ``indices=`` the array of port ends
(one row of the result per end, so ports stay apart), optionally with ``limit=`` (seconds). The
domestic network has no border edge, so no route can slip across the line elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import csgraph

from .. import schema
from .._log import get_logger
from ..errors import NetworkError
from .graph import SparseGraph

__all__ = ["PortTimes", "node_times", "port_times"]

log = get_logger(__name__)


def node_times(
    graph: SparseGraph,
    sources: Sequence[int] | np.ndarray,
    *,
    reverse: bool = False,
    limit: float | None = None,
) -> np.ndarray:
    """Shortest travel times (s) between each source row and every node, in one call.

    Parameters
    ----------
    graph
        The network.
    sources
        Node rows (positions, not ids; see :meth:`SparseGraph.positions`).
    reverse
        False: times *from* each source to every node. True: times from every node *to* each
        source (search on the reversed network).
    limit
        Stop searching beyond this many seconds; farther nodes get ``inf``.

    Returns
    -------
    numpy.ndarray
        ``len(sources) × len(graph)`` seconds (``inf`` where unreachable).
    """
    sources = np.asarray(sources, dtype=np.int64)
    if len(sources) == 0:
        return np.empty((0, len(graph)))
    matrix = graph.transposed if reverse else graph.matrix
    kwargs = {} if limit is None else {"limit": float(limit)}
    return csgraph.dijkstra(matrix, directed=True, indices=sources, **kwargs)


@dataclass(frozen=True)
class PortTimes:
    """Times from every node to each border edge and from each border edge to every node.

    Attributes
    ----------
    border
        The graph's border edges (``port_code``, ``direction``, ``u_idx``, ``v_idx``,
        ``travel_time``), one row per edge, in the order of the arrays below.
    to_tail
        ``n_edges × n_nodes``: seconds from each node to the edge's tail (on the departure side).
    from_head
        ``n_edges × n_nodes``: seconds from the edge's head (arrival side) to each node.
    limit
        The search limit used (s) or None.
    """

    border: pd.DataFrame
    to_tail: np.ndarray
    from_head: np.ndarray
    limit: float | None = None

    def edges(self, port_code: int, direction: str) -> np.ndarray:
        """Rows of :attr:`border` for one port and direction."""
        b = self.border
        return np.flatnonzero(
            (b[schema.PORT_CODE].to_numpy() == port_code) & (b["direction"].to_numpy() == direction)
        )

    def ports(self, direction: str) -> list[int]:
        """Port codes with at least one border edge in ``direction``."""
        b = self.border
        return sorted(b.loc[b["direction"] == direction, schema.PORT_CODE].unique().tolist())

    def to_port(self, port_code: int, direction: str) -> np.ndarray:
        """Seconds from every node until across the line through the port (wait excluded).

        The least, over the port's edges in ``direction``, of the drive to the edge's tail plus
        the edge itself.
        """
        rows = self.edges(port_code, direction)
        if not len(rows):
            raise NetworkError(f"port {port_code} has no {direction} border edge in the network")
        tt = self.border["travel_time"].to_numpy()[rows]
        return np.min(self.to_tail[rows] + tt[:, None], axis=0)

    def from_port(self, port_code: int, direction: str) -> np.ndarray:
        """Seconds from the far end of the port (after the border edge) to every node."""
        rows = self.edges(port_code, direction)
        if not len(rows):
            raise NetworkError(f"port {port_code} has no {direction} border edge in the network")
        return np.min(self.from_head[rows], axis=0)


def port_times(graph: SparseGraph, *, limit: float | None = None) -> PortTimes:
    """Travel times to and from every port end: two Dijkstra calls for all ports and directions.

    Parameters
    ----------
    graph
        The network (its ``border`` table says which edges are ports).
    limit
        Search cut-off in seconds (None: the whole network).

    Returns
    -------
    PortTimes
    """
    border = graph.border.reset_index(drop=True)
    tails, tail_pos = np.unique(border["u_idx"].to_numpy(), return_inverse=True)
    heads, head_pos = np.unique(border["v_idx"].to_numpy(), return_inverse=True)
    to_tails = node_times(graph, tails, reverse=True, limit=limit)
    from_heads = node_times(graph, heads, reverse=False, limit=limit)
    log.debug("port times: %d tails, %d heads, limit %s s", len(tails), len(heads), limit)
    return PortTimes(
        border=border,
        to_tail=to_tails[tail_pos],
        from_head=from_heads[head_pos],
        limit=limit,
    )
