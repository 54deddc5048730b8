"""The choice set and the arrays of the design: options, waits, lanes open and unit weights."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .. import schema
from .._log import get_logger
from ..drops import DropReport
from ..errors import SchemaError
from ..io.lanes import LaneError, lane_waits, require_lane_waits
from .design import PortMinutes
from .model import ChoiceDesign

log = get_logger(__name__)

NO_WEIGHT = "unit_without_weight"


def _options(cells: pd.DataFrame) -> pd.DataFrame:
    order = {"general": 0, "ready": 1, "sentri": 2, "pedestrian": 3, "pedestrian_ready": 4}
    opts = cells[[schema.PORT_CODE, "lane"]].drop_duplicates()
    opts = opts.assign(_o=opts["lane"].map(order)).sort_values([schema.PORT_CODE, "_o"])
    opts = opts.drop(columns="_o").reset_index(drop=True)
    opts["walk"] = opts["lane"].isin(("pedestrian", "pedestrian_ready"))
    return opts


def _weights(
    units: pd.DataFrame, idx: np.ndarray, column: str, what: str, report: DropReport
) -> np.ndarray:
    vals = pd.to_numeric(units[column].iloc[idx], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(vals) | (vals < 0)
    if bad.any():
        report.add(
            "units",
            units[schema.UNIT_ID].iloc[idx][bad],
            NO_WEIGHT,
            f"{what} column {column!r} missing or negative: weight 0",
        )
    return np.where(bad, 0.0, vals)


def _wait_grid(
    waits: pd.DataFrame,
    options: pd.DataFrame,
    *,
    direction: str,
    weekday,
    precedence: Sequence[str],
    wait_fill: str,
    fixed: Mapping | None,
    report: DropReport,
) -> tuple[np.ndarray, pd.DataFrame]:
    pairs = list(zip(options[schema.PORT_CODE].astype(int), options["lane"], strict=True))
    table = lane_waits(
        waits,
        ports=sorted({p for p, _ in pairs}),
        lanes=sorted({ln for _, ln in pairs}),
        direction=direction,
        weekday=weekday,
        precedence=precedence,
        report=report,
    )
    grid = require_lane_waits(table, pairs, fill=wait_fill, fixed=dict(fixed or {}), report=report)
    arr = np.zeros((len(pairs), 24))
    for k, (p, ln) in enumerate(pairs):
        sel = grid[(grid[schema.PORT_CODE] == p) & (grid["lane"] == ln)].sort_values("hour")
        arr[k] = sel["minutes"].to_numpy()
    return arr, grid


def _lanes_open_grid(table: pd.DataFrame, options: pd.DataFrame, direction: str) -> np.ndarray:
    need = [schema.PORT_CODE, "lane", "hour", "lanes_open"]
    missing = [c for c in need if c not in table.columns]
    if missing:
        raise SchemaError(f"lanes-open table lacks column(s) {missing}")
    t = table
    if "direction" in t.columns:
        t = t[t["direction"].astype(str) == direction]
    g = t.groupby([schema.PORT_CODE, "lane", "hour"])["lanes_open"].median()
    arr = np.zeros((len(options), 24))
    for k, (p, ln) in enumerate(zip(options[schema.PORT_CODE], options["lane"], strict=True)):
        for h in range(24):
            v = g.get((int(p), ln, h), np.nan)
            if not np.isfinite(v) or v < 0:
                raise LaneError(f"no lanes-open count for port {p} lane {ln!r} at hour {h}")
            arr[k, h] = v
    return arr


def _purpose_design(
    units: pd.DataFrame,
    pm: PortMinutes,
    options: pd.DataFrame,
    *,
    purpose: str,
    size: Mapping[str, str],
    ow: np.ndarray,
    wait_arr: np.ndarray,
    open_arr: np.ndarray | None,
    port_capacity: bool,
    report: DropReport,
) -> ChoiceDesign:
    """The :class:`ChoiceDesign` of one purpose: its destination size column (``pop_total``
    when missing, reported), the origin weights, waits and lanes open."""
    col = size.get(purpose, schema.POP_TOTAL)
    if col not in units.columns:
        report.add("size", [purpose], "size_column_missing", f"{col!r} missing: pop_total used")
        log.warning("size column %r missing for %s: pop_total used", col, purpose)
        col = schema.POP_TOTAL
    sz = _weights(units, pm.dest_index, col, f"size ({purpose})", report)
    return ChoiceDesign(
        options=options,
        access=pm.access(options),
        egress=pm.drive_from,
        ports=pm.ports,
        origin_weight=ow,
        size=sz,
        waits=wait_arr,
        lanes_open=open_arr,
        port_capacity=port_capacity and open_arr is not None,
    )
