"""The commuting model of a report: its input files, the fit, the held-out table, the
pedestrian check, person-hours waiting and the Otay Mesa East scenario."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from ..errors import BinationalError
from ._files import _root

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

#: Files of the SANDAG SR-11/OME model the commuting model reads, relative to the data folder.
COMMUTING_FILES = {
    "survey": "crossings/sandag_ome_crossborder_od_survey_2017.csv",
    "zones": "osm/tijuana_sandiego_sr11_2017_network.gpkg",
    "observed": "crossings/sandag_ome_observed_hourly_volumes_waits_2017.csv",
    "configs": "crossings/sandag_ome_port_configurations.csv",
    "bwt": "crossings/cbp_bwt_us_mexico_crossings_2022-06-29.csv",
    "rates": "crossings/sandag_ome_poe_rates_2017_base.csv",
}


def commuting_inputs(paths) -> dict:
    """Read the commuting model's inputs from the files named in ``paths`` (keys of
    :data:`COMMUTING_FILES`).

    Parameters
    ----------
    paths
        ``{"survey": path, "zones": path, "lanes_sandag": path, ...}``: the files of
        :data:`COMMUTING_FILES`, by key.

    Returns
    -------
    dict
        ``survey`` (:func:`~binational.io.survey.read_od_survey`), ``zones``
        (:func:`~binational.io.survey.read_zone_centroids`), ``lanes`` (each port's lanes from
        the SANDAG configurations and the CBP snapshot), ``volumes`` (SANDAG observed hourly
        volumes and waits), ``rates`` (SANDAG's 2017 booth schedule and processing rates) and
        ``booths`` (booths open per lane and hour, the mean of the CBP counts and the schedule:
        :func:`~binational.io.lanes.booths_open`).
    """
    from ..io import lanes as io_lanes
    from ..io.survey import read_od_survey, read_zone_centroids

    volumes = io_lanes.read_sandag_observed_volumes(paths["observed"])
    rates = io_lanes.read_poe_rates(paths["rates"])
    return {
        "survey": _cached_read(read_od_survey, paths["survey"], kind="commuting:od_survey"),
        "zones": _cached_read(read_zone_centroids, paths["zones"], kind="commuting:zones"),
        "lanes": io_lanes.port_lanes(
            io_lanes.read_port_configurations(paths["configs"]),
            io_lanes.read_bwt_lanes(paths["bwt"]),
        ),
        "volumes": volumes,
        "rates": rates,
        "booths": io_lanes.booths_open(volumes, rates),
    }


def _cached_read(read, path, *, kind: str):
    """``read(path)`` through the parsed-table cache (:func:`binational._cache.cached_frame`).

    The zone centroids are a few thousand points of a 14 MB model network GeoPackage: parsing
    its node layer costs ~0.3 s at every report, its cached GeoParquet (same frame, same CRS)
    a few milliseconds. The key holds the file's checksum and the source of :mod:`binational.io`
    (and the schema), so an edited file or reader is parsed again.
    """
    from pathlib import Path

    from .._cache import cached_frame

    if not Path(path).is_file():  # the reader says what is wrong
        return read(path)
    return cached_frame([path], kind=kind, build=lambda: read(path), code=("io", "schema"))


def heldout_table(result) -> pd.DataFrame | None:
    """Held-out errors of every purpose of a fitted commuting model, stacked (for the report).

    Parameters
    ----------
    result : binational.commuting.CommutingResult
        The fitted model.

    Returns
    -------
    pandas.DataFrame or None
        :func:`binational.commuting.heldout_errors` of each purpose in its fit table, or None
        when there is none.
    """
    import pandas as pd

    from ..commuting import heldout_errors

    ft = getattr(result, "fit_table", None)
    if ft is None or not len(ft):
        return None
    parts = [heldout_errors(ft, purpose=p) for p in dict.fromkeys(ft["purpose"])]
    return pd.concat(parts, ignore_index=True)


def check_survey_ports(region) -> set[int]:
    """The region's port codes; a region that has none of the survey's ports is refused (the
    model could only fail later, on a wait of a port the region does not have).

    Raises
    ------
    DataSourceError
        The region has neither San Ysidro nor Otay Mesa.
    """
    from .. import schema
    from ..errors import DataSourceError
    from ..io.survey import SURVEY_PORTS

    ports = set(region.ports[schema.PORT_CODE].astype(int)) if region.ports is not None else set()
    if not ports & set(SURVEY_PORTS.values()):
        raise DataSourceError(
            "the SANDAG 2017 cross-border survey covers San Ysidro and Otay Mesa only; "
            f"region {region.spec.name!r} has none of its ports "
            f"({', '.join(map(str, sorted(ports))) or 'no ports'})"
        )
    return ports


def commuting_results(region, *, data_dir: str | os.PathLike | None = None, graph=None) -> dict:
    """Fit the port-and-lane commuting model of ``region`` and run the Otay Mesa East scenario.

    Parameters
    ----------
    region
        A loaded :class:`binational.Region` (with its road network where there is one).
    data_dir
        Data folder holding the SANDAG survey and zones (default: ``settings.data_dir``).
    graph
        The region's routing graph (:func:`binational.pipeline.analyses.region_routing_graph`),
        shared by the fit and the scenario instead of building one from ``region.network``;
        None: built once here (the scenario reuses it).

    Returns
    -------
    dict
        ``result`` (:class:`~binational.commuting.CommutingResult`), ``scenario`` and
        ``scenario_name`` (when the region has Otay Mesa), ``person_hours``, ``pedestrians``
        (:func:`~binational.commuting.pedestrian_check`, BTS 2017).

    Raises
    ------
    binational.errors.BinationalError
        The survey does not cover the region's ports, a file is missing or bad, or the fit
        fails; the caller reports it.
    """
    from ..errors import DataSourceError

    root = _root(data_dir)
    if root is None:
        raise DataSourceError("no data folder: set BINATIONAL_DATA_DIR or pass data_dir")
    ports = check_survey_ports(region)
    paths = {k: root / v for k, v in COMMUTING_FILES.items()}
    survey_file = region.spec.file("od_survey", root)  # the preset's own survey file, if any
    if survey_file is not None:
        paths["survey"] = survey_file
    absent = [str(p) for p in paths.values() if not p.exists()]
    if absent:
        raise DataSourceError(f"commuting model input(s) not found: {', '.join(absent)}")
    # the model's modules only now: a region the survey does not cover fails at once
    from ..catchments import OTAY_MESA_EAST
    from ..commuting import CommutingScenario, commuting, pedestrian_check
    from ..commuting.scenario import run_scenario
    from ..commuting.timetax import occupancy, person_hours_waiting

    inputs = commuting_inputs(paths)
    volumes = inputs["volumes"]
    result = commuting(
        region,
        network=graph,
        survey=inputs["survey"],
        zones=inputs["zones"],
        lanes=inputs["lanes"],
        lanes_open=inputs["booths"],
    )
    out: dict = {
        "result": result,
        "scenario": None,
        "scenario_name": None,
        "person_hours": None,
        "pedestrians": None,
        "heldout": heldout_table(result),
    }
    try:
        out["pedestrians"] = pedestrian_check(result, crossings=region.crossings, year=2017)
    except BinationalError as exc:
        log.warning("pedestrian check not computed: %s", exc)
    try:
        out["person_hours"] = person_hours_waiting(volumes, occupancy(region.crossings, year=2017))
    except BinationalError as exc:
        log.warning("person-hours waiting not computed: %s", exc)
    if 2506 in ports:
        out["scenario"] = run_scenario(
            result,
            CommutingScenario(name="otay-mesa-east", new_ports=(OTAY_MESA_EAST,)),
            purpose="HBW",
        )
        out["scenario_name"] = "Otay Mesa East"
    return out
