"""The long wait table every wait reader returns, and the crossing-id lookups they share."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ... import schema
from ..._log import get_logger
from ...drops import DropReport
from .._files import (
    snake,
)
from ..ports import bwt_index

log = get_logger(__name__)

__all__ = ["NORTHBOUND", "SOUTHBOUND", "crossing_from_name", "port_of", "waits_frame"]

NORTHBOUND, SOUTHBOUND = schema.DIRECTIONS


def waits_frame(data: dict, n: int, *, time_dtype: str = "datetime64[ns, UTC]") -> pd.DataFrame:
    """Assemble a wait table with the schema's columns and dtypes."""
    out = pd.DataFrame(index=range(n))
    out["port_code"] = pd.array(data.get("port_code", [pd.NA] * n), dtype="Int64")
    out["crossing_id"] = pd.array(data.get("crossing_id", [pd.NA] * n), dtype="string")
    out["lane"] = pd.array(data["lane"], dtype="string")
    out["direction"] = pd.array(data.get("direction", [NORTHBOUND] * n), dtype="string")
    t = data.get("time")
    out["time"] = pd.Series(pd.NaT, index=out.index, dtype=time_dtype) if t is None else t
    for col in ("month", "weekday", "hour"):
        out[col] = pd.array(data.get(col, [pd.NA] * n), dtype="Int64")
    out["minutes"] = pd.to_numeric(pd.Series(data["minutes"]), errors="coerce").astype(float).values
    out["lanes_open"] = pd.array(data.get("lanes_open", [pd.NA] * n), dtype="Int64")
    out["source"] = pd.array(
        data["source"] if not isinstance(data["source"], str) else [data["source"]] * n,
        dtype="string",
    )
    return out[list(schema.WAITS_COLUMNS)]


def crossing_from_name(path: Path, registry: pd.DataFrame) -> str | None:
    """Guess the CBP crossing id of a historical file from its name (an id, or a port name)."""
    stem = path.name.lower()
    m = re.search(r"(?<!\d)(?:\d{2})?(\d{6})(?!\d)", stem)
    index = bwt_index(registry)
    if m and m.group(1) in index:
        return m.group(1)
    ports = registry[(registry["level"] == "port") & registry["bwt_ids"].notna()]
    best = None
    for name, ids in zip(ports["name"], ports["bwt_ids"], strict=True):
        slug = snake(name)
        if slug and slug in snake(stem) and (best is None or len(slug) > len(best[0])):
            best = (slug, str(ids).split(";")[0])
    return best[1] if best else None


def port_of(cid: str, index: dict, path: Path, report: DropReport, layer: str) -> int | None:
    if cid in index:
        return index[cid][0]
    head = str(cid)[:4]
    if head.isdigit():
        report.add(
            layer,
            [cid],
            "port_not_in_registry",
            f"port code {head} from the id's first 4 digits; {path.name}",
        )
        return int(head)
    return None
