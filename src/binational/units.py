"""The binational unit table: both sides of a twin city in one GeoDataFrame, one projected CRS.

:func:`load_region` is the entry point: it reads every layer a region preset names from a data
folder (laid out like ``shared/data``; see ``regions.toml``), harmonises the US tracts and the
Mexican AGEBs into one table (schema in :mod:`binational.schema`), and carries ports, crossing
volumes, wait times and the road network on the same :class:`Region` object. Every input record
is either in a table or listed, with its reason, in ``region.drops``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from . import _plausible, schema
from ._cache import cached_frame, cached_table
from ._data import package_dir, package_file
from ._log import get_logger
from ._progress import step
from ._roles import OPTIONAL_ROLES, roles_for
from .drops import DropReport
from .errors import SchemaError
from .harmonise import load_mx_units, load_us_units
from .regions import RegionSpec, get_region
from .settings import resolve_data_dir

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "Region",
    "harmonise_units",
    "load_region",
    "official_totals",
    "population_check",
    "region_ports",
]

log = get_logger(__name__)


@dataclass
class Region:
    """Everything loaded for one twin-city region.

    Attributes
    ----------
    spec
        The region preset.
    units
        The binational unit table (US tracts + MX AGEBs) in ``spec.crs``.
    ports
        Ports of entry of the region (points in ``spec.crs``).
    crossings
        Monthly crossing volumes, long table (``schema.CROSSINGS_COLUMNS``).
    waits
        Border wait times, long table (``schema.WAITS_COLUMNS``).
    network
        Drive network (networkx MultiDiGraph in ``spec.crs``, with ``travel_time`` and border
        marks) or None where none is available. :func:`load_region` defers it: the graph is
        read (from the prepared-network cache when warm) on first access, and its flagged
        records join ``drops`` and its read time ``sources`` then; commands that do not
        route never pay for it.
    drops
        Every input record that is not in a table, or was kept and flagged, with its reason.
    missing
        Layer → reason for every layer that could not be loaded.
    sources
        One row per file read: layer, path, bytes, seconds.
    border
        The international border line (:func:`binational.border.region_border`), or None
        when one side has no units.
    """

    spec: RegionSpec
    units: gpd.GeoDataFrame
    ports: gpd.GeoDataFrame
    crossings: pd.DataFrame
    waits: pd.DataFrame
    network: nx.MultiDiGraph | None = None
    drops: DropReport = field(default_factory=DropReport)
    missing: dict[str, str] = field(default_factory=dict)
    sources: pd.DataFrame = field(default_factory=pd.DataFrame)
    border: gpd.GeoDataFrame | None = None

    @property
    def crs(self):
        return self.units.crs

    @property
    def name(self) -> str:
        return self.spec.name

    def side(self, country: str) -> gpd.GeoDataFrame:
        """Units of one side (``"US"`` or ``"MX"``)."""
        return self.units[self.units[schema.COUNTRY] == country]

    def __repr__(self) -> str:  # pragma: no cover - cosmetic
        n_us = int((self.units[schema.COUNTRY] == schema.US).sum())
        n_mx = int((self.units[schema.COUNTRY] == schema.MX).sum())
        net = (
            f"{self.network.number_of_nodes()} nodes" if self.network is not None else "no network"
        )
        return (
            f"<Region {self.spec.name}: {n_us} US units, {n_mx} MX units, {len(self.ports)} ports, "
            f"{net}, {len(self.drops)} dropped/flagged records>"
        )

    @property
    def network_pending(self) -> bool:
        """True while a deferred road network has not been loaded yet (see ``network``)."""
        return isinstance(self.__dict__.get("_network"), _DeferredNetwork)


class _DeferredNetwork:
    """A road network not loaded yet: ``load()`` runs the loader once (thread-safe)."""

    def __init__(self, loader: Callable[[Region], nx.MultiDiGraph | None]) -> None:
        self._loader = loader
        self._lock = threading.Lock()

    def load(self, region: Region) -> nx.MultiDiGraph | None:
        with self._lock:
            if region.__dict__.get("_network") is self:
                region.__dict__["_network"] = self._loader(region)
        return region.__dict__["_network"]


def _get_network(self: Region) -> nx.MultiDiGraph | None:
    net = self.__dict__.get("_network")
    return net.load(self) if isinstance(net, _DeferredNetwork) else net


def _set_network(self: Region, value) -> None:
    self.__dict__["_network"] = value


# ``network`` stays a dataclass field (constructor argument, ``dataclasses.replace``), read
# through a property so that a deferred network loads on first access.
Region.network = property(_get_network, _set_network, doc="Drive network (loaded on first use).")


def harmonise_units(
    us: gpd.GeoDataFrame | None, mx: gpd.GeoDataFrame | None, *, crs
) -> gpd.GeoDataFrame:
    """Stack the US and MX unit tables into one GeoDataFrame in ``crs``.

    Each side is built by :func:`binational.harmonise.load_us_units` /
    :func:`~binational.harmonise.load_mx_units` (or is a user's own table with the schema's core
    columns).

    Columns present on one side only are kept (missing on the other side as NaN); the schema's
    core columns come first. Unit ids must be unique across both sides.

    Parameters
    ----------
    us, mx
        Unit tables of each side (None for a side without census units).
    crs
        CRS of the stacked table.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per unit of either side, core columns first.
    """
    parts = [p.to_crs(crs) for p in (us, mx) if p is not None and len(p)]
    if not parts:
        raise SchemaError("no census units on either side")
    units = pd.concat(parts, ignore_index=True, sort=False)
    units = gpd.GeoDataFrame(units, geometry="geometry", crs=crs)
    missing = [c for c in schema.UNIT_COLUMNS if c not in units.columns]
    if missing:
        raise SchemaError(f"unit table lacks column(s) {', '.join(missing)}")
    dup = units[schema.UNIT_ID][units[schema.UNIT_ID].duplicated()]
    if len(dup):
        raise SchemaError(f"duplicate unit ids across sides: {', '.join(dup.head(5))}")
    core = [c for c in schema.UNIT_COLUMNS if c != "geometry"]
    rest = [c for c in units.columns if c not in core and c != "geometry"]
    return units[[*core, *rest, "geometry"]]


def _role_paths(
    spec: RegionSpec, data_dir: Path | None, files: Mapping[str, object] | None
) -> dict[str, list[Path]]:
    """Role → list of existing paths, from the preset and any ``files`` override."""
    roles: dict[str, list[Path]] = {}
    if data_dir is not None:
        for role in spec.files:
            paths = spec.file_list(role, data_dir)
            if role in OPTIONAL_ROLES:
                paths = [p for p in paths if p.is_file()]
            roles[role] = paths
    for role, value in (files or {}).items():
        if role == "us_column_map":  # a column-map name, not a path
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        roles[role] = [Path(v) for v in values]
    return roles


def _with_drops(
    paths, *, kind: str, report: DropReport, read, ident: Mapping | None = None, code=()
) -> pd.DataFrame:
    """``read(report)`` through the table cache, keeping its drop records with the table.

    ``paths`` is one source file or a list of them (all are checksummed into the key, with
    ``ident`` and the source of the ``code`` modules). The drop rows travel in
    ``attrs["drops"]`` (kept by the parquet cache), so a cache hit reports the same dropped rows
    as a fresh parse.
    """

    def build() -> pd.DataFrame:
        own = DropReport()
        table = read(own)
        table.attrs["drops"] = [list(r) for r in own.rows]
        return table

    if isinstance(paths, (str, os.PathLike)):
        table = cached_table(paths, kind=f"{kind}:drops", build=build)
    else:
        table = cached_frame(paths, kind=f"{kind}:drops", build=build, ident=ident, code=code)
    for row in table.attrs.pop("drops", []):
        report.rows.append(tuple(str(v) for v in row))
    return table


#: Modules whose code builds the census units (their source is part of the unit cache key).
_UNIT_CODE = (
    "harmonise",
    "_plausible",
    "_bounded",
    "schema",
    "drops",
    "io",
    "_sniff",
    "_data",
    "_crs",
)


def load_region(
    region: str | RegionSpec,
    *,
    data_dir: str | os.PathLike | None = None,
    files: Mapping[str, str | os.PathLike | list] | None = None,
    network: bool = True,
    crossings: bool = True,
    prefetch_network: bool = False,
) -> Region:
    """Load both sides of a twin-city region into one :class:`Region`.

    Parameters
    ----------
    region
        Preset name (e.g. ``"tijuana-san-diego"``) or a RegionSpec.
    data_dir
        Folder laid out like ``shared/data``; defaults to ``settings.data_dir``
        (``BINATIONAL_DATA_DIR``). Not needed if ``files`` names every layer.
    files
        Role → path overrides (roles as in ``regions.toml``, registry
        :data:`binational._roles.REGISTRY`: ``us_tracts``, ``us_acs``, ``mx_agebs``, ``mx_conapo``,
        ``mx_resageburb``, ``bts``, ``waits_hourly``, ``network``, ...), e.g. the result of
        :func:`binational.sources.fetch_region`.
    network
        Load the road network when the region has one (the slowest layer; cached after the
        first parse).
    crossings
        Load crossing volumes and wait times.
    prefetch_network
        When the road network is not in the cache yet, parse it in a forked process while the
        units and crossings load (:mod:`binational.network.warmup`; needs ``settings.workers``
        above 1 and a process that may fork), for a caller that will route on it: about 6 s
        saved on Tijuana–San Diego's first load. Off by default: a caller that never touches
        ``region.network`` would parse it for nothing.

    Returns
    -------
    Region
    """
    spec = get_region(region)
    if data_dir is None and spec.data_dir is not None:
        data_dir = spec.data_dir  # a user's region with its own folder (regions file data_dir)
    ddir = resolve_data_dir(data_dir) if (data_dir is not None or not files) else None
    load = _Loader(spec, _role_paths(spec, ddir, files))
    ports = region_ports(spec, level="port")
    ports = ports[ports["port_code"].isin(spec.ports)].to_crs(spec.crs)
    # on a cold cache, the road network is parsed in a side process while the rest loads
    load.start_network_warmup(ports, requested=network and prefetch_network)
    units = load.census_units(column_map=(files or {}).get("us_column_map") or spec.us_column_map)

    # --- units far from the ports: a mislabelled CRS (error) or shifted records (dropped) ---
    unit_files = ", ".join(str(p) for r in ("us_tracts", "mx_agebs") if (p := load.first(r)))
    units = _plausible.check_units_in_region(
        units, anchors=ports, report=load.report, files=unit_files
    )
    crossings_df, waits_df = load.crossings_and_waits() if crossings else load.no_crossings()
    graph = load.network(requested=network)

    # --- the border line (drawn by the maps, the report and the GIS export) ------------------
    border = _region_border(units, load.first("mx_municipio_polygons"), spec.mx_municipios)
    region_obj = Region(
        spec=spec,
        units=units,
        ports=ports,
        crossings=crossings_df,
        waits=waits_df,
        network=graph,
        drops=load.report,
        missing=load.missing,
        sources=pd.DataFrame(load.read_log),
        border=border,
    )
    if isinstance(graph, _DeferredNetwork):
        log.info(
            "%s: %d units; road network %s deferred", spec.name, len(units), load.first("network")
        )
    else:
        log.info("%r", region_obj)
    return region_obj


def _region_border(units: gpd.GeoDataFrame, municipio_file: Path | None, municipios) -> Any:
    """:func:`binational.border.region_border` through the table cache.

    The key is the unit table's geometry and country (WKB digest), the municipio polygons file,
    the municipio codes and the source of :mod:`binational.border`.
    """
    import hashlib

    import shapely

    from .border import region_border

    def build():
        return region_border(units, municipio_polygons=municipio_file, municipios=municipios)

    countries = set(units[schema.COUNTRY].unique())
    if not {schema.US, schema.MX} <= countries:
        return build()  # one side only: no border (nothing to cache)
    digest = hashlib.sha256(units[schema.COUNTRY].str.cat().encode())
    digest.update(b"".join(shapely.to_wkb(units.geometry.to_numpy())))
    paths = [municipio_file] if municipio_file is not None and municipio_file.is_file() else []
    ident = {"units": digest.hexdigest(), "crs": units.crs, "municipios": sorted(municipios)}
    return cached_frame(paths, kind="border", build=build, ident=ident, code=("border", "_crs"))


class _Loader:
    """The layers of one region, read in order, with what each read dropped, lacked and took."""

    def __init__(self, spec: RegionSpec, roles: dict[str, list[Path]]) -> None:
        self.spec = spec
        self.roles = roles
        self.report = DropReport()
        self.missing: dict[str, str] = {}
        self.warmup = None  # a side process filling the network cache (start_network_warmup)
        self.read_log: list[dict] = []

    def first(self, role: str) -> Path | None:
        paths = self.roles.get(role) or []
        return paths[0] if paths else None

    def timed(self, layer: str, paths: list[Path], fn):
        t0 = time.perf_counter()
        with step(f"load {layer}"):
            out = fn()
        self.read_log.append(
            {
                "layer": layer,
                "path": ";".join(str(p) for p in paths),
                "bytes": sum(p.stat().st_size for p in paths if p.exists()),
                "seconds": round(time.perf_counter() - t0, 3),
            }
        )
        return out

    def census_units(self, *, column_map) -> gpd.GeoDataFrame:
        """Both sides' census units, harmonised (a side without files is listed as missing)."""
        spec, first = self.spec, self.first
        us = None
        if first("us_tracts") and first("us_acs"):
            paths = [first("us_tracts"), first("us_acs")]
            us = self.timed(
                "us_units",
                paths,
                lambda: self._units(
                    paths,
                    "us_units",
                    {"column_map": column_map, "counties": spec.us_counties, "crs": spec.crs},
                    lambda rep: load_us_units(
                        paths[0],
                        paths[1],
                        column_map=column_map,
                        counties=spec.us_counties,
                        crs=spec.crs,
                        report=rep,
                    ),
                ),
            )
        else:
            self.missing["us_units"] = "no US tract polygons and/or ACS table for this region"
        mx = None
        if first("mx_agebs") and (first("mx_conapo") or first("mx_resageburb")):
            paths = [
                p for p in (first("mx_agebs"), first("mx_conapo"), first("mx_resageburb")) if p
            ]
            roles = {r: str(first(r)) for r in ("mx_agebs", "mx_conapo", "mx_resageburb")}
            mx = self.timed(
                "mx_units",
                paths,
                lambda: self._units(
                    paths,
                    "mx_units",
                    {"roles": roles, "municipios": spec.mx_municipios, "crs": spec.crs},
                    lambda rep: load_mx_units(
                        first("mx_agebs"),
                        conapo_path=first("mx_conapo"),
                        resageburb_path=first("mx_resageburb"),
                        municipios=spec.mx_municipios,
                        crs=spec.crs,
                        report=rep,
                    ),
                ),
            )
            if not first("mx_resageburb"):
                self.missing["mx_resageburb"] = (
                    "no INEGI RESAGEBURB table: AGEB attributes are CONAPO IMU 2020 only (no "
                    "migration or indigenous-language counts by AGEB); fetch it with "
                    f"`binational fetch {spec.name} --sources mx_resageburb --dest <data folder>`"
                )
        else:
            self.missing["mx_units"] = "no AGEB polygons and/or attribute table for this region"
        return harmonise_units(us, mx, crs=spec.crs)

    def _units(self, paths: list[Path], kind: str, ident: dict, read) -> gpd.GeoDataFrame:
        """One side's census units through the cache (keyed on the files, options and code)."""
        ident = {**ident, "files": [str(p) for p in paths]}
        return _with_drops(
            paths,
            kind=kind,
            report=self.report,
            read=read,
            ident=ident,
            code=(*_UNIT_CODE, package_dir()),
        )

    def no_crossings(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        return (
            pd.DataFrame(columns=list(schema.CROSSINGS_COLUMNS)),
            pd.DataFrame(columns=list(schema.WAITS_COLUMNS)),
        )

    def _cached(self, role: str, path: Path, kind: str, read) -> pd.DataFrame:
        return self.timed(
            role,
            [path],
            lambda: _with_drops(path, kind=kind, report=self.report, read=read),
        )

    def crossings_and_waits(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Monthly crossings (BTS, bridge counts) and every wait table of the region's ports."""
        from .io import bts as io_bts
        from .io import waits as io_waits

        spec, first = self.spec, self.first
        crossing_tables: list[pd.DataFrame] = []
        wait_tables: list[pd.DataFrame] = []
        if first("bts"):
            path = first("bts")
            crossing_tables.append(
                self._cached(
                    "bts",
                    path,
                    f"read_bts:{sorted(spec.ports)}",
                    lambda rep: io_bts.read_bts(path, ports=list(spec.ports), report=rep),
                )
            )
        else:
            self.missing["bts"] = "no BTS Border Crossing Entry Data file"
        if first("bridge_counts"):
            path = first("bridge_counts")
            bridges = self._cached(
                "bridge_counts",
                path,
                "read_bridge_counts",
                lambda rep: io_bts.read_bridge_counts(path, report=rep),
            )
            crossing_tables.append(bridges[bridges["port_code"].isin(spec.ports)])
        for role in roles_for("waits"):
            for path in self.roles.get(role, []):
                table = self._cached(
                    role,
                    path,
                    "read_waits",
                    lambda rep, path=path: io_waits.read_waits(path, report=rep),
                )
                wait_tables.append(table[table["port_code"].isin(spec.ports)])
        if not wait_tables:
            self.missing["waits"] = "no wait-time file"
        empty_crossings, empty_waits = self.no_crossings()
        crossings_df = (
            pd.concat(crossing_tables, ignore_index=True) if crossing_tables else empty_crossings
        )
        waits_df = io_waits.combine_waits(wait_tables) if wait_tables else empty_waits
        return crossings_df, waits_df

    def start_network_warmup(self, ports: gpd.GeoDataFrame, *, requested: bool) -> None:
        """Fill the prepared-network cache in a side process, where that helps
        (:func:`binational.network.warmup.start_warmup`); :meth:`network` waits for it."""
        path = self.first("network")
        if requested and path:
            from .network.warmup import start_warmup

            self.warmup = start_warmup(path, crs=self.spec.crs, ports=ports)

    def network(self, *, requested: bool):
        """The road network, deferred to its first use (None, with the reason, without one)."""
        path = self.first("network")
        if requested and path:
            warmup = self.warmup
            return _DeferredNetwork(
                lambda region: _load_network(path, region=region, warmup=warmup)
            )
        if not path:
            self.missing["network"] = (
                "no road network in the data folder: catchments use the straight-line model "
                "(or fetch OpenStreetMap with binational.io.roads.load_network)"
            )
        else:
            self.missing["network"] = "not requested (network=False)"
        return None


def _load_network(path: Path, *, region: Region, warmup=None) -> nx.MultiDiGraph:
    """The prepared road network of ``region`` (what ``Region.network`` loads on first access).

    Its flagged records go to ``region.drops`` and its read to ``region.sources``, as an eager
    load would have put them. A ``warmup`` (:class:`binational.network.warmup.Warmup`) still
    filling the cache is waited for first.
    """
    from .network import prepare_network

    t0 = time.perf_counter()
    if warmup is not None:
        warmup.wait()
    graph = prepare_network(path, crs=region.spec.crs, ports=region.ports, report=region.drops)
    seconds = time.perf_counter() - t0
    row = {"layer": "network", "path": str(path), "bytes": path.stat().st_size}
    region.sources = pd.concat(
        [region.sources, pd.DataFrame([{**row, "seconds": round(seconds, 3)}])], ignore_index=True
    )
    log.info("%s: road network %s loaded in %.2f s", region.name, path, seconds)
    return graph


def region_ports(
    region: str | RegionSpec, *, level: str = "port", planned: bool = False
) -> gpd.GeoDataFrame:
    """The ports-of-entry registry rows of a region (EPSG:4326).

    Parameters
    ----------
    region
        Preset name or RegionSpec: the registry rows labelled with its name and the rows of
        its ``ports``.
    level, planned
        As in :func:`binational.io.ports.read_ports`.

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`binational.io.ports.PORTS_COLUMNS` + ``geometry``.
    """
    from .io import ports as io_ports

    spec = get_region(region)
    return io_ports.read_ports(
        region=spec.name, port_codes=spec.ports, level=level, planned=planned
    )


def official_totals(spec: RegionSpec | None = None) -> pd.DataFrame:
    """Official 2020 census population of each county / municipio.

    Parameters
    ----------
    spec
        A region whose own ``official_totals`` (from the user's regions file) are added; they
        take precedence over the package's figures for the same code.

    Returns
    -------
    pandas.DataFrame
        ``code, country, name, pop_2020, source``: the package data file ``admin_totals.csv`` (US Census
        Bureau 2020 Census; INEGI Censo 2020 ITER) plus the region's own rows.
    """
    table = pd.read_csv(package_file("admin_totals.csv"), dtype={"code": str})
    own = getattr(spec, "official_totals", ()) or ()
    if not own:
        return table
    extra = pd.DataFrame(own, columns=["code", "name", "pop_2020", "source"])
    extra["country"] = [schema.US if c in spec.us_counties else schema.MX for c in extra["code"]]
    table = table[~table["code"].isin(extra["code"])]
    return pd.concat([table, extra[table.columns]], ignore_index=True)


def population_check(
    units: gpd.GeoDataFrame, *, official: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Population of the unit table per county / municipio next to the official 2020 total.

    The ratio shows how much of each admin unit the loaded census units cover (ACS estimates
    differ from the decennial count; urban AGEBs exclude rural population).

    Parameters
    ----------
    units
        The unit table (``country``, ``admin2``, ``pop_total``).
    official
        Official totals as :func:`official_totals` returns them (default: the package's).

    Returns
    -------
    pandas.DataFrame
        One row per county / municipio: units, population of the units, official population,
        ratio and the official figure's source (empty where no official figure is known).
    """
    sums = (
        units.groupby([schema.COUNTRY, schema.ADMIN2])[schema.POP_TOTAL]
        .agg(["size", "sum"])
        .rename(columns={"size": "units", "sum": "pop_units"})
        .reset_index()
    )
    official = (official if official is not None else official_totals()).rename(
        columns={"code": schema.ADMIN2}
    )
    out = sums.merge(
        official[[schema.ADMIN2, "name", "pop_2020", "source"]], on=schema.ADMIN2, how="left"
    )
    out["ratio"] = out["pop_units"] / out["pop_2020"]
    return out[
        [schema.COUNTRY, schema.ADMIN2, "name", "units", "pop_units", "pop_2020", "ratio", "source"]
    ]
