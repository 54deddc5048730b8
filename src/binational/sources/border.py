"""Border sources: BTS crossing volumes and CBP Border Wait Times (live feed, historical)."""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

from .._log import get_logger
from ..errors import (
    DataSourceError,
    RegionError,
)
from ..regions import RegionSpec, get_region
from ._fetch import derived_dir, fetch_source, provenance_of, write_derived
from .catalogue import get_source
from .download import fetch, redact_url

log = get_logger(__name__)

__all__ = [
    "fetch_bts_crossings",
    "fetch_cbp_historical_waits",
    "fetch_cbp_waits",
    "region_crossing_ids",
]


def fetch_bts_crossings(*, border: str | None = "US-Mexico Border", cache: bool = True) -> Path:
    """BTS Border Crossing Entry Data (monthly inbound crossings by port and measure).

    The dataset is updated monthly: pass ``cache=False`` to refresh an earlier download.

    Parameters
    ----------
    border
        Keep only the rows of this ``Border`` value (the full national file when ``None``).

    Returns
    -------
    pathlib.Path
        A CSV with the dataset's own header (``Port Name, State, Port Code, Border, Date, ...``).
    """
    full = fetch_source("bts_crossings", cache=cache, expect="csv", filename="bts_rows.csv")
    if border is None:
        return full
    slug = re.sub(r"[^a-z0-9]+", "_", border.lower()).strip("_")
    out = derived_dir("bts") / f"bts_border_crossing_entry_data_{slug}.csv"

    def write(tmp: Path) -> None:
        kept = 0
        with (
            full.open(encoding="utf-8-sig", newline="") as src,
            tmp.open("w", encoding="utf-8", newline="") as dst,
        ):
            reader = csv.reader(src)
            header = next(reader, None)
            cols = [h.strip().lower() for h in header or []]
            if "border" not in cols:
                raise DataSourceError(f"{full}: no Border column in the BTS file ({header})")
            i = cols.index("border")
            writer = csv.writer(dst, lineterminator="\n")
            writer.writerow(header)
            for row in reader:
                if len(row) > i and row[i] == border:
                    writer.writerow(row)
                    kept += 1
        if not kept:
            raise DataSourceError(f"{full}: no row has Border == {border!r}")
        log.info("BTS: kept %d rows of %s", kept, border)

    return write_derived(out, write, {"source": provenance_of(full), "border": border})


def fetch_cbp_waits(*, cache: bool = False) -> Path:
    """The CBP Border Wait Times live feed (all land ports), as JSON.

    ``cache=False`` by default: the feed changes every hour. The manifest beside the file
    records when it was fetched.

    Parameters
    ----------
    cache
        Reuse a cached copy instead of fetching the feed again.

    Returns
    -------
    pathlib.Path
        The JSON file.
    """
    path = fetch_source("cbp_bwt_live", cache=cache, expect="json", filename="bwtnew.json")
    live_records(path)
    return path


def live_records(path: Path) -> list[dict]:
    with path.open("rb") as fh:
        data = json.load(fh)
    if not isinstance(data, list) or not all(
        isinstance(r, dict) and "port_number" in r for r in data
    ):
        raise DataSourceError(
            f"{path}: not a CBP wait-times feed (a JSON list of crossings with port_number)"
        )
    return data


def _crossing8(crossing_id: object) -> str:
    text = str(crossing_id).strip()
    if text.isdigit() and len(text) == 6:
        return "09" + text
    if text.isdigit() and len(text) == 8:
        return text
    raise RegionError(
        f"CBP crossing id {crossing_id!r} is not 6 digits (port_number, e.g. 250401) or 8 digits "
        "(e.g. 09250401)"
    )


def fetch_cbp_historical_waits(
    *,
    crossing_id: str,
    lane_type: str = "POV",
    lane: str = "GEN",
    months: Iterable[int] = range(1, 13),
    weekday: int = 7,
    cache: bool = True,
) -> Path:
    """CBP historical average waits of one crossing by month, weekday and hour.

    Parameters
    ----------
    crossing_id
        CBP port_number (``"250401"`` San Ysidro) or its 8-digit API form (``"09250401"``).
    lane_type, lane
        ``"POV"``/``"GEN"`` = passenger vehicles, general lanes.
    months
        Months to fetch (one API call each).
    weekday
        0–6, or 7 for every weekday in one answer.

    Returns
    -------
    pathlib.Path
        A CSV with ``bwt_month, bwt_day, bwt_hour`` and the API's ``*_time_avg`` columns
        (minutes), then ``port_number`` — the layout of the shared San Ysidro file plus the
        crossing id.
    """
    cid = _crossing8(crossing_id)
    months = [int(m) for m in months]
    if not months or any(not 1 <= m <= 12 for m in months):
        raise RegionError(f"months {months!r} must lie in 1..12")
    src = get_source("cbp_bwt_historical")
    parts: list[tuple[int, str, Path]] = []
    for m in months:
        url = src.url(crossing_id=cid, lane_type=lane_type, lane=lane, month=m, weekday=weekday)
        path = fetch(
            url,
            filename=f"bwt_hist_{cid}_{lane_type}_{lane}_{m:02d}_{weekday}.json",
            cache=cache,
            expect="json",
        )
        parts.append((m, url, path))

    records: list[dict] = []
    fields: list[str] = []
    for m, url, path in parts:
        with path.open("rb") as fh:
            data = json.load(fh)
        waits = data.get("wait_times") if isinstance(data, dict) else None
        if not isinstance(waits, list) or not all(isinstance(w, dict) for w in waits):
            raise DataSourceError(
                f"{path} (from {redact_url(url)}): not a CBP historical answer "
                '({"wait_times": [...]})'
            )
        for w in waits:
            rec = {"bwt_month": m}
            for k, v in w.items():
                name = "bwt_hour" if k == "time_slot" else k
                rec[name] = v
                if name not in fields:
                    fields.append(name)
            records.append(rec)
    if not records:
        raise DataSourceError(f"CBP historical waits for crossing {cid}: every answer is empty")
    lead = [c for c in ("bwt_month", "bwt_day", "bwt_hour") if c == "bwt_month" or c in fields]
    columns = lead + [f for f in fields if f not in lead] + ["port_number"]
    out = (
        derived_dir("cbp")
        / f"cbp_bwt_historical_hourly_avg_{cid[2:]}_{lane_type.lower()}_{lane.lower()}.csv"
    )

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            for rec in records:
                writer.writerow({**rec, "port_number": cid[2:]})

    return write_derived(out, write, {"parts": provenance_of(*[p for _, _, p in parts])})


def region_crossing_ids(
    region: str | RegionSpec, live_feed: str | os.PathLike, *, lane_type: str = "POV"
) -> list[str]:
    """CBP crossing ids (6-digit port_number) of a region's ports, from a live-feed JSON.

    With ``lane_type="POV"`` only crossings that have passenger-vehicle lanes are returned
    (``"PED"``: pedestrian lanes, ``"COV"``: commercial; ``None``: all).

    Parameters
    ----------
    region
        Region name or spec.
    live_feed
        A CBP Border Wait Times JSON (e.g. from :func:`fetch_cbp_waits`).
    lane_type
        ``"POV"``, ``"PED"``, ``"COV"`` or None.

    Returns
    -------
    list of str
        Crossing ids, sorted.
    """
    spec = get_region(region)
    lanes_key = {
        "POV": "passenger_vehicle_lanes",
        "PED": "pedestrian_lanes",
        "COV": "commercial_vehicle_lanes",
    }.get(lane_type or "")
    ids = []
    for rec in live_records(Path(live_feed)):
        number = str(rec.get("port_number", ""))
        if len(number) != 6 or not number.isdigit() or int(number[:4]) not in spec.ports:
            continue
        if lanes_key is not None:
            lanes = rec.get(lanes_key) or {}
            maximum = str(lanes.get("maximum_lanes", "")).strip()
            if not maximum or maximum.upper() == "N/A":
                continue
        ids.append(number)
    return sorted(set(ids))
