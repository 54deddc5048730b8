"""Column names shared by every layer: the contract between loaders, analysis and renderers.

The binational unit table (what :func:`binational.load_region` returns as ``region.units``)
has one row per census unit of either country, in one projected CRS:

======================  =========================================================================
column                  meaning
======================  =========================================================================
``unit_id``             ``"US:<11-digit tract GEOID>"`` or ``"MX:<13-char AGEB CVEGEO>"``
``country``             ``"US"`` or ``"MX"``
``admin2``              county FIPS (5 digits) or municipio CVE (5 digits)
``name``                tract name / AGEB label
``pop_total``           total population (float; NaN where suppressed)
``<group>``             one column per population group count (``hispanic``, ``spanish_home``,
                        ``white_nh``, ``high_marginalization``, ``born_other_state``, ...)
``<col>_moe``           95 % margin of error where the source publishes one (ACS)
``flag_zero_pop``       True where the unit has zero population (kept, flagged)
``source``              product and vintage, e.g. ``"ACS 2020-2024 5-year / TIGER 2024"``
``geometry``            polygon in the region CRS
======================  =========================================================================
"""

from __future__ import annotations

UNIT_ID = "unit_id"
COUNTRY = "country"
ADMIN2 = "admin2"
NAME = "name"
POP_TOTAL = "pop_total"
SOURCE = "source"
FLAG_ZERO_POP = "flag_zero_pop"
MOE_SUFFIX = "_moe"

UNIT_COLUMNS = (UNIT_ID, COUNTRY, ADMIN2, NAME, POP_TOTAL, FLAG_ZERO_POP, SOURCE, "geometry")

US = "US"
MX = "MX"

# Ports registry (ports.csv) and derived GeoDataFrame
PORT_CODE = "port_code"

# Long crossing-volume table (BTS and bridge-level counts)
CROSSINGS_COLUMNS = ("port_code", "crossing", "month", "measure", "value", "source")

# Long wait-time table. `time` is a timestamp for series/snapshots; for historical averages
# `time` is NaT and (month, weekday, hour) describe the profile cell.
WAITS_COLUMNS = (
    "port_code",
    "crossing_id",
    "lane",
    "direction",
    "time",
    "month",
    "weekday",
    "hour",
    "minutes",
    "lanes_open",
    "source",
)
LANES = ("general", "sentri", "ready", "pedestrian", "pedestrian_ready", "commercial", "fast")
DIRECTIONS = ("northbound", "southbound")

# Drop report
DROP_COLUMNS = ("layer", "id", "reason", "detail")


def unit_id(country: str, code: str) -> str:
    """Build a unit id, e.g. ``unit_id("US", "06073000100") == "US:06073000100"``."""
    return f"{country}:{code}"
