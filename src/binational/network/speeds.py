"""Edge speeds and travel times for routing (:func:`impute_speeds`).

The rules and their default values come from the package's ``data/speeds.toml`` (or a mapping or
TOML file of the same layout, :func:`read_speed_defaults`).
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections import Counter
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .._data import package_file
from .._log import get_logger
from ..errors import DataSourceError, NetworkError
from ..schema import MX, PORT_CODE, US

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["SPEED_SOURCES", "impute_speeds", "parse_maxspeed", "read_speed_defaults"]

log = get_logger(__name__)

#: Values of the ``speed_source`` edge attribute set by :func:`impute_speeds`.
SPEED_SOURCES = ("poe", "maxspeed", "sandag_posted", "highway_default", "length_default")

MPH = 1.609344


def read_speed_defaults(defaults: Mapping | str | os.PathLike | None = None) -> dict[str, Any]:
    """Return the speed defaults: the package's ``speeds.toml``, a TOML path, or a mapping.

    Raises
    ------
    binational.errors.DataSourceError
        If the TOML file is missing or invalid.
    binational.errors.NetworkError
        If a table or value is missing or not a positive number.
    """
    if defaults is None or isinstance(defaults, str | os.PathLike):
        path = Path(defaults) if defaults is not None else package_file("speeds.toml")
        try:
            with path.open("rb") as fh:
                defaults = tomllib.load(fh)
        except FileNotFoundError as exc:
            raise DataSourceError(f"{path}: speed defaults file does not exist") from exc
        except tomllib.TOMLDecodeError as exc:
            raise DataSourceError(f"{path}: not a valid TOML file: {exc}") from exc
    d = dict(defaults)
    for key in ("poe", "highway", "length_default"):
        if key not in d:
            raise NetworkError(f"speed defaults lack the [{key}] table")
    lengths = d["length_default"]
    bounds = list(lengths.get("bounds_m", []))
    for country, table in d["highway"].items():
        for cls, kph in table.items():
            _positive(kph, f"[highway.{country}] {cls}")
        if country in lengths and len(lengths[country]) != len(bounds) + 1:
            raise NetworkError(
                f"speed defaults [length_default] {country} needs {len(bounds) + 1} speeds "
                f"for bounds_m {bounds}"
            )
    for country, table in lengths.items():
        if country != "bounds_m":
            for kph in table:
                _positive(kph, f"[length_default] {country}")
    _positive(d["poe"].get("speed_kph"), "[poe] speed_kph")
    d.setdefault("fallback_country", US)
    if d["fallback_country"] not in d["highway"]:
        raise NetworkError(
            f"speed defaults: fallback_country {d['fallback_country']!r} has no [highway] table"
        )
    return d


def _positive(x: Any, where: str) -> None:
    if not (_finite(x) and x > 0):
        raise NetworkError(f"speed defaults {where}: {x!r} is not a positive speed in km/h")


@lru_cache(maxsize=4096)
def _parse_maxspeed_str(value: str) -> float | None:
    """One OSM maxspeed string → km/h (``"45 mph"``, ``"50"``, ``"50;60"`` → mean), or None."""
    speeds = []
    for part in re.split(r"[;|]", value):
        m = re.fullmatch(r"\s*(\d+(?:[.,]\d+)?)\s*(mph|km/h|kmh|kph|knots)?\s*", part, flags=re.I)
        if not m:
            continue  # "none", "signals", "walk", "MX:urban" (zone codes) carry no number
        speed = float(m.group(1).replace(",", "."))
        unit = (m.group(2) or "").lower()
        speed *= MPH if unit == "mph" else 1.852 if unit == "knots" else 1.0
        if speed > 0:
            speeds.append(speed)
    return sum(speeds) / len(speeds) if speeds else None


def parse_maxspeed(value: Any) -> float | None:
    """OSM ``maxspeed`` (string, number or list of them) → km/h, or None if unusable."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        speeds = [s for s in (parse_maxspeed(v) for v in value) if s is not None]
        return sum(speeds) / len(speeds) if speeds else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) if math.isfinite(value) and value > 0 else None
    return _parse_maxspeed_str(str(value))


def _edge_speed(d: Mapping, country: str | None, defaults: Mapping) -> tuple[float, str]:
    if d.get("poe") or d.get(PORT_CODE) is not None:
        return float(defaults["poe"]["speed_kph"]), "poe"
    kph = parse_maxspeed(d.get("maxspeed"))
    if kph is not None:
        return kph, "maxspeed"
    mph = d.get("sandag_fwy_posted_mph")
    if _finite(mph) and mph > 0:
        return mph * MPH, "sandag_posted"
    if country not in defaults["highway"]:
        country = defaults["fallback_country"]
    highway = d.get("highway")
    table = defaults["highway"][country]
    for cls in highway if isinstance(highway, list) else [highway]:
        if cls in table:
            return float(table[cls]), "highway_default"
    lengths = defaults["length_default"]
    speeds = lengths.get(country) or lengths[defaults["fallback_country"]]
    i = int(np.searchsorted(lengths["bounds_m"], d["length"], side="right"))
    return float(speeds[i]), "length_default"


def impute_speeds(
    G: nx.MultiDiGraph | gpd.GeoDataFrame,
    *,
    defaults: Mapping | str | os.PathLike | None = None,
    nodes: gpd.GeoDataFrame | None = None,
) -> nx.MultiDiGraph | gpd.GeoDataFrame:
    """Add ``speed_kph``, ``travel_time`` (seconds) and ``speed_source`` to every edge.

    Rules, first match wins (see ``data/speeds.toml`` for the values and their sources):
    port-of-entry link (``poe`` or ``port_code``) → slow plaza creep; OSM ``maxspeed``;
    ``sandag_fwy_posted_mph``; per-``highway``-class default for the edge's country; a
    length-based default where the edge has no class. The edge's country is its ``country``
    attribute when that is US/MX, else the country of its first node. The counts per source
    are logged (and, for a graph, stored in ``G.graph["speed_sources"]``).

    Parameters
    ----------
    G
        Graph whose edges all have a finite ``length`` in metres (changed in place), or an
        edges GeoDataFrame indexed by ``(u, v, key)`` as from :func:`load_network_frames`
        (a new frame is returned).
    defaults
        Mapping or TOML path laid out like ``data/speeds.toml``; None for the package's.
    nodes
        With an edges frame: the nodes frame, whose ``country`` column gives the country of
        edges without a US/MX ``country`` of their own.

    Returns
    -------
    networkx.MultiDiGraph or geopandas.GeoDataFrame
        ``G`` itself (osmnx convention), or a copy of the edges frame with the three columns.

    Raises
    ------
    binational.errors.NetworkError
        If an edge lacks a finite, non-negative ``length``.
    """
    defaults = read_speed_defaults(defaults)
    if isinstance(G, pd.DataFrame):
        node_country = (
            nodes["country"].to_dict() if nodes is not None and "country" in nodes else {}
        )
        records = G.drop(columns="geometry", errors="ignore").to_dict("records")
        items = [
            (uvk, {k: v for k, v in d.items() if not _missing(v)})
            for uvk, d in zip(G.index, records, strict=True)
        ]
    else:
        node_country = dict(G.nodes(data="country"))
        items = [((u, v, k), d) for u, v, k, d in G.edges(keys=True, data=True)]
    counts: Counter[str] = Counter()
    results = []
    for uvk, d in items:
        length = d.get("length")
        if not _finite(length) or length < 0:
            raise NetworkError(f"edge {uvk!r} has no usable 'length' ({length!r}); cannot time it")
        country = d.get("country")
        if country not in (US, MX):
            country = node_country.get(uvk[0])
        kph, src = _edge_speed(d, country, defaults)
        results.append((kph, length / (kph / 3.6), src))
        counts[src] += 1
    log.info("speeds imputed: %s", ", ".join(f"{k}={v:,}" for k, v in counts.most_common()))
    if isinstance(G, pd.DataFrame):
        out = G.copy()
        kph, tt, src = zip(*results, strict=True) if results else ((), (), ())
        out["speed_kph"] = np.asarray(kph, dtype=float)
        out["travel_time"] = np.asarray(tt, dtype=float)
        out["speed_source"] = list(src)
        return out
    for (_, d), (kph, tt, src) in zip(items, results, strict=True):
        d["speed_kph"] = kph
        d["travel_time"] = tt
        d["speed_source"] = src
    G.graph["speed_sources"] = dict(counts)
    return G


def _missing(v: Any) -> bool:
    """A null cell of a frame (None/NaN/NA), but not a list value."""
    return v is None or (not isinstance(v, list | tuple | np.ndarray) and bool(pd.isna(v)))


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
