"""Border-wide runs on Dask: many regions in parallel, inference split over workers.

- :func:`run_batch` — the per-region work (load, concentration, catchments, report, ...) of many
  regions as Dask tasks, results written per region as they complete, a manifest of what was
  done, failed or skipped, and resume.
- :mod:`binational.scale.inference` — permutation/bootstrap null distributions of one large
  region computed in chunks across workers, identical for the same seed whatever the cluster.
- :mod:`binational.scale.spatial` — spatially partitioned joins and areal weighting with
  dask-geopandas (and the plain geopandas path it is measured against).

Dask (``dask[distributed]``, ``dask-geopandas``) is an optional dependency:
``pip install 'binational[dask]'``; ``run_batch(..., scheduler="serial")`` runs without it.
"""

from __future__ import annotations

import importlib

# imported on first use, so that ``binational.scale.tasks`` (the CLI's task names) stays light
_LAZY = {
    "BatchResult": "batch",
    "run_batch": "batch",
    "gather_table": "results",
    "read_manifest": "results",
    "stack_regions": "results",
    "with_region": "results",
    "DEFAULT_TASKS": "tasks",
    "TASKS": "tasks",
    "BatchConfig": "tasks",
    "RegionContext": "tasks",
    "Task": "tasks",
    "TaskOutput": "tasks",
    "register_task": "tasks",
}

__all__ = [
    "DEFAULT_TASKS",
    "TASKS",
    "BatchConfig",
    "BatchResult",
    "RegionContext",
    "Task",
    "TaskOutput",
    "gather_table",
    "read_manifest",
    "register_task",
    "run_batch",
    "stack_regions",
    "with_region",
]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
