"""A per-side summary of a loaded region: units, population, groups, ports, crossings, waits."""

from __future__ import annotations

import pandas as pd

from . import schema
from .units import Region, official_totals, population_check
from .waitprofile import wait_by_hour

__all__ = ["summarise"]


def _groups(region: Region) -> list[str]:
    groups = [*region.spec.groups_us, *region.spec.groups_mx]
    return [g for g in dict.fromkeys(groups) if g in region.units.columns]


def summarise(region: Region, *, months: int = 12) -> dict[str, pd.DataFrame]:
    """Summary tables of a region.

    Parameters
    ----------
    region
        A loaded :class:`binational.Region`.
    months
        Months of crossings to total (the last ``months`` of the data).

    Returns
    -------
    dict
        ``sides``: units, population and group totals per side; ``admin``: population per
        county / municipio against the official 2020 totals; ``ports``: the ports; ``crossings``:
        the last ``months`` months of crossings per port and measure; ``waits``: median
        northbound general-lane wait by hour of day per port, from one source per port (the one
        the report's wait profile uses); ``drops``: dropped/flagged records
        by layer and reason; ``missing``: layers not available.
    """
    units = region.units
    rows = []
    for country, side in units.groupby(schema.COUNTRY, sort=False):
        row = {
            "side": country,
            "units": len(side),
            "population": side[schema.POP_TOTAL].sum(),
            "zero_pop_units": int(side[schema.FLAG_ZERO_POP].sum()),
        }
        for g in _groups(region):
            if side[g].notna().any():
                row[g] = side[g].sum()
                row[f"{g}_share"] = side[g].sum() / side[schema.POP_TOTAL].sum()
        rows.append(row)
    out: dict[str, pd.DataFrame] = {"sides": pd.DataFrame(rows)}
    out["admin"] = population_check(units, official=official_totals(region.spec))
    cols = [c for c in ("port_code", "name", "name_mx") if c in region.ports.columns]
    out["ports"] = pd.DataFrame(region.ports[cols])
    out["crossings"] = last_months(region.crossings, months=months)
    out["waits"] = median_wait_by_hour(region.waits)
    out["drops"] = region.drops.summary() if len(region.drops) else pd.DataFrame()
    out["missing"] = pd.DataFrame(sorted(region.missing.items()), columns=["layer", "reason"])
    return out


def last_months(crossings: pd.DataFrame, *, months: int = 12) -> pd.DataFrame:
    """Total crossings per port and measure over the last ``months`` months of the table."""
    if crossings.empty:
        return pd.DataFrame(columns=["port_code", "measure", "value", "first", "last"])
    port_level = crossings[crossings["crossing"].isna()] if "crossing" in crossings else crossings
    if port_level.empty:
        port_level = crossings
    end = port_level["month"].max()
    start = end - pd.DateOffset(months=months - 1)
    recent = port_level[port_level["month"] >= start]
    table = recent.groupby(["port_code", "measure"], as_index=False)["value"].sum()
    table["first"] = start.strftime("%Y-%m")
    table["last"] = end.strftime("%Y-%m")
    return table


def median_wait_by_hour(
    waits: pd.DataFrame, *, lane: str = "general", direction: str = "northbound"
) -> pd.DataFrame:
    """Median wait (minutes) by hour of day, one column per port, for one lane and direction.

    Sources are never pooled: for each port the one source the report's wait profile uses
    (:func:`binational.io.waits.wait_by_hour`: the source with the most observations,
    covering at least 12 hours of the day). ``.attrs["source"]`` names it per port.
    """
    if waits is None or waits.empty:
        return pd.DataFrame()
    table = wait_by_hour(waits, lane=lane, direction=direction)
    if table.empty:
        return pd.DataFrame()
    out = table.T.dropna(how="all").round(1)
    out.index = out.index.astype(int).rename("hour")
    out.columns = out.columns.rename("port_code")
    out.attrs["source"] = dict(table.attrs["source"])
    return out
