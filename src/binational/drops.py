"""An explicit record of every input record that did not make it into an output table.

Loaders take ``report=`` (a :class:`DropReport`) and add one row per dropped or flagged record
with a machine-readable reason, so that nothing is lost silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from ._log import get_logger
from .schema import DROP_COLUMNS

log = get_logger(__name__)

# Reasons used across the package (free text is allowed in ``detail``).
NO_ATTRIBUTES = "no_attributes"  # polygon without a row in the attribute table
NO_GEOMETRY = "no_geometry"  # attribute row without a polygon
EMPTY_GEOMETRY = "empty_geometry"
INVALID_GEOMETRY = "invalid_geometry"
OUTSIDE_REGION = "outside_region"
SUMMARY_ROW = "summary_row"  # e.g. RESAGEBURB block/locality/municipio rows
DUPLICATE = "duplicate"
ZERO_POPULATION = "zero_population_flagged"  # kept in the table, flagged
SUPPRESSED = "suppressed_values_flagged"  # kept, flagged
REPAIRED = "geometry_repaired"  # kept, repaired with make_valid


@dataclass
class DropReport:
    """Rows of (layer, id, reason, detail) for records dropped or flagged by a loader."""

    rows: list[tuple[str, str, str, str]] = field(default_factory=list)

    def add(self, layer: str, ids: Iterable, reason: str, detail: str = "") -> None:
        """Record each id in ``ids`` as dropped/flagged from ``layer`` for ``reason``."""
        ids = [str(i) for i in ids]
        if not ids:
            return
        self.rows.extend((layer, i, reason, detail) for i in ids)
        log.info("%s: %d record(s) %s%s", layer, len(ids), reason, f" ({detail})" if detail else "")

    def extend(self, other: DropReport) -> None:
        self.rows.extend(other.rows)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=list(DROP_COLUMNS))

    def summary(self) -> pd.DataFrame:
        """Counts by layer and reason."""
        df = self.to_frame()
        return df.groupby(["layer", "reason"]).size().rename("n").reset_index()

    def __len__(self) -> int:
        return len(self.rows)
