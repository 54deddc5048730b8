"""Names the command line needs without importing pandas or Dask."""

from __future__ import annotations

#: Tasks a batch runs unless told otherwise.
DEFAULT_TASKS = ("load", "concentration", "catchments", "report")
