"""Survey trips as cells: per purpose, hour and option, and per origin unit × destination
unit × hour × option (:class:`~binational.commuting.fit.TripCells`)."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import schema
from ..drops import DropReport
from ..errors import SchemaError
from ..io.lanes import LaneError
from .design import PortMinutes
from .fit import TripCells
from .model import ChoiceDesign
from .periods import PERIODS, period_of

__all__ = ["observed_cells", "trip_cells", "zone_units"]


def observed_cells(
    survey: pd.DataFrame,
    *,
    direction: str = "northbound",
    periods: Mapping[str, tuple[int, ...]] = PERIODS,
) -> pd.DataFrame:
    """Trips and records per purpose, hour and option (``io.survey.read_od_survey`` output).

    Parameters
    ----------
    survey
        Survey trips (``direction, purpose, hour, port_code, lane, weight``).
    direction
        Direction of the trips kept.
    periods
        Period name → hours.

    Returns
    -------
    pandas.DataFrame
        ``direction, purpose, hour, period, port_code, lane, trips, records`` (and ``source``).
    """
    need = ["hour", "purpose", schema.PORT_CODE, "lane", "direction", "weight"]
    missing = [c for c in need if c not in survey.columns]
    if missing:
        raise SchemaError(f"survey lacks column(s) {missing} (see io.survey.read_od_survey)")
    bad = survey["weight"].isna() | ~(survey["weight"] > 0)
    if bad.any():
        raise SchemaError(
            f"survey column weight: {int(bad.sum())} zero, negative or missing weight(s)"
        )
    s = survey[survey["direction"] == direction]
    if s.empty:
        raise SchemaError(f"no {direction} trips in the survey")
    cells = (
        s.groupby(["purpose", "hour", schema.PORT_CODE, "lane"])["weight"]
        .agg(trips="sum", records="size")
        .reset_index()
    )
    cells.insert(0, "direction", direction)
    cells.insert(3, "period", period_of(cells["hour"], periods))
    if "source" in s.columns:
        cells["source"] = "; ".join(sorted(set(s["source"].astype(str))))
    return cells


def zone_units(
    zones: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    *,
    max_snap_m: float = 5000.0,
    report: DropReport | None = None,
) -> pd.Series:
    """Unit row of each survey zone centroid: the unit it lies in, else the nearest one.

    The nearest unit of the centroid's own country is used up to ``max_snap_m`` (centroids of
    rural zones outside the urban AGEBs); such zones are recorded in ``report`` (reason
    ``zone_snapped_to_nearest_unit``); zones farther than that get no unit
    (``zone_outside_units``). Returns a Series of unit row positions (``-1``: none) indexed by
    zone id.
    """
    report = report if report is not None else DropReport()
    if "zone" not in zones.columns:
        raise SchemaError("zone centroids lack a 'zone' column (see io.survey.read_zone_centroids)")
    z = zones.to_crs(units.crs) if zones.crs is not None and zones.crs != units.crs else zones
    polys = units[[schema.COUNTRY, "geometry"]].reset_index(drop=True)
    hit = gpd.sjoin(z[["zone", "geometry"]], polys, how="left", predicate="within")
    hit = hit[~hit.index.duplicated(keep="first")]
    pos = pd.Series(hit["index_right"].to_numpy(), index=z["zone"].to_numpy()).astype(float)
    miss = pos.isna().to_numpy()
    if miss.any():
        country = z["country"].to_numpy() if "country" in z.columns else np.array([None] * len(z))
        rows = np.flatnonzero(miss)
        nearest = _nearest_units(z.geometry.to_numpy(), polys, country, rows)
        zone_ids = z["zone"].to_numpy()
        snapped, lost = [], []
        for i in rows:
            j, dist = nearest[i]
            if j is not None and dist <= max_snap_m:
                pos.iloc[i] = j
                snapped.append(zone_ids[i])
            else:
                lost.append(zone_ids[i])
        report.add("zones", snapped, "zone_snapped_to_nearest_unit", f"within {max_snap_m:g} m")
        report.add("zones", lost, "zone_outside_units", f"no unit within {max_snap_m:g} m")
    return pos.fillna(-1).astype(int)


def _nearest_units(
    points: np.ndarray, polys: gpd.GeoDataFrame, country: np.ndarray, rows: np.ndarray
) -> dict:
    """Nearest unit of each zone in ``rows`` among the units of its own country.

    ``country[i]`` None: any unit. The units of each country are put in one STR tree, queried
    once for all its zones; of units equally near the first (lowest row) is taken and units
    with an empty geometry are skipped, as ``GeoSeries.distance(point).idxmin()`` does.

    Returns
    -------
    dict
        Zone row → ``(unit row, distance)``; ``(None, None)`` when the country has no unit.

    Raises
    ------
    ValueError
        A zone whose distances to its country's units are all missing (an empty point, or only
        empty units), as ``idxmin`` does.
    """
    groups: dict = {}
    for i in rows:
        c = country[i]
        key = ("any",) if c is None else ("country", c)
        groups.setdefault(key, (c, []))[1].append(i)
    out: dict = {}
    for c, members in groups.values():
        cand = polys if c is None else polys[polys[schema.COUNTRY] == c]
        members = np.asarray(members)
        if cand.empty:
            out.update(dict.fromkeys(members.tolist(), (None, None)))
            continue
        labels = cand.index.to_numpy()
        geoms = cand.geometry.to_numpy()
        src, hit = shapely.STRtree(geoms).query_nearest(points[members], all_matches=True)
        first = np.full(len(members), len(geoms))
        np.minimum.at(first, src, hit)  # ties: the first unit, as idxmin
        if (first == len(geoms)).any():
            raise ValueError("Encountered all NA values")
        dist = shapely.distance(geoms[first], points[members])
        for i, k, d in zip(members.tolist(), first.tolist(), dist.tolist(), strict=True):
            out[i] = (labels[k], d)
    return out


def _option_index(options: pd.DataFrame, trips: pd.DataFrame) -> np.ndarray:
    """Option row of each trip's ``(port_code, lane)`` (``-1``: not an option)."""
    if trips.empty:  # as the former per-trip lookup: an empty float array
        return np.array([])
    key = pd.MultiIndex.from_arrays([options[schema.PORT_CODE], options["lane"]])
    if not key.is_unique:  # a repeated option: the last row, as a dict built in order
        keep = ~key.duplicated(keep="last")
        rows = np.flatnonzero(keep)
        hit = key[keep].get_indexer(
            pd.MultiIndex.from_arrays([trips[schema.PORT_CODE], trips["lane"]])
        )
        return np.where(hit >= 0, rows[hit], -1)
    return key.get_indexer(pd.MultiIndex.from_arrays([trips[schema.PORT_CODE], trips["lane"]]))


def _side_position(unit: pd.Series, side_index: np.ndarray) -> pd.Series:
    """Position of each unit row in ``side_index`` (``-1``: no unit, or not on that side)."""
    side_index = np.asarray(side_index, dtype=np.int64)
    u = unit.to_numpy()
    lookup = np.full(int(side_index.max(initial=-1)) + 1, -1, dtype=np.int64)
    lookup[side_index] = np.arange(len(side_index))  # a repeated row: its last position
    inside = (u >= 0) & (u < len(lookup))
    out = np.full(len(u), -1, dtype=np.int64)
    out[inside] = lookup[u[inside]]
    return pd.Series(out, index=unit.index)


def trip_cells(
    survey: pd.DataFrame,
    zone_unit: pd.Series,
    pm: PortMinutes,
    options: pd.DataFrame,
    *,
    purpose: str,
    direction: str = "northbound",
    report: DropReport | None = None,
) -> TripCells:
    """Survey trips of one purpose as :class:`TripCells` (origin unit × destination unit × hour × option).

    Trips whose zone has no unit, or whose origin (destination) unit is not on the origin
    (destination) side, are left out and recorded in ``report`` (reason
    ``survey_trip_without_unit``), with their expanded trips.
    """
    report = report if report is not None else DropReport()
    s = survey[(survey["direction"] == direction) & (survey["purpose"] == purpose)]
    opt = _option_index(options, s)
    if (opt < 0).any():
        bad = sorted(
            {
                (int(p), ln)
                for p, ln, o in zip(s[schema.PORT_CODE], s["lane"], opt, strict=True)
                if o < 0
            }
        )
        raise LaneError(f"survey option(s) {bad} are not in the choice set")
    ou = _side_position(s["from_zone"].map(zone_unit).fillna(-1).astype(int), pm.origin_index)
    du = _side_position(s["to_zone"].map(zone_unit).fillna(-1).astype(int), pm.dest_index)
    ok = (ou >= 0) & (du >= 0)
    if (~ok).any():
        report.add(
            "survey",
            s.index[~ok],
            "survey_trip_without_unit",
            f"{purpose}: {float(s.loc[~ok, 'weight'].sum()):,.0f} expanded trips whose zone has no "
            "unit on its side",
        )
    frame = pd.DataFrame(
        {
            "o": ou[ok].to_numpy(),
            "d": du[ok].to_numpy(),
            "h": s.loc[ok, "hour"].to_numpy(),
            "k": opt[ok.to_numpy()],
            "w": s.loc[ok, "weight"].to_numpy(),
        }
    )
    g = frame.groupby(["o", "d", "h", "k"])["w"].agg(["sum", "size"]).reset_index()
    return TripCells(
        origin=g["o"].to_numpy(),
        dest=g["d"].to_numpy(),
        hour=g["h"].to_numpy(),
        option=g["k"].to_numpy(),
        trips=g["sum"].to_numpy(dtype=float),
        records=g["size"].to_numpy(dtype=float),
    )


def _reachable(
    tc: TripCells, design: ChoiceDesign, *, purpose: str, method: str, report: DropReport
) -> TripCells:
    """The cells whose origin and destination units reach the chosen port; the others are
    recorded in ``report`` (reason ``survey_trip_unreachable``)."""
    reach = np.isfinite(design.access[tc.origin, tc.option]) & np.isfinite(
        design.egress[design.port_index[tc.option], tc.dest]
    )
    if (~reach).any():
        report.add(
            "survey",
            [
                f"{purpose}:o{o}:d{d}"
                for o, d in zip(tc.origin[~reach], tc.dest[~reach], strict=True)
            ],
            "survey_trip_unreachable",
            f"{purpose}: {float(tc.trips[~reach].sum()):,.0f} expanded trips whose origin or "
            f"destination unit does not reach the chosen port ({method})",
        )
        tc = tc.subset(reach)
    return tc
