"""Periods of the day used to aggregate the survey and to hold periods out.

Hours are clock hours 0–23 (hour 7 = 07:00–08:00). The three commuting periods named in the
issue plus the rest of the day, so that every surveyed trip belongs to one period:

=============  ===============  =====================================================
period         hours            label (en / es)
=============  ===============  =====================================================
``am_peak``    05:00–09:00      AM peak / Hora pico matutina
``midday``     09:00–15:00      Midday / Mediodía
``pm_peak``    15:00–19:00      PM peak / Hora pico vespertina
``night``      19:00–05:00      Evening and night / Tarde-noche y madrugada
=============  ===============  =====================================================
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..errors import SchemaError

__all__ = ["PERIODS", "PERIOD_LABELS", "period_of"]

PERIODS: Mapping[str, tuple[int, ...]] = {
    "am_peak": (5, 6, 7, 8),
    "midday": (9, 10, 11, 12, 13, 14),
    "pm_peak": (15, 16, 17, 18),
    "night": (19, 20, 21, 22, 23, 0, 1, 2, 3, 4),
}
PERIOD_LABELS = {
    "en": {
        "am_peak": "AM peak (05–09)",
        "midday": "Midday (09–15)",
        "pm_peak": "PM peak (15–19)",
        "night": "Evening and night (19–05)",
    },
    "es": {
        "am_peak": "Hora pico matutina (05–09)",
        "midday": "Mediodía (09–15)",
        "pm_peak": "Hora pico vespertina (15–19)",
        "night": "Tarde-noche y madrugada (19–05)",
    },
}


def period_of(hours, periods: Mapping[str, tuple[int, ...]] = PERIODS) -> np.ndarray:
    """Period name of each hour (0–23); every hour must belong to exactly one period.

    Parameters
    ----------
    hours
        Hours of day (array-like).
    periods
        Period name → hours.

    Returns
    -------
    numpy.ndarray
        Period name of each hour.
    """
    lookup: dict[int, str] = {}
    for name, hs in periods.items():
        for h in hs:
            if int(h) in lookup:
                raise SchemaError(f"hour {h} is in periods {lookup[int(h)]!r} and {name!r}")
            lookup[int(h)] = name
    hours = np.asarray(hours, dtype=int)
    missing = sorted(set(hours.tolist()) - set(lookup))
    if missing:
        raise SchemaError(f"hour(s) {missing} belong to no period of {list(periods)}")
    return np.array([lookup[h] for h in hours.tolist()], dtype=object)
