"""Border-wide batches: the per-region work of many regions as Dask tasks.

:func:`run_batch` sends one task per region (:func:`binational.scale.tasks.run_region`) to a
Dask cluster — a local one it starts, a scheduler address, or a Client you pass — gathers them
with ``as_completed`` and writes each region's results as soon as it arrives (atomically, see
:mod:`binational.scale.results`). The workers compute; the client writes, so the output folder
need only exist where the batch is started, while the data folder must be readable by every
worker.

Failures do not stop a batch: a task that raises, a region whose data is missing and a worker
that dies (Dask reschedules its region; after ``retries`` deaths the region is reported as
failed) each end up as rows of the manifest. A re-run with ``resume=True`` reuses every task
already done with the same parameters.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import settings
from .._defaults import COMMUTER
from .._log import get_logger
from ..errors import BatchError
from ..regions import RegionSpec, get_region, list_regions
from . import results as res
from .tasks import DEFAULT_TASKS, BatchConfig, Task, TaskResult, get_task, run_region

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["BatchResult", "run_batch"]

log = get_logger(__name__)

SERIAL = ("serial", "none", "sync")


@dataclass
class BatchResult:
    """What a batch did and where its results are.

    Attributes
    ----------
    out_dir
        Output folder (layout in :mod:`binational.scale.results`).
    manifest
        One row per (region, task): status (done / failed / skipped / not_available), error or
        skip reason, seconds, worker, whether the result was reused from an earlier run.
    regions
        Region names of the batch, in the order given.
    seconds
        Wall time of the whole batch.
    """

    out_dir: Path
    manifest: pd.DataFrame
    regions: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def table(self, name: str) -> pd.DataFrame:
        """One result table over all regions of the batch, with a ``region`` column.

        The same table a single-machine loop builds with
        ``pd.concat([results.with_region(t, name) for ...])``.
        """
        return res.gather_table(self.out_dir, name, self.regions)

    def status(self, status: str) -> pd.DataFrame:
        """Manifest rows with one status, e.g. ``result.status("failed")``."""
        return self.manifest[self.manifest["status"] == status]

    @property
    def failures(self) -> pd.DataFrame:
        """Manifest rows of failed tasks."""
        return self.status(res.FAILED)

    @property
    def ok(self) -> bool:
        """True if no task failed (skipped and unavailable tasks are not failures)."""
        return self.failures.empty


def run_batch(
    regions: Iterable[str | RegionSpec] | None = None,
    *,
    out_dir: str | os.PathLike,
    scheduler: str | Client = "local",
    tasks: Sequence[str | Task] = DEFAULT_TASKS,
    seed: int = 0,
    permutations: int = 999,
    minutes: Sequence[int] = COMMUTER.minutes,
    hour: int = COMMUTER.hour,
    network: bool = True,
    require_both_sides: bool = True,
    grid_size: float = 1000.0,
    task_options: Mapping[str, Mapping[str, Any]] | None = None,
    n_workers: int | None = None,
    threads_per_worker: int = 1,
    data_dir: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
    resume: bool = True,
    retries: int = 3,
) -> BatchResult:
    """Run the per-region tasks of many regions on Dask and write their results per region.

    Parameters
    ----------
    regions
        Region names or specs; default every known preset (``regions.toml`` and
        ``twin_cities.toml``). Specs are sent to the workers, so regions registered only in
        this process work too.
    out_dir
        Output folder (created). Results are written per region as they complete.
    scheduler
        ``"local"``: start a ``LocalCluster`` of ``n_workers`` processes for this batch;
        ``"serial"``: no Dask, one region after another in this process (the single-machine
        path); an address such as ``"tcp://10.0.0.5:8786"``: connect to that scheduler; or a
        ``distributed.Client`` (left open).
    tasks
        Task names (see :mod:`binational.scale.tasks`) or :class:`~binational.scale.tasks.Task`
        objects, run in this order for each region (``load`` first when given).
    seed, permutations
        Seed and number of permutations of all inference: identical values for the same seed,
        whatever the scheduler or the number of workers.
    minutes, hour
        Catchment bands and hour of day (default the commuter conditions,
        :data:`binational._defaults.COMMUTER`: 30–180 min at 7 am; the lane is the commuter
        lane mix unless ``task_options={"catchments": {"lane": ...}}``).
    network
        Load road networks where a region has one.
    require_both_sides
        Skip (with the reason) a region whose data folder lacks census units on either side.
    grid_size
        Cell size in metres of the ``grid`` task.
    task_options
        Extra keyword arguments per task name.
    n_workers, threads_per_worker
        Size of the local cluster (default: one worker per core).
    data_dir
        Data folder as the workers see it (default: ``binational.settings.data_dir`` of this
        process; on a remote cluster pass the path valid on the workers, or None there to let
        each worker use its own ``BINATIONAL_DATA_DIR``).
    cache_dir
        Cache folder for the workers (default: this process's ``settings.cache_dir`` for a
        local cluster or serial run; each worker's own default on a remote cluster).
    resume
        Reuse tasks already done in ``out_dir`` with the same parameters.
    retries
        How many times a region is re-run after its worker died (local clusters: the
        scheduler's ``allowed-failures``; remote clusters use their own setting) and after an
        error outside the task functions.

    Returns
    -------
    BatchResult

    Raises
    ------
    binational.errors.BatchError
        If the batch cannot run at all (no Dask installed, scheduler unreachable, bad task
        name); failures of single regions are reported in the manifest instead.
    """
    t_start = time.perf_counter()
    specs = _specs(regions)
    task_list = _task_list(tasks)
    out = Path(out_dir)
    res._mkdir(out)
    remote = _is_remote(scheduler)
    config = BatchConfig(
        data_dir=_path_or_none(data_dir if data_dir is not None else settings.data_dir),
        cache_dir=_path_or_none(
            cache_dir if cache_dir is not None else (None if remote else settings.cache_dir)
        ),
        seed=int(seed),
        permutations=int(permutations),
        minutes=tuple(int(m) for m in minutes),
        hour=int(hour),
        network=bool(network),
        require_both_sides=bool(require_both_sides),
        grid_size=float(grid_size),
        options={k: dict(v) for k, v in (task_options or {}).items()},
    )
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    todo: list[tuple[RegionSpec, list[Task]]] = []
    for spec in specs:
        needed = []
        for task in task_list:
            done = (
                res.is_complete(out, spec.name, task.name, task.param_values(config))
                if resume
                else None
            )
            if done is not None:
                rows[spec.name, task.name] = {**_reused_row(done), "resumed": True}
            else:
                needed.append(task)
        if needed:
            todo.append((spec, needed))
    order = [(s.name, t.name) for s in specs for t in task_list]

    def record(results: list[TaskResult]) -> None:
        for result in results:
            try:
                res.write_task_result(out, result)
            except Exception as exc:  # the result could not be stored: report, go on
                log.error("%s/%s: result not written: %s", result.region, result.task, exc)
                result = dataclasses.replace(
                    result, status=res.FAILED, error=f"result not written: {exc}", tables={}
                )
                res.write_task_result(out, result)
            rows[result.region, result.task] = result.record()
        res.write_manifest(out, [rows[k] for k in order if k in rows])

    log.info(
        "batch: %d regions (%d to run), tasks %s, scheduler %s",
        len(specs),
        len(todo),
        [t.name for t in task_list],
        scheduler if isinstance(scheduler, str) else "client",
    )
    if todo:
        if isinstance(scheduler, str) and scheduler in SERIAL:
            _run_serial(todo, config, record)
        else:
            with _client(scheduler, n_workers, threads_per_worker, retries) as client:
                _run_dask(client, todo, config, record, retries=retries)
    manifest = res.write_manifest(out, [rows[k] for k in order if k in rows])
    return BatchResult(
        out_dir=out,
        manifest=manifest,
        regions=[s.name for s in specs],
        seconds=time.perf_counter() - t_start,
    )


def _specs(regions: Iterable[str | RegionSpec] | None) -> list[RegionSpec]:
    names = list_regions() if regions is None else list(regions)
    specs = [get_region(r) for r in names]
    seen: set[str] = set()
    unique = []
    for spec in specs:
        if spec.name not in seen:
            seen.add(spec.name)
            unique.append(spec)
    if not unique:
        raise BatchError("no regions to run")
    return unique


def _task_list(tasks: Sequence[str | Task]) -> list[Task]:
    if isinstance(tasks, (str, Task)):
        tasks = [tasks]
    try:
        task_list = [get_task(t) for t in tasks]
    except Exception as exc:
        raise BatchError(str(exc)) from exc
    if not task_list:
        raise BatchError("no tasks to run")
    names = [t.name for t in task_list]
    if len(set(names)) != len(names):
        raise BatchError(f"task names repeat: {names}")
    # load first: the later tasks reuse the region it loaded
    return sorted(task_list, key=lambda t: t.name != "load")


def _is_remote(scheduler: str | Client) -> bool:
    """True unless the workers share this machine (serial, "local" or a LocalCluster client)."""
    if isinstance(scheduler, str):
        return not (scheduler == "local" or scheduler in SERIAL)
    try:
        from distributed import LocalCluster

        return not isinstance(getattr(scheduler, "cluster", None), LocalCluster)
    except ImportError:  # pragma: no cover
        return True


def _path_or_none(value: str | os.PathLike | None) -> str | None:
    return os.fspath(value) if value is not None else None


def _reused_row(status: Mapping[str, Any]) -> dict[str, Any]:
    row = {k: status.get(k, "") for k in res.MANIFEST_COLUMNS}
    row["tables"] = ";".join(status.get("tables", []))
    return row


def _failed(spec: RegionSpec, tasks: Sequence[Task], error: str, config: BatchConfig):
    return [
        TaskResult(
            region=spec.name,
            task=t.name,
            status=res.FAILED,
            error=error,
            params=t.param_values(config),
        )
        for t in tasks
    ]


def _run_serial(todo, config: BatchConfig, record) -> None:
    for spec, tasks in _progress(todo, total=len(todo)):
        record(run_region(spec, tasks, config))


@contextlib.contextmanager
def _client(
    scheduler: str | Client, n_workers: int | None, threads: int, retries: int
) -> Iterator[Client]:
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - dask is a declared extra
        raise BatchError(
            "Dask is not installed: pip install 'binational[dask]' (or use scheduler='serial')"
        ) from exc
    if isinstance(scheduler, Client):
        yield scheduler
        return
    if scheduler == "local":
        with dask.config.set({"distributed.scheduler.allowed-failures": int(retries)}):
            cluster = LocalCluster(
                n_workers=n_workers or os.cpu_count() or 1,
                threads_per_worker=threads,
                processes=True,
                dashboard_address=":0",
            )
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = Client(scheduler, timeout=settings.timeout)
    except (OSError, TimeoutError) as exc:
        raise BatchError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
    try:
        yield client
    finally:
        client.close()


def _run_dask(client: Client, todo, config: BatchConfig, record, *, retries: int) -> None:
    from distributed import as_completed

    futures = {}
    for spec, tasks in todo:
        future = client.submit(
            run_region,
            spec,
            tasks,
            config,
            key=f"binational-region-{spec.name}-{os.urandom(4).hex()}",
            pure=False,
            retries=retries,
        )
        futures[future] = (spec, tasks)
    for future in _progress(as_completed(futures), total=len(futures)):
        spec, tasks = futures[future]
        try:
            results = future.result()
        except Exception as exc:
            name = type(exc).__name__
            if name == "KilledWorker":
                error = (
                    "KilledWorker: every worker that ran this region died; Dask gave up after "
                    f"the scheduler's allowed failures ({exc})"
                )
            else:
                error = f"{name}: {exc}"
            log.error("%s: %s", spec.name, error)
            results = _failed(spec, tasks, error, config)
        finally:
            future.release()
        record(results)


def _progress(iterable, *, total: int):
    if not settings.progress:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc="regions", unit="region")
