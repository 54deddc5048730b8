"""Per-region task functions: what one worker does for one region of a batch.

A task is a function ``func(ctx: RegionContext) -> TaskOutput`` registered under a name. The
context loads the region lazily (:func:`binational.load_region` on first use of
``ctx.region``), so the tasks of one region share one load on one worker, and a task that does
not need the whole region does not pay for it.

Built-in tasks (in the order they run):

``load``
    The binational unit table and what came with it: ``units``, ``ports``, ``crossings``,
    ``population_check``, ``missing``, ``drops``.
``concentration``
    :func:`binational.concentration.concentration_profile` for each default group of the region
    (``groups_us`` + ``groups_mx``): ``concentration`` (tidy index table) and
    ``concentration_local`` (local measures per unit).
``catchments``
    :func:`binational.catchments.catchments`: ``catchment_isochrones``, ``catchment_units``,
    ``catchment_summary``, ``catchment_port_sheds``, ``catchment_waits``.
``report``
    :func:`binational.pipeline.write_report`: the analyses, then the HTML report, returned as
    files.
``grid``
    Population of both sides area-weighted onto one square grid in the region CRS
    (:func:`binational.scale.spatial.areal_interpolate`): ``population_grid``.

A task whose module is not part of this installation reports ``not_available``; a region whose
data folder lacks census units reports ``skipped`` with the reason; any exception inside a task
is caught and reported as ``failed`` (the region's other tasks still run).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import schema, settings
from .._defaults import COMMUTER
from .._log import get_logger
from .._version import __version__
from ..errors import DataSourceError, RegionError
from ..regions import RegionSpec
from ._names import DEFAULT_TASKS as _DEFAULT_TASKS
from .results import DONE, FAILED, NOT_AVAILABLE, SKIPPED, TaskResult

if TYPE_CHECKING:
    from ..units import Region

__all__ = [
    "TASKS",
    "BatchConfig",
    "RegionContext",
    "Task",
    "TaskOutput",
    "census_skip_reason",
    "get_task",
    "register_task",
    "run_region",
]

log = get_logger(__name__)

DEFAULT_TASKS = _DEFAULT_TASKS  # defined in _names.py so the CLI need not import pandas


@dataclass(frozen=True)
class BatchConfig:
    """Parameters shared by every task of a batch (sent to the workers).

    Attributes
    ----------
    data_dir
        Data folder as the workers see it; None lets each worker use its own
        ``BINATIONAL_DATA_DIR``.
    cache_dir
        Cache folder for the workers; None lets each worker use its own default.
    seed
        Seed of every random draw (permutation and bootstrap inference).
    permutations
        Number of permutations for inference.
    minutes, hour, lane
        Catchment minute bands, hour of day and lane (default the commuter conditions,
        :data:`binational._defaults.COMMUTER`: 30–180 min, 7 am, the commuter lane mix).
    network
        Load road networks where a region has one.
    require_both_sides
        Skip a region unless the data folder has census units for both countries.
    grid_size
        Cell size (metres) of the ``grid`` task.
    options
        Extra keyword arguments per task name, e.g. ``{"catchments": {"lane": "sentri"}}``.
    """

    data_dir: str | None = None
    cache_dir: str | None = None
    seed: int = 0
    permutations: int = 999
    minutes: tuple[int, ...] = COMMUTER.minutes
    hour: int = COMMUTER.hour
    lane: str = COMMUTER.lane
    network: bool = True
    require_both_sides: bool = True
    grid_size: float = 1000.0
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass
class TaskOutput:
    """What a task returns: tables (written as Parquet) and files (written as bytes)."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)


class RegionContext:
    """Everything a task may use for one region: the spec, the config, a lazily loaded Region."""

    def __init__(self, spec: RegionSpec, config: BatchConfig) -> None:
        self.spec = spec
        self.config = config
        self._region: Region | None = None
        self._load_error: BaseException | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def data_dir(self) -> Path:
        """The data folder: the region's own (``data_dir`` in its regions file), else the
        batch's (raises DataSourceError if none is set or it does not exist)."""
        return settings.resolve_data_dir(self.spec.data_dir or self.config.data_dir)

    @property
    def region(self) -> Region:
        """The loaded region (loaded on first use; a failed load is re-raised, not retried)."""
        if self._region is None:
            if self._load_error is not None:
                raise RegionError(
                    f"region {self.name!r} could not be loaded: {_describe(self._load_error)}"
                ) from self._load_error
            from ..units import load_region

            try:
                self._region = load_region(
                    self.spec, data_dir=self.data_dir, network=self.config.network
                )
            except Exception as exc:
                self._load_error = exc
                raise
        return self._region

    def options(self, task: str) -> dict[str, Any]:
        return dict(self.config.options.get(task, {}))


@dataclass(frozen=True)
class Task:
    """A named per-region task.

    Attributes
    ----------
    name
        Name used in ``tasks=`` and in the manifest.
    func
        ``func(ctx: RegionContext) -> TaskOutput``.
    requires
        Modules that must be importable for the task to be available.
    needs_units
        The task needs the region's census units: skipped where the data folder lacks them.
    params
        Names of the BatchConfig fields the task's result depends on (a re-run reuses a
        finished result only when these, and the task options, are unchanged).
    """

    name: str
    func: Callable[[RegionContext], TaskOutput]
    requires: tuple[str, ...] = ()
    needs_units: bool = True
    params: tuple[str, ...] = ()

    def available(self) -> str | None:
        """None if the task can run here, else why not.

        Each entry of ``requires`` is a module (``"binational.render"``) or a module and one of
        its attributes (``"binational.concentration:concentration_profile"``).
        """
        for need in self.requires:
            module, _, attr = need.partition(":")
            try:
                found = importlib.util.find_spec(module) is not None
                if found and attr:
                    found = hasattr(importlib.import_module(module), attr)
            except ImportError as exc:
                # Only an absent module makes a task unavailable. A module of binational that
                # exists but fails to import (a bug, a missing dependency) is raised, not hidden.
                absent = isinstance(exc, ModuleNotFoundError) and f"{module}.".startswith(
                    f"{exc.name}."
                )
                if module.split(".")[0] == "binational" and not absent:
                    raise
                found = False
            if not found:
                return f"{need.replace(':', '.')} is not available in binational {__version__}"
        return None

    def param_values(self, config: BatchConfig) -> dict[str, Any]:
        values = {p: getattr(config, p) for p in self.params}
        values["options"] = dict(config.options.get(self.name, {}))
        values["version"] = __version__
        return values


# ---------------------------------------------------------------------------------------------
# built-in tasks


def load_task(ctx: RegionContext) -> TaskOutput:
    """The unit table, ports, crossings, population check, missing layers and drop report."""
    from ..units import official_totals, population_check

    region = ctx.region
    if region.network_pending:
        region.network  # noqa: B018 - load it, so its flagged nodes are in the drop table
    missing = pd.DataFrame(
        sorted(region.missing.items()), columns=["layer", "reason"], dtype="string"
    )
    return TaskOutput(
        tables={
            "units": region.units,
            "ports": region.ports,
            "crossings": region.crossings,
            "population_check": population_check(
                region.units, official=official_totals(region.spec)
            ),
            "missing": missing,
            "drops": region.drops.to_frame(),
        }
    )


def concentration_task(ctx: RegionContext) -> TaskOutput:
    """Concentration profile of each default group of the region that its units carry."""
    from ..concentration import concentration_profile

    region = ctx.region
    groups = [
        g
        for g in dict.fromkeys((*ctx.spec.groups_us, *ctx.spec.groups_mx))
        if g in region.units.columns
    ]
    if not groups:
        raise RegionError(
            f"region {ctx.name!r}: none of its default groups "
            f"{[*ctx.spec.groups_us, *ctx.spec.groups_mx]} is a column of the unit table"
        )
    tables, local = [], []
    for group in groups:
        kwargs = {"permutations": ctx.config.permutations, "seed": ctx.config.seed}
        profile = concentration_profile(
            region, group=group, **(kwargs | ctx.options("concentration"))
        )
        table, local_gdf = profile.table, profile.local
        tables.append(table.assign(group=group) if "group" not in table.columns else table)
        if local_gdf is not None:
            local.append(
                local_gdf.assign(group=group) if "group" not in local_gdf.columns else local_gdf
            )
    out = {"concentration": pd.concat(tables, ignore_index=True)}
    if local:
        import geopandas as gpd

        out["concentration_local"] = gpd.GeoDataFrame(
            pd.concat(local, ignore_index=True), crs=local[0].crs
        )
    return TaskOutput(tables=out)


def catchments_task(ctx: RegionContext) -> TaskOutput:
    """Isochrones, per-unit best port and crossing time, and the population summary."""
    from ..catchments import catchments
    from ..pipeline.analyses import default_wait_fallback

    region = ctx.region
    kwargs = {
        "minutes": list(ctx.config.minutes),
        "hour": ctx.config.hour,
        "lane": ctx.config.lane,
    }
    options = kwargs | ctx.options("catchments")
    fallback, note = default_wait_fallback(region, options.get("wait_fallback"))
    if fallback is not None:
        options["wait_fallback"] = fallback
    notes = [{"item": "waits", "note": note}] if note else []
    result = catchments(region, **options)
    tables = {
        "catchment_notes": pd.DataFrame(notes, columns=["item", "note"], dtype="string"),
        "catchment_isochrones": result.isochrones,
        "catchment_units": result.units,
        "catchment_summary": result.summary,
        "catchment_port_sheds": getattr(result, "port_sheds", None),
        "catchment_waits": getattr(result, "waits", None),
    }
    return TaskOutput(tables={k: v for k, v in tables.items() if v is not None})


def report_task(ctx: RegionContext) -> TaskOutput:
    """The region's HTML report, rendered in a scratch folder and returned as files."""
    import tempfile

    from ..pipeline import write_report

    with tempfile.TemporaryDirectory(prefix="binational-report-") as tmp:
        kwargs = {"permutations": ctx.config.permutations, "seed": ctx.config.seed}
        write_report(ctx.region, tmp, **(kwargs | ctx.options("report")))
        files = {
            str(p.relative_to(tmp)): p.read_bytes() for p in Path(tmp).rglob("*") if p.is_file()
        }
    return TaskOutput(files={f"report/{k}": v for k, v in files.items()})


def grid_task(ctx: RegionContext) -> TaskOutput:
    """Population of both sides area-weighted onto a square grid (one CRS, one cell size)."""
    from .spatial import areal_interpolate, square_grid

    units = ctx.region.units
    columns = [schema.POP_TOTAL] + [
        g
        for g in dict.fromkeys((*ctx.spec.groups_us, *ctx.spec.groups_mx))
        if g in units.columns and g != schema.POP_TOTAL
    ]
    grid = square_grid(units, size=ctx.config.grid_size)
    opts = {"engine": "geopandas", **ctx.options("grid")}
    out = areal_interpolate(units, grid, extensive=columns, **opts)
    out = out[out[columns].fillna(0).sum(axis=1) > 0]
    return TaskOutput(tables={"population_grid": out})


TASKS: dict[str, Task] = {}


def register_task(task: Task) -> Task:
    """Make ``task`` available by name to :func:`binational.scale.run_batch`.

    Parameters
    ----------
    task
        The task (its ``name`` is the key).

    Returns
    -------
    Task
        The same task (so it can be used as a decorator's result).
    """
    TASKS[task.name] = task
    return task


register_task(Task("load", load_task, params=("network",)))
register_task(
    Task(
        "concentration",
        concentration_task,
        params=("seed", "permutations", "network"),
    )
)
register_task(
    Task(
        "catchments",
        catchments_task,
        params=("minutes", "hour", "lane", "network"),
    )
)
register_task(
    Task(
        "report",
        report_task,
        params=("permutations", "network"),
    )
)
register_task(Task("grid", grid_task, params=("grid_size", "network")))


def get_task(task: str | Task) -> Task:
    """The Task called ``task`` (a Task is returned as is)."""
    if isinstance(task, Task):
        return task
    try:
        return TASKS[task]
    except KeyError:
        raise RegionError(f"unknown batch task {task!r}; known tasks: {', '.join(TASKS)}") from None


# ---------------------------------------------------------------------------------------------
# one region on one worker


def census_skip_reason(spec: RegionSpec, data_dir: Path, *, both_sides: bool = True) -> str | None:
    """Why ``spec`` cannot be analysed from ``data_dir`` (no census units), or None if it can.

    A side has census units when the preset names its polygons and an attribute table
    (US: ``us_tracts`` + ``us_acs``; MX: ``mx_agebs`` + ``mx_conapo`` or ``mx_resageburb``).
    A region defined on one side only (no ``us_counties`` or no ``mx_municipios``) needs units
    on that side only: its other side is reported as missing by the tasks, not skipped.

    Parameters
    ----------
    spec
        The region.
    data_dir
        The data folder.
    both_sides
        A side the region declares (counties or municipios listed) must have census units.

    Returns
    -------
    str or None
        The reason to skip the region, or None.

    Raises
    ------
    binational.errors.DataSourceError
        If the preset names a census file that is not in ``data_dir`` (data missing, not
        merely absent from the preset).
    """
    sides = {
        schema.US: (("us_tracts",), ("us_acs",)),
        schema.MX: (("mx_agebs",), ("mx_conapo", "mx_resageburb")),
    }
    from .._roles import OPTIONAL_ROLES, roles_for

    def named(role: str) -> bool:  # optional roles count only when a file is there
        if role in OPTIONAL_ROLES:
            return any(p.is_file() for p in spec.file_list(role, data_dir))
        return bool(spec.files.get(role))

    lacking = []
    for side, (polygons, attributes) in sides.items():
        admin = spec.us_counties if side == schema.US else spec.mx_municipios
        if not admin:
            continue  # a region defined on one side only (no counties or no municipios)
        if not (any(named(r) for r in polygons) and any(named(r) for r in attributes)):
            what = "tract polygons and ACS table" if side == schema.US else "AGEB polygons"
            lacking.append(f"no {side} census units ({what}) for {', '.join(admin)}")
    absent = [
        str(p)
        for role in (*roles_for("us_units"), *roles_for("mx_units"))
        if role not in OPTIONAL_ROLES
        for p in spec.file_list(role, data_dir)
        if not p.exists()
    ]
    if absent:
        raise DataSourceError(
            f"region {spec.name!r}: census file(s) named by the preset are missing from the "
            f"data folder: {', '.join(absent)}"
        )
    if len(lacking) == 2 or (both_sides and lacking):
        return "; ".join(lacking) + f" in the data folder {data_dir}"
    return None


@contextlib.contextmanager
def _worker_settings(config: BatchConfig) -> Iterator[None]:
    """Apply the batch's data/cache folders to binational.settings on this worker."""
    saved = (settings.data_dir, settings.cache_dir, settings.progress)
    if config.data_dir is not None:
        settings.data_dir = config.data_dir
    if config.cache_dir is not None:
        settings.cache_dir = config.cache_dir
    settings.progress = False
    try:
        yield
    finally:
        settings.data_dir, settings.cache_dir, settings.progress = saved


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return "local"


def _ensure_registered(spec: RegionSpec) -> None:
    """Make ``spec`` known by name in this process.

    A region from a user's ``--regions-file`` is registered in the process that read the file,
    not in a Dask worker's: the spec travels with the task and is registered here, so that code
    which looks a region up by name finds the same definition on every worker.
    """
    from ..regions import get_region, register

    try:
        known = get_region(spec.name)
    except RegionError:
        known = None
    if known != spec:
        register(spec)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def run_region(spec: RegionSpec, tasks: Sequence[Task], config: BatchConfig) -> list[TaskResult]:
    """Run ``tasks`` for one region and return one TaskResult per task (never raises for a task).

    This is the function a batch sends to a Dask worker (or calls in-process without Dask).
    """
    worker = _worker_name()
    results: list[TaskResult] = []
    _ensure_registered(spec)
    with _worker_settings(config):
        ctx = RegionContext(spec, config)
        skip: str | None = None
        skip_error = ""
        if any(t.needs_units for t in tasks):
            try:
                skip = census_skip_reason(spec, ctx.data_dir, both_sides=config.require_both_sides)
            except DataSourceError as exc:
                skip_error = _describe(exc)
        for task in tasks:
            params = task.param_values(config)
            base = {"region": spec.name, "task": task.name, "worker": worker, "params": params}
            unavailable = task.available()
            if unavailable:
                results.append(TaskResult(status=NOT_AVAILABLE, error=unavailable, **base))
                continue
            if task.needs_units and skip_error:
                results.append(TaskResult(status=FAILED, error=skip_error, **base))
                continue
            if task.needs_units and skip:
                results.append(TaskResult(status=SKIPPED, error=skip, **base))
                continue
            t0 = time.perf_counter()
            try:
                output = task.func(ctx)
            except Exception as exc:
                log.warning(
                    "%s/%s failed on %s: %s\n%s",
                    spec.name,
                    task.name,
                    worker,
                    _describe(exc),
                    traceback.format_exc(),
                )
                results.append(
                    TaskResult(
                        status=FAILED,
                        error=_describe(exc),
                        seconds=time.perf_counter() - t0,
                        **base,
                    )
                )
                continue
            results.append(
                TaskResult(
                    status=DONE,
                    seconds=time.perf_counter() - t0,
                    tables=dict(output.tables),
                    files=dict(output.files),
                    **base,
                )
            )
            log.info("%s/%s done on %s", spec.name, task.name, worker)
    return results
