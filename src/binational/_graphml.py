"""Checks of a parsed GraphML road network, with messages that say what the file lacks.

osmnx's ``load_graphml`` expects the file ``osmnx.save_graphml`` writes: a ``crs`` graph
attribute, ``x``/``y`` on every node, attributes stored as strings. Other files fail deep
inside osmnx (``AttributeError: 'float' object has no attribute 'startswith'``, ``Graph
contains no nodes``); :func:`diagnose` re-reads such a file with networkx and names the problem.
"""

from __future__ import annotations

from pathlib import Path

from .errors import CRSError, DataSourceError, NetworkError

_WRITE_HINT = (
    "write the network with osmnx.save_graphml (it stores a 'crs' graph attribute, x/y on "
    "every node and string attributes)"
)


def check_graph(G, path) -> None:
    """Raise when ``G`` has no nodes, no ``crs`` graph attribute, or nodes without x/y."""
    path = Path(path)
    if G.number_of_nodes() == 0:
        raise NetworkError(
            f"{path}: road network is empty (the GraphML has no nodes); {_WRITE_HINT}"
        )
    if not G.graph.get("crs"):
        raise CRSError(
            f"{path}: the GraphML road network has no 'crs' graph attribute, so its coordinate "
            "units are unknown; add <data key=...>EPSG:4326</data> (or the CRS of x/y) to the "
            f"<graph> element, or {_WRITE_HINT}"
        )
    missing = [n for n, d in G.nodes(data=True) if d.get("x") is None or d.get("y") is None]
    if missing:
        raise NetworkError(
            f"{path}: {len(missing):,} of {G.number_of_nodes():,} node(s) lack x/y coordinates "
            f"(e.g. node {missing[0]!r}); every node needs numeric x and y attributes"
        )


def diagnose(path, exc: BaseException) -> None:
    """Raise a clear error for a GraphML file osmnx could not load (``exc``)."""
    import networkx as nx

    path = Path(path)
    try:
        G = nx.read_graphml(path)
    except Exception as nx_exc:
        raise DataSourceError(
            f"{path}: not a readable GraphML road network ({type(nx_exc).__name__}: {nx_exc})"
        ) from exc
    check_graph(G, path)
    raise DataSourceError(
        f"{path}: osmnx cannot load this GraphML ({type(exc).__name__}: {exc}); typed GraphML "
        f"attributes (attr.type='double') are one cause; {_WRITE_HINT}"
    ) from exc
