"""``commuting(region, survey=...)``: fit the port × lane choice model and apply it to every unit."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from .. import schema
from .._log import get_logger
from ..drops import DropReport
from ..errors import SchemaError
from ..io.lanes import check_lanes
from .cells import _reachable, observed_cells, trip_cells, zone_units
from .choiceset import _lanes_open_grid, _options, _purpose_design, _wait_grid, _weights
from .design import PortMinutes, port_minutes
from .estimate import _fit_purpose, _share_se
from .expectations import _per_unit
from .options import CommutingOptions
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
    lanes: pd.DataFrame | None = None,
    lanes_open: pd.DataFrame | None = None,
    options: CommutingOptions | None = None,
    report: DropReport | None = None,
    **flat,
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
        Explicit inputs. ``network`` may be the
        :class:`~binational.catchments.graph.SparseGraph` of
        :func:`binational.catchments.routing_graph`, shared with ``catchments`` (it is used as
        given, and kept in ``result.port_minutes.graph`` for
        :func:`~binational.commuting.run_scenario`).
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
    options
        Options of every step (:class:`~binational.commuting.options.CommutingOptions`): the
        fit (purposes, periods, likelihood, wait sign, ...), the lane waits and the travel
        times.
    report
        Receives units without weight and filled waits.
    **flat
        Any option by its flat name (``purposes=("HBW",)``, ``method="straight-line"``,
        ``hour=8``, ``wait_fill="nearest"``, ...:
        :data:`~binational.commuting.options.FLAT_KEYWORDS`), applied over ``options``.

    Returns
    -------
    CommutingResult

    Raises
    ------
    TypeError
        For a flat keyword that is no option.
    """
    opts = (options if options is not None else CommutingOptions()).replace(**flat)
    report = report if report is not None else DropReport()
    units, ports, network, waits = _inputs(region, units, ports, network, waits)
    prep = _prepare(survey, zones, units, ports, network, waits, lanes, lanes_open, opts, report)
    fits = _fit_purposes(survey, units, prep, opts, report)
    out, tax = _per_unit(
        units,
        prep.pm,
        fits.designs[opts.unit_purpose],
        fits.models[opts.unit_purpose],
        hour=opts.hour,
        separate_wait=opts.fit.separate_wait,
    )
    out["method"] = prep.pm.method
    result = CommutingResult(
        fit_table=fits.fit_table,
        parameters=fits.parameters,
        heldout_parameters=fits.heldout_parameters,
        units=out,
        time_tax=tax,
        waits=prep.wait_grid.assign(direction=opts.direction),
        observed=prep.cells,
        models=fits.models,
        designs=fits.designs,
        port_minutes=prep.pm,
        method=prep.pm.method,
        params=_params_out(opts, prep, lanes_open_term=lanes_open is not None),
        report=report,
        inputs={
            "units": units,
            "ports": ports,
            "network": network,
            "waits": waits,
            "names": prep.names,
        },
    )
    log.info("%r", result)
    return result


@dataclass(frozen=True)
class _Prepared:
    """What every purpose's fit shares: survey cells, options, waits, minutes, weights."""

    cells: pd.DataFrame
    options: pd.DataFrame
    wait_arr: object
    wait_grid: pd.DataFrame
    pm: PortMinutes
    names: dict
    size: dict
    ow: object
    open_arr: object
    zone_unit: object


def _prepare(
    survey, zones, units, ports, network, waits, lanes, lanes_open, opts, report
) -> _Prepared:
    """Check the options against the survey, then build what every purpose's fit shares."""
    fit, direction = opts.fit, opts.direction
    if not 0 <= int(opts.hour) <= 23:
        raise SchemaError(f"hour {opts.hour} must be 0-23")
    cells = observed_cells(survey, direction=direction, periods=fit.periods)
    unknown = sorted(set(fit.purposes) - set(cells["purpose"]))
    if unknown:
        raise SchemaError(
            f"purpose(s) {unknown} not in the survey ({sorted(set(cells['purpose']))})"
        )
    if opts.unit_purpose not in fit.purposes:
        raise SchemaError(
            f"unit_purpose {opts.unit_purpose!r} is not among purposes {list(fit.purposes)}"
        )
    options = _options(cells)
    if lanes is not None:
        check_lanes(
            lanes, zip(options[schema.PORT_CODE], options["lane"], strict=True), direction=direction
        )
    wait_arr, wait_grid = _wait_grid(
        waits,
        options,
        direction=direction,
        weekday=opts.waits.weekday,
        precedence=opts.waits.precedence,
        wait_fill=opts.waits.fill,
        fixed=None,
        report=report,
    )
    travel = opts.travel
    pm = port_minutes(
        units,
        ports,
        network=network,
        direction=direction,
        method=travel.method,
        circuity=travel.circuity,
        speed_kph=travel.speed_kph,
        walk_kph=travel.walk_kph,
        access_speed_kph=travel.access_speed_kph,
        max_snap_m=travel.max_snap_m,
        report=report,
    )
    names = {}
    if ports is not None and "name" in ports.columns:
        names = dict(
            zip(ports[schema.PORT_CODE].astype(int), ports["name"].astype(str), strict=False)
        )
    return _Prepared(
        cells=cells,
        options=options,
        wait_arr=wait_arr,
        wait_grid=wait_grid,
        pm=pm,
        names=names,
        size={**DEFAULT_SIZE, **dict(fit.size or {})},
        ow=_weights(units, pm.origin_index, fit.origin_weight, "origin weight", report),
        open_arr=None if lanes_open is None else _lanes_open_grid(lanes_open, options, direction),
        zone_unit=zone_units(zones, units, max_snap_m=opts.zone_snap_m, report=report),
    )


@dataclass(frozen=True)
class _Fits:
    """The fits of every purpose: tables, full-sample models and their designs."""

    fit_table: pd.DataFrame
    parameters: pd.DataFrame
    heldout_parameters: pd.DataFrame
    models: dict
    designs: dict


def _fit_purposes(survey, units, prep: _Prepared, opts, report) -> _Fits:
    """Fit one model per purpose (each period held out in turn) on the survey's trip cells."""
    fit, direction = opts.fit, opts.direction
    models, designs, fit_rows, params, held_params = {}, {}, [], [], []
    for purpose in fit.purposes:
        design = _purpose_design(
            units,
            prep.pm,
            prep.options,
            purpose=purpose,
            size=prep.size,
            ow=prep.ow,
            wait_arr=prep.wait_arr,
            open_arr=prep.open_arr,
            port_capacity=fit.port_capacity,
            report=report,
        )
        tc = trip_cells(
            survey,
            prep.zone_unit,
            prep.pm,
            prep.options,
            purpose=purpose,
            direction=direction,
            report=report,
        )
        tc = _reachable(tc, design, purpose=purpose, method=prep.pm.method, report=report)
        full, rows, held, fitted = _fit_purpose(
            design,
            tc,
            purpose=purpose,
            periods=fit.periods,
            names=prep.names,
            likelihood=fit.likelihood,
            separate_wait=fit.separate_wait,
            wait_sign=fit.wait_sign,
            fixed=fit.fixed,
        )
        models[purpose], designs[purpose] = full, design
        params.append(rows)
        held_params += held
        fit_rows += fitted
    fit_table = pd.DataFrame(fit_rows)
    fit_table.insert(0, "direction", direction)
    fit_table["observed_share_se"] = _share_se(survey, fit_table, direction, fit.periods)
    return _Fits(
        fit_table=fit_table,
        parameters=pd.concat(params, ignore_index=True),
        heldout_parameters=pd.concat(held_params, ignore_index=True)
        if held_params
        else pd.DataFrame(),
        models=models,
        designs=designs,
    )


def _params_out(opts: CommutingOptions, prep: _Prepared, *, lanes_open_term: bool) -> dict:
    """Every parameter of the run, flat (``result.params``: reports and file metadata)."""
    fit, waits, travel = opts.fit, opts.waits, opts.travel
    return {
        "direction": opts.direction,
        "purposes": list(fit.purposes),
        "periods": {k: list(v) for k, v in fit.periods.items()},
        "size": {p: prep.size.get(p, schema.POP_TOTAL) for p in fit.purposes},
        "origin_weight": fit.origin_weight,
        "weekday": str(waits.weekday),
        "wait_precedence": list(waits.precedence),
        "wait_fill": waits.fill,
        "likelihood": fit.likelihood,
        "separate_wait": fit.separate_wait,
        "lanes_open_term": lanes_open_term,
        "port_capacity_term": bool(fit.port_capacity and lanes_open_term),
        "wait_sign": fit.wait_sign,
        "fixed": dict(fit.fixed or {}),
        "zone_snap_m": opts.zone_snap_m,
        "hour": opts.hour,
        "unit_purpose": opts.unit_purpose,
        "method": prep.pm.method,
        "circuity": travel.circuity,
        "speed_kph": travel.speed_kph,
        "walk_kph": travel.walk_kph,
    }
