"""Per-region batch results on disk: atomic writes, a status record per task, a manifest.

Layout of a batch output folder::

    <out_dir>/
      manifest.csv                      one row per (region, task): status, error, seconds, ...
      regions/<region>/<table>.parquet  result tables (GeoParquet for GeoDataFrames)
      regions/<region>/files/...        files a task produced (e.g. the HTML report)
      regions/<region>/_status/<task>.json
                                        written LAST for each task: a task is complete only when
                                        this record exists with ``status == "done"``

Every file is written to a temporary name in the same folder and moved into place with
:func:`os.replace`, so a reader (or a re-run after a crash) never sees a half-written file.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from .. import _atomic
from .._log import get_logger
from ..errors import OutputError

__all__ = [
    "DONE",
    "FAILED",
    "MANIFEST_COLUMNS",
    "NOT_AVAILABLE",
    "SKIPPED",
    "TaskResult",
    "atomic_write_bytes",
    "gather_table",
    "read_manifest",
    "read_status",
    "read_table",
    "region_dir",
    "stack_regions",
    "with_region",
    "write_manifest",
    "write_table",
    "write_task_result",
]

log = get_logger(__name__)

DONE = "done"
FAILED = "failed"
SKIPPED = "skipped"
NOT_AVAILABLE = "not_available"
STATUSES = (DONE, FAILED, SKIPPED, NOT_AVAILABLE)

MANIFEST_COLUMNS = (
    "region",
    "task",
    "status",
    "error",
    "seconds",
    "worker",
    "resumed",
    "tables",
    "finished",
)


@dataclass
class TaskResult:
    """Outcome of one task for one region, as returned by a worker.

    Attributes
    ----------
    region, task
        What ran.
    status
        ``"done"``, ``"failed"``, ``"skipped"`` or ``"not_available"``.
    error
        Error or skip reason (empty when done).
    seconds
        Wall time of the task on its worker.
    tables
        Result tables, name → DataFrame/GeoDataFrame (written as ``<name>.parquet``).
    files
        Other outputs, relative path → bytes (written under ``files/``).
    worker
        Address of the worker that ran it (``"local"`` without Dask).
    params
        Parameters the result depends on; a re-run only reuses a result with equal params.
    """

    region: str
    task: str
    status: str
    error: str = ""
    seconds: float = 0.0
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    worker: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    def record(self, *, resumed: bool = False) -> dict[str, Any]:
        """The manifest row of this result."""
        return {
            "region": self.region,
            "task": self.task,
            "status": self.status,
            "error": self.error,
            "seconds": round(float(self.seconds), 3),
            "worker": self.worker,
            "resumed": resumed,
            "tables": ";".join(sorted(self.tables)),
            "finished": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }


def region_dir(out_dir: str | os.PathLike, region: str) -> Path:
    """Folder holding one region's results."""
    return Path(out_dir) / "regions" / region


def _status_path(out_dir: str | os.PathLike, region: str, task: str) -> Path:
    return region_dir(out_dir, region) / "_status" / f"{task}.json"


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and os.replace."""
    path = Path(path)
    _mkdir(path.parent)
    _atomic.atomic_write_bytes(path, data)


def write_table(path: str | os.PathLike, table: pd.DataFrame) -> None:
    """Write a table as (Geo)Parquet, atomically.

    Raises
    ------
    binational.errors.OutputError
        If the folder cannot be written or the table cannot be stored as Parquet.
    """
    path = Path(path)
    _mkdir(path.parent)
    try:
        with _atomic.atomic_path(path) as tmp:
            if isinstance(table, gpd.GeoDataFrame):
                table.to_parquet(tmp, index=True)
            else:
                pd.DataFrame(table).to_parquet(tmp, index=True)
    except (OSError, ValueError, TypeError) as exc:
        raise OutputError(f"{path}: cannot write table: {exc}") from exc


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a table written by :func:`write_table` (GeoDataFrame if it has a geometry)."""
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    if b"geo" in meta:
        return gpd.read_parquet(path)
    return pd.read_parquet(path)


def write_task_result(out_dir: str | os.PathLike, result: TaskResult) -> None:
    """Write one task's tables and files, then its status record (last, so it marks completion).

    Failed, skipped and unavailable tasks only get a status record.
    """
    rdir = region_dir(out_dir, result.region)
    if result.status == DONE:
        for name, table in result.tables.items():
            write_table(rdir / f"{name}.parquet", table)
        for rel, data in result.files.items():
            target = (rdir / "files" / rel).resolve()
            if not target.is_relative_to((rdir / "files").resolve()):
                raise OutputError(f"{rel!r}: output file would be written outside {rdir}")
            atomic_write_bytes(target, data)
    status = {
        **result.record(),
        "tables": sorted(result.tables),
        "files": sorted(result.files),
        "params": result.params,
    }
    atomic_write_bytes(
        _status_path(out_dir, result.region, result.task),
        json.dumps(status, indent=1, default=str).encode(),
    )


def read_status(out_dir: str | os.PathLike, region: str, task: str) -> dict[str, Any] | None:
    """The status record of a task, or None if it never finished writing."""
    path = _status_path(out_dir, region, task)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (json.JSONDecodeError, OSError) as exc:  # unreadable: treat as not done
        log.warning("%s: unreadable status record (%s); the task will run again", path, exc)
        return None


def is_complete(
    out_dir: str | os.PathLike, region: str, task: str, params: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The status record if ``task`` finished for ``region`` with the same params, else None."""
    status = read_status(out_dir, region, task)
    if status is None or status.get("status") != DONE:
        return None
    if json.loads(json.dumps(dict(params), default=str)) != status.get("params"):
        return None
    rdir = region_dir(out_dir, region)
    if not all((rdir / f"{t}.parquet").is_file() for t in status.get("tables", [])):
        return None
    return status


def write_manifest(out_dir: str | os.PathLike, rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Write ``manifest.csv`` (atomically) and return it as a DataFrame."""
    frame = pd.DataFrame(list(rows), columns=list(MANIFEST_COLUMNS))
    atomic_write_bytes(Path(out_dir) / "manifest.csv", frame.to_csv(index=False).encode())
    return frame


def read_manifest(out_dir: str | os.PathLike) -> pd.DataFrame:
    """Read ``manifest.csv`` of a batch output folder.

    Parameters
    ----------
    out_dir
        Output folder of :func:`binational.scale.run_batch`.

    Returns
    -------
    pandas.DataFrame
        One row per region and task (:data:`MANIFEST_COLUMNS`: status, error, seconds,
        worker, resumed, tables, finished).
    """
    path = Path(out_dir) / "manifest.csv"
    try:
        return pd.read_csv(path, dtype={"error": str, "worker": str, "tables": str}).fillna(
            {"error": "", "worker": "", "tables": ""}
        )
    except FileNotFoundError as exc:
        raise OutputError(f"{path}: no batch manifest (has the batch run?)") from exc


def gather_table(
    out_dir: str | os.PathLike, name: str, regions: Iterable[str] | None = None
) -> pd.DataFrame:
    """Concatenate one result table over regions, with a ``region`` column first.

    GeoDataFrames of regions in different CRSs (each region has its own UTM zone) are
    converted to EPSG:4326 before they are stacked; regions sharing one CRS keep it.

    Parameters
    ----------
    out_dir
        Batch output folder.
    name
        Table name, e.g. ``"units"`` or ``"concentration"``.
    regions
        Regions to gather (default: every region folder that holds the table).

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        Empty DataFrame (with a ``region`` column) if no region has the table.
    """
    root = Path(out_dir) / "regions"
    if regions is None:
        regions = sorted(p.name for p in root.iterdir()) if root.is_dir() else []
    tables = {}
    for region in regions:
        path = root / region / f"{name}.parquet"
        if path.is_file():
            tables[region] = read_table(path)
    return stack_regions(tables)


def stack_regions(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Stack region → table into one table with a leading ``region`` column.

    This is how both the batch (:func:`gather_table`) and a single-machine loop stack one
    table over regions, so their results compare row for row. GeoDataFrames in different CRSs
    (each region has its own UTM zone) are converted to EPSG:4326 first; regions sharing one
    CRS keep it.

    Parameters
    ----------
    tables
        Region name → table.

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        The tables one under the other, with a leading ``region`` column.
    """
    parts = [with_region(t, region) for region, t in tables.items()]
    if not parts:
        return pd.DataFrame(columns=["region"])
    if all(isinstance(p, gpd.GeoDataFrame) for p in parts):
        crss = []
        for p in parts:
            if p.crs not in crss:
                crss.append(p.crs)
        if len(crss) > 1:
            log.info("regions in %d CRSs; stacking in EPSG:4326", len(crss))
            parts = [p.to_crs("EPSG:4326") for p in parts]
        return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=parts[0].crs)
    return pd.concat(parts, ignore_index=True)


def with_region(table: pd.DataFrame, region: str) -> pd.DataFrame:
    """``table`` with a leading ``region`` column; a named index becomes a column too.

    A ``region`` column already in the table is replaced when it holds the same name (or is
    empty), else kept as ``region_original``.

    Parameters
    ----------
    table
        Any table.
    region
        Region name.

    Returns
    -------
    pandas.DataFrame
        A copy with the ``region`` column first.
    """
    if any(n is not None for n in table.index.names):
        table = table.reset_index()
    else:
        table = table.reset_index(drop=True)
    table = table.copy()
    if "region" in table.columns:
        # e.g. the ports registry's own region label: dropped when it says the same thing,
        # else kept under another name
        same = table["region"].isna() | (table["region"].astype(str) == region)
        if same.all():
            table = table.drop(columns="region")
        else:
            table = table.rename(columns={"region": "region_original"})
    table.insert(0, "region", region)
    return table


def _mkdir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path}: cannot create output folder: {exc}") from exc
