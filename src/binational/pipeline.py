"""The report pipeline's analyses beyond concentration and catchments.

The command line (``binational report``) and the Dask report task run these, then hand the
results to :func:`binational.render.report.build_report` as ``results=``: render draws, it
does not fit models. Each step that cannot run (no survey for the region, no RESAGEBURB file)
is left out with its reason in the returned ``missing`` mapping, never silently.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from ._progress import step
from .errors import BinationalError

__all__ = [
    "COMMUTING_FILES",
    "commuting_inputs",
    "commuting_results",
    "groups_results",
    "report_results",
]

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


def _root(data_dir: str | os.PathLike | None) -> Path | None:
    from .settings import resolve_data_dir

    try:
        return resolve_data_dir(data_dir)
    except BinationalError:
        return None


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
    from .io import lanes as io_lanes
    from .io.survey import read_od_survey, read_zone_centroids

    volumes = io_lanes.read_sandag_observed_volumes(paths["observed"])
    rates = io_lanes.read_poe_rates(paths["rates"])
    return {
        "survey": read_od_survey(paths["survey"]),
        "zones": read_zone_centroids(paths["zones"]),
        "lanes": io_lanes.port_lanes(
            io_lanes.read_port_configurations(paths["configs"]),
            io_lanes.read_bwt_lanes(paths["bwt"]),
        ),
        "volumes": volumes,
        "rates": rates,
        "booths": io_lanes.booths_open(volumes, rates),
    }


def commuting_results(region, *, data_dir: str | os.PathLike | None = None) -> dict:
    """Fit the port-and-lane commuting model of ``region`` and run the Otay Mesa East scenario.

    Parameters
    ----------
    region
        A loaded :class:`binational.Region` (with its road network where there is one).
    data_dir
        Data folder holding the SANDAG survey and zones (default: ``settings.data_dir``).

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
    from . import schema
    from .catchments import OTAY_MESA_EAST
    from .commuting import CommutingScenario, commuting, pedestrian_check
    from .commuting.scenario import run_scenario
    from .commuting.timetax import occupancy, person_hours_waiting
    from .errors import DataSourceError
    from .io.survey import SURVEY_PORTS

    root = _root(data_dir)
    if root is None:
        raise DataSourceError("no data folder: set BINATIONAL_DATA_DIR or pass data_dir")
    ports = set(region.ports[schema.PORT_CODE].astype(int)) if region.ports is not None else set()
    if not ports & set(SURVEY_PORTS.values()):
        raise DataSourceError(
            "the SANDAG 2017 cross-border survey covers San Ysidro and Otay Mesa only; "
            f"region {region.spec.name!r} has none of its ports"
        )
    paths = {k: root / v for k, v in COMMUTING_FILES.items()}
    survey_file = region.spec.file("od_survey", root)  # the preset's own survey file, if any
    if survey_file is not None:
        paths["survey"] = survey_file
    absent = [str(p) for p in paths.values() if not p.exists()]
    if absent:
        raise DataSourceError(f"commuting model input(s) not found: {', '.join(absent)}")
    inputs = commuting_inputs(paths)
    volumes = inputs["volumes"]
    result = commuting(
        region,
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


def groups_results(
    region,
    *,
    permutations: int = 199,
    seed: int = 0,
    data_dir: str | os.PathLike | None = None,
    context: bool = True,
) -> dict:
    """Named groups of ``region`` on each side, with what the report's groups section shows.

    ``context=False`` leaves out the socio-economic context (the report has its own section
    for it).

    Parameters
    ----------
    region
        A loaded :class:`binational.Region`.
    permutations
        Permutations of the index tests.
    seed
        Random seed of the tests.
    data_dir
        Data folder of the INEGI ITER composition table (default: ``settings.data_dir``).
    context
        Include the socio-economic context.

    Returns
    -------
    dict
        Keyword arguments of :func:`binational.render.groups_section.groups_section`:
        ``profile``, ``multiscalar``, ``iter_composition``, ``context``, ``comparison``.
    """
    from .concentration.multiscalar import multiscalar_profile
    from .concentration.named import (
        binational_comparison,
        named_group_profile,
        socioeconomic_context,
    )
    from .groups import denominator
    from .io.mx_census import iter_composition, read_iter

    units = region.units
    profile = named_group_profile(region, permutations=permutations, seed=seed)
    multiscalar = None
    if "hispanic" in units.columns:
        multiscalar = multiscalar_profile(
            units, group="hispanic", total=denominator("hispanic", units.columns)
        )
    composition = None
    root = _root(data_dir)
    iter_path = region.spec.file("mx_iter", root) if root is not None else None
    if iter_path is not None and Path(iter_path).exists():
        composition = iter_composition(read_iter(iter_path, municipios=region.spec.mx_municipios))
    mx_groups = [g for g in ("born_elsewhere",) if g in units.columns]
    comparison = binational_comparison(
        units,
        us_group="hispanic",
        mx_group=mx_groups[0] if mx_groups else "born_elsewhere",
        profile=profile,
        seed=seed,
    )
    return {
        "profile": profile,
        "multiscalar": multiscalar,
        "iter_composition": composition,
        "context": socioeconomic_context(units, seed=seed) if context else None,
        "comparison": comparison,
    }


def report_results(
    region,
    *,
    permutations: int = 199,
    seed: int = 0,
    data_dir: str | os.PathLike | None = None,
    commuting: bool = True,
    groups: bool = True,
) -> tuple[dict, dict[str, str]]:
    """Run the commuting model and the named-group profile for a report.

    Parameters
    ----------
    region
        A loaded :class:`binational.Region`.
    permutations
        Permutations of the named-group index tests.
    seed
        Random seed of the tests.
    data_dir
        Data folder of the survey and census files (default: ``settings.data_dir``).
    commuting, groups
        Run the commuting model / the named-group profile.

    Returns
    -------
    results, missing
        ``results`` has ``"commuting"`` and ``"groups"`` where they could be computed (pass it
        to ``build_report(results=...)``); ``missing`` maps each left-out step to its reason.
    """
    results: dict = {}
    missing: dict[str, str] = {}
    steps = [
        (
            "groups",
            groups,
            lambda: groups_results(
                region, permutations=permutations, seed=seed, data_dir=data_dir, context=False
            ),
        ),
        ("commuting", commuting, lambda: commuting_results(region, data_dir=data_dir)),
    ]
    for name, wanted, run in steps:
        if not wanted:
            continue
        try:
            with step(f"report analysis {name}"):
                results[name] = run()
        except BinationalError as exc:
            missing[name] = f"{name} could not be computed: {exc}"
    return results, missing


def default_wait_fallback(region, asked=None) -> tuple[object, str | None]:
    """The wait fallback a command uses for ``region``, and the note that says so.

    A region with no wait-time data at all (a user's twin city, a region whose CBP feed is not
    in the data folder) still gets catchments: the border wait is taken as 0 minutes and the
    note says so, so that the figures are never read as wait-included. A fallback the user
    asked for is used as is.

    Parameters
    ----------
    region : binational.units.Region
        The loaded region.
    asked : str, int or None
        The user's ``wait_fallback`` (None: not asked).

    Returns
    -------
    tuple
        ``(fallback, note)``: the value for ``catchments(wait_fallback=...)`` and a note (None
        when nothing was assumed).
    """
    if asked is not None:
        return asked, None
    waits = getattr(region, "waits", None)
    if waits is not None and len(waits):
        return None, None
    reason = getattr(region, "missing", {}).get("waits", "no wait table")
    return (
        "zero",
        f"no wait-time data for this region ({reason}): the border wait is taken as 0 minutes",
    )
