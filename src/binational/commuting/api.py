"""``commuting(region, survey=...)``: fit the port × lane choice model and apply it to every unit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import pandas as pd

from .. import schema
from .._log import get_logger
from ..catchments import straightline as sl
from ..drops import DropReport
from ..errors import SchemaError
from ..io.lanes import PRECEDENCE, check_lanes
from .cells import _reachable, observed_cells, trip_cells, zone_units
from .choiceset import _lanes_open_grid, _options, _purpose_design, _wait_grid, _weights
from .design import DEFAULT_WALK_KPH, port_minutes
from .estimate import _fit_purpose, _share_se
from .expectations import _per_unit
from .periods import PERIODS
from .result import CommutingResult

__all__ = ["DEFAULT_SIZE", "commuting"]

log = get_logger(__name__)

#: Size term of the destinations per purpose: workers (ACS, by residence: the only worker count
#: of the unit table) for work trips, population for the others. A purpose whose column is
#: missing from the unit table falls back to ``pop_total`` and the fallback is reported.
DEFAULT_SIZE = {"HBW": "workers", "HBO": schema.POP_TOTAL, "HBS": schema.POP_TOTAL}


def _inputs(region, units, ports, network, waits):
    if region is not None:
        units = units if units is not None else getattr(region, "units", None)
        ports = ports if ports is not None else getattr(region, "ports", None)
        network = network if network is not None else getattr(region, "network", None)
        waits = waits if waits is not None else getattr(region, "waits", None)
    if units is None:
        raise SchemaError("commuting needs a unit table: pass a region or units=")
    if waits is None:
        raise SchemaError("commuting needs a wait table: pass a region or waits=")
    units = units.reset_index(drop=True)
    if (
        ports is not None
        and ports.crs is not None
        and units.crs is not None
        and ports.crs != units.crs
    ):
        ports = ports.to_crs(units.crs)
    return units, ports, network, waits


def commuting(
    region=None,
    *,
    survey: pd.DataFrame,
    zones: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame | None = None,
    ports: gpd.GeoDataFrame | None = None,
    network=None,
    waits: pd.DataFrame | None = None,
    direction: str = "northbound",
    purposes: Sequence[str] = ("HBW", "HBO", "HBS"),
    periods: Mapping[str, tuple[int, ...]] = PERIODS,
    size: Mapping[str, str] | None = None,
    origin_weight: str = schema.POP_TOTAL,
    lanes: pd.DataFrame | None = None,
    lanes_open: pd.DataFrame | None = None,
    port_capacity: bool = False,
    weekday="weekdays",
    wait_precedence: Sequence[str] = PRECEDENCE,
    wait_fill: str = "nearest",
    likelihood: str = "joint",
    separate_wait: bool = True,
    wait_sign: str = "nonpositive",
    fixed: Mapping[str, float] | None = None,
    zone_snap_m: float = 5000.0,
    hour: int = 7,
    unit_purpose: str = "HBW",
    method: str = "auto",
    circuity: float = sl.DEFAULT_CIRCUITY,
    speed_kph: float = sl.DEFAULT_SPEED_KPH,
    walk_kph: float = DEFAULT_WALK_KPH,
    access_speed_kph: float | None = 15.0,
    max_snap_m: float = 2000.0,
    report: DropReport | None = None,
) -> CommutingResult:
    """Fit the port × lane choice model to the survey and apply it to every unit.

    Parameters
    ----------
    region
        A loaded region: its ``units``, ``ports``, ``waits`` and ``network`` are used unless
        given explicitly.
    survey
        :func:`binational.io.survey.read_od_survey` output (or a frame with its columns).
    zones
        Survey zone centroids (:func:`binational.io.survey.read_zone_centroids`): each trip is
        placed in the units its origin and destination zones lie in (``zone_snap_m``: nearest
        unit up to this distance; farther trips are left out and reported).
    units, ports, network, waits
        Explicit inputs.
    direction
        ``"northbound"`` (origins: Mexican units) or ``"southbound"``.
    purposes
        Survey purposes to fit, one model each.
    periods
        Periods of the day (:data:`binational.commuting.periods.PERIODS`); each is held out in
        turn.
    size
        Destination size column per purpose (default :data:`DEFAULT_SIZE`).
    origin_weight
        Origin trip weight column (default population).
    lanes
        Optional port-lane table (:func:`binational.io.lanes.port_lanes`): every option of the
        survey must be a lane the port has (else :class:`~binational.io.lanes.LaneError`).
    lanes_open
        Optional lanes open per ``port_code, lane, hour`` (e.g. SANDAG's 2017 observed data,
        :func:`binational.io.lanes.read_sandag_observed_volumes`, northbound rows): adds
        ``γ · ln(1 + lanes open)`` to the utility, the lane's availability at that hour (a
        lane with one booth open at night draws few travellers). Every option needs all 24
        hours (else :class:`~binational.io.lanes.LaneError`). The command line and the report
        pass :func:`binational.io.lanes.booths_open` of the CBP counts and SANDAG's 2017 booth
        schedule (:func:`~binational.io.lanes.read_poe_rates`): with the CBP counts alone the
        held-out PM-peak lane shares of work trips miss by 5.6 pp, with the mean of both
        sources by 3.8 pp (network times).
    port_capacity
        Also add ``γ_port · ln(1 + booths open at the port)`` (see
        :class:`~binational.commuting.model.ChoiceDesign`); off by default (on the 2017 survey
        its estimate is not distinguishable from 0).
    weekday, wait_precedence, wait_fill
        Waits (:func:`binational.io.lanes.lane_waits`, :func:`~binational.io.lanes.require_lane_waits`).
    likelihood
        ``"joint"`` (destination and option; default) or ``"conditional"`` (option given the
        observed destination), see :mod:`binational.commuting.fit`.
    separate_wait
        Separate coefficients for drive and wait minutes (default). With False, one
        coefficient of generalised time (drive + wait + drive).
    wait_sign
        ``"nonpositive"`` (default): a wait coefficient estimated above 0 is refitted at 0 and
        the unconstrained estimate is kept in ``parameters`` (``unconstrained_estimate``,
        ``unconstrained_se``). Hourly waits rise with the number of travellers (the queue is
        the demand), so on the 2017 survey without the lanes-open term the free estimate is
        positive (+0.020 per minute, SE 0.006, for work trips; with it, −0.005, SE 0.007): the
        survey barely identifies how travellers weigh the wait, and a positive weight would
        make a shorter queue repel travellers in scenarios.
        ``"free"``: keep the estimate whatever its sign.
    fixed
        Parameters held fixed in every fit (see :func:`~binational.commuting.fit.fit_choice`).
    hour, unit_purpose
        Hour and purpose of the per-unit columns of ``units``.
    method, circuity, speed_kph, walk_kph, access_speed_kph, max_snap_m
        Travel times (:func:`binational.commuting.design.port_minutes`).
    report
        Receives units without weight and filled waits.

    Returns
    -------
    CommutingResult
    """
    report = report if report is not None else DropReport()
    units, ports, network, waits = _inputs(region, units, ports, network, waits)
    if not 0 <= int(hour) <= 23:
        raise SchemaError(f"hour {hour} must be 0-23")
    cells = observed_cells(survey, direction=direction, periods=periods)
    unknown = sorted(set(purposes) - set(cells["purpose"]))
    if unknown:
        raise SchemaError(
            f"purpose(s) {unknown} not in the survey ({sorted(set(cells['purpose']))})"
        )
    if unit_purpose not in purposes:
        raise SchemaError(f"unit_purpose {unit_purpose!r} is not among purposes {list(purposes)}")
    options = _options(cells)
    if lanes is not None:
        check_lanes(
            lanes, zip(options[schema.PORT_CODE], options["lane"], strict=True), direction=direction
        )
    wait_arr, wait_grid = _wait_grid(
        waits,
        options,
        direction=direction,
        weekday=weekday,
        precedence=wait_precedence,
        wait_fill=wait_fill,
        fixed=None,
        report=report,
    )
    pm = port_minutes(
        units,
        ports,
        network=network,
        direction=direction,
        method=method,
        circuity=circuity,
        speed_kph=speed_kph,
        walk_kph=walk_kph,
        access_speed_kph=access_speed_kph,
        max_snap_m=max_snap_m,
        report=report,
    )
    names = {}
    if ports is not None and "name" in ports.columns:
        names = dict(
            zip(ports[schema.PORT_CODE].astype(int), ports["name"].astype(str), strict=False)
        )
    size = {**DEFAULT_SIZE, **dict(size or {})}
    ow = _weights(units, pm.origin_index, origin_weight, "origin weight", report)

    open_arr = None if lanes_open is None else _lanes_open_grid(lanes_open, options, direction)
    zone_unit = zone_units(zones, units, max_snap_m=zone_snap_m, report=report)
    models, designs, fit_rows, params, held_params = {}, {}, [], [], []
    for purpose in purposes:
        design = _purpose_design(
            units,
            pm,
            options,
            purpose=purpose,
            size=size,
            ow=ow,
            wait_arr=wait_arr,
            open_arr=open_arr,
            port_capacity=port_capacity,
            report=report,
        )
        tc = trip_cells(
            survey, zone_unit, pm, options, purpose=purpose, direction=direction, report=report
        )
        tc = _reachable(tc, design, purpose=purpose, method=pm.method, report=report)
        full, rows, held, fitted = _fit_purpose(
            design,
            tc,
            purpose=purpose,
            periods=periods,
            names=names,
            likelihood=likelihood,
            separate_wait=separate_wait,
            wait_sign=wait_sign,
            fixed=fixed,
        )
        models[purpose], designs[purpose] = full, design
        params.append(rows)
        held_params += held
        fit_rows += fitted
    fit_table = pd.DataFrame(fit_rows)
    fit_table.insert(0, "direction", direction)
    fit_table["observed_share_se"] = _share_se(survey, fit_table, direction, periods)

    # --- per unit ---------------------------------------------------------------------------
    out, tax = _per_unit(
        units,
        pm,
        designs[unit_purpose],
        models[unit_purpose],
        hour=hour,
        separate_wait=separate_wait,
    )
    out["method"] = pm.method
    wait_grid = wait_grid.assign(direction=direction)
    params_out = {
        "direction": direction,
        "purposes": list(purposes),
        "periods": {k: list(v) for k, v in periods.items()},
        "size": {p: size.get(p, schema.POP_TOTAL) for p in purposes},
        "origin_weight": origin_weight,
        "weekday": str(weekday),
        "wait_precedence": list(wait_precedence),
        "wait_fill": wait_fill,
        "likelihood": likelihood,
        "separate_wait": separate_wait,
        "lanes_open_term": lanes_open is not None,
        "port_capacity_term": bool(port_capacity and lanes_open is not None),
        "wait_sign": wait_sign,
        "fixed": dict(fixed or {}),
        "zone_snap_m": zone_snap_m,
        "hour": hour,
        "unit_purpose": unit_purpose,
        "method": pm.method,
        "circuity": circuity,
        "speed_kph": speed_kph,
        "walk_kph": walk_kph,
    }
    result = CommutingResult(
        fit_table=fit_table,
        parameters=pd.concat(params, ignore_index=True),
        heldout_parameters=pd.concat(held_params, ignore_index=True)
        if held_params
        else pd.DataFrame(),
        units=out,
        time_tax=tax,
        waits=wait_grid,
        observed=cells,
        models=models,
        designs=designs,
        port_minutes=pm,
        method=pm.method,
        params=params_out,
        report=report,
        inputs={"units": units, "ports": ports, "network": network, "waits": waits, "names": names},
    )
    log.info("%r", result)
    return result
