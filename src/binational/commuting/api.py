"""``commuting(region, survey=...)``: fit the port × lane choice model and apply it to every unit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import schema
from .._log import get_logger
from ..catchments import straightline as sl
from ..catchments.cost import NewPort, Scenario
from ..drops import DropReport
from ..errors import SchemaError
from ..io.lanes import PRECEDENCE, LaneError, check_lanes, lane_waits, require_lane_waits
from .design import DEFAULT_WALK_KPH, PortMinutes, port_minutes
from .model import (
    ChoiceDesign,
    ChoiceFit,
    TripCells,
    conditional_probabilities,
    fit_choice,
    option_probabilities,
)
from .periods import PERIODS, period_of

__all__ = [
    "DEFAULT_SIZE",
    "CommutingResult",
    "CommutingScenario",
    "commuting",
    "observed_cells",
    "unit_expectations",
]

log = get_logger(__name__)

#: Size term of the destinations per purpose: workers (ACS, by residence: the only worker count
#: of the unit table) for work trips, population for the others. A purpose whose column is
#: missing from the unit table falls back to ``pop_total`` and the fallback is reported.
DEFAULT_SIZE = {"HBW": "workers", "HBO": schema.POP_TOTAL, "HBS": schema.POP_TOTAL}
NO_WEIGHT = "unit_without_weight"


@dataclass(frozen=True)
class CommutingScenario:
    """Changes to the base case, applied through the fitted model.

    Parameters
    ----------
    name
        Label.
    closed_ports
        Port codes closed (their options leave the choice set).
    closed_lanes
        ``(port_code, lane)`` options closed.
    new_ports
        Ports to add (:class:`binational.catchments.NewPort`, e.g. ``OTAY_MESA_EAST``).
    constants_from
        ``{new port code: existing port code}``: the new port gets the lanes and the fitted
        lane constants of that port (default for a new port: the first port of the choice set
        at the smallest straight-line distance).
    lane_waits
        ``{(port_code, lane): minutes}`` fixed waits (all hours; they do not respond to demand);
        a new port's lanes default to its ``NewPort.wait_minutes``.
    """

    name: str = "scenario"
    closed_ports: tuple[int, ...] = ()
    closed_lanes: tuple[tuple[int, str], ...] = ()
    new_ports: tuple[NewPort, ...] = ()
    constants_from: Mapping[int, int] = field(default_factory=dict)
    lane_waits: Mapping[tuple[int, str], float] = field(default_factory=dict)

    def catchments_scenario(self) -> Scenario:
        """The same closed and new ports as a :class:`binational.catchments.Scenario`."""
        return Scenario(name=self.name, closed=tuple(self.closed_ports), new_ports=self.new_ports)


@dataclass
class CommutingResult:
    """What :func:`commuting` returns.

    Attributes
    ----------
    fit_table
        ``direction, purpose, period, port_code, port_name, lane, observed_share,
        predicted_share, in_sample_share, observed_trips, records,
        predicted_share_origin_only, observed_share_se``: ``predicted_share`` is the held-out
        prediction (parameters fitted without that period) for the period's trips given their
        origin and destination units; ``predicted_share_origin_only`` the same given only their
        origins (destinations from the model); ``observed_share_se`` the sampling standard
        error of the observed share (Kish effective sample size of the period's records).
        Shares sum to 1 within purpose × period.
    parameters
        ``purpose, parameter, estimate, se, z, loglik, loglik_null, n_records, n_trips,
        converged`` of the fit on all periods.
    heldout_parameters
        The same for each held-out fit (``held_out`` = the period left out).
    units
        The unit table with, at ``hour``, for purpose ``unit_purpose``: ``p_<port>_<lane>``
        (origins: probability of the option; destinations: share of arriving trips),
        ``expected_minutes``, ``no_wait_minutes``, ``time_tax_minutes``, ``expected_wait``.
    time_tax
        Long table ``unit_id, country, role, hour, expected_minutes, no_wait_minutes,
        time_tax_minutes`` for every hour.
    waits
        The wait used per option and hour with its ``source``.
    observed
        Survey cells ``direction, purpose, hour, period, port_code, lane, trips, records``.
    models, designs
        Per purpose: the :class:`ChoiceFit` on all periods and the :class:`ChoiceDesign`.
    port_minutes
        Travel times between units and ports.
    method
        ``"network"`` or ``"straight-line"``.
    params, report
        Run parameters; units without a weight, filled waits and other notes.
    """

    fit_table: pd.DataFrame
    parameters: pd.DataFrame
    heldout_parameters: pd.DataFrame
    units: gpd.GeoDataFrame
    time_tax: pd.DataFrame
    waits: pd.DataFrame
    observed: pd.DataFrame
    models: dict
    designs: dict
    port_minutes: PortMinutes
    method: str
    params: dict = field(default_factory=dict)
    report: DropReport = field(default_factory=DropReport)
    inputs: dict = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        return (
            f"<CommutingResult {self.method}: purposes {list(self.models)}, "
            f"{len(self.designs[next(iter(self.designs))].options)} options, {len(self.units)} units>"
        )


# ---------------------------------------------------------------------------------------------
# survey cells


def observed_cells(
    survey: pd.DataFrame,
    *,
    direction: str = "northbound",
    periods: Mapping[str, tuple[int, ...]] = PERIODS,
) -> pd.DataFrame:
    """Trips and records per purpose, hour and option (``io.survey.read_od_survey`` output).

    Parameters
    ----------
    survey
        Survey trips (``direction, purpose, hour, port_code, lane, weight``).
    direction
        Direction of the trips kept.
    periods
        Period name → hours.

    Returns
    -------
    pandas.DataFrame
        ``direction, purpose, hour, period, port_code, lane, trips, records`` (and ``source``).
    """
    need = ["hour", "purpose", schema.PORT_CODE, "lane", "direction", "weight"]
    missing = [c for c in need if c not in survey.columns]
    if missing:
        raise SchemaError(f"survey lacks column(s) {missing} (see io.survey.read_od_survey)")
    bad = survey["weight"].isna() | ~(survey["weight"] > 0)
    if bad.any():
        raise SchemaError(
            f"survey column weight: {int(bad.sum())} zero, negative or missing weight(s)"
        )
    s = survey[survey["direction"] == direction]
    if s.empty:
        raise SchemaError(f"no {direction} trips in the survey")
    cells = (
        s.groupby(["purpose", "hour", schema.PORT_CODE, "lane"])["weight"]
        .agg(trips="sum", records="size")
        .reset_index()
    )
    cells.insert(0, "direction", direction)
    cells.insert(3, "period", period_of(cells["hour"], periods))
    if "source" in s.columns:
        cells["source"] = "; ".join(sorted(set(s["source"].astype(str))))
    return cells


def _options(cells: pd.DataFrame) -> pd.DataFrame:
    order = {"general": 0, "ready": 1, "sentri": 2, "pedestrian": 3, "pedestrian_ready": 4}
    opts = cells[[schema.PORT_CODE, "lane"]].drop_duplicates()
    opts = opts.assign(_o=opts["lane"].map(order)).sort_values([schema.PORT_CODE, "_o"])
    opts = opts.drop(columns="_o").reset_index(drop=True)
    opts["walk"] = opts["lane"].isin(("pedestrian", "pedestrian_ready"))
    return opts


def zone_units(
    zones: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    *,
    max_snap_m: float = 5000.0,
    report: DropReport | None = None,
) -> pd.Series:
    """Unit row of each survey zone centroid: the unit it lies in, else the nearest one.

    The nearest unit of the centroid's own country is used up to ``max_snap_m`` (centroids of
    rural zones outside the urban AGEBs); such zones are recorded in ``report`` (reason
    ``zone_snapped_to_nearest_unit``); zones farther than that get no unit
    (``zone_outside_units``). Returns a Series of unit row positions (``-1``: none) indexed by
    zone id.
    """
    report = report if report is not None else DropReport()
    if "zone" not in zones.columns:
        raise SchemaError("zone centroids lack a 'zone' column (see io.survey.read_zone_centroids)")
    z = zones.to_crs(units.crs) if zones.crs is not None and zones.crs != units.crs else zones
    polys = units[[schema.COUNTRY, "geometry"]].reset_index(drop=True)
    hit = gpd.sjoin(z[["zone", "geometry"]], polys, how="left", predicate="within")
    hit = hit[~hit.index.duplicated(keep="first")]
    pos = pd.Series(hit["index_right"].to_numpy(), index=z["zone"].to_numpy()).astype(float)
    miss = pos.isna().to_numpy()
    if miss.any():
        country = z["country"].to_numpy() if "country" in z.columns else np.array([None] * len(z))
        xy = np.column_stack([z.geometry.x.to_numpy(), z.geometry.y.to_numpy()])
        snapped, lost = [], []
        for i in np.flatnonzero(miss):
            cand = polys if country[i] is None else polys[polys[schema.COUNTRY] == country[i]]
            if cand.empty:
                lost.append(z["zone"].iloc[i])
                continue
            dist = cand.geometry.distance(z.geometry.iloc[i])
            j = dist.idxmin()
            if dist.loc[j] <= max_snap_m:
                pos.iloc[i] = j
                snapped.append(z["zone"].iloc[i])
            else:
                lost.append(z["zone"].iloc[i])
        del xy
        report.add("zones", snapped, "zone_snapped_to_nearest_unit", f"within {max_snap_m:g} m")
        report.add("zones", lost, "zone_outside_units", f"no unit within {max_snap_m:g} m")
    return pos.fillna(-1).astype(int)


def trip_cells(
    survey: pd.DataFrame,
    zone_unit: pd.Series,
    pm: PortMinutes,
    options: pd.DataFrame,
    *,
    purpose: str,
    direction: str = "northbound",
    report: DropReport | None = None,
) -> TripCells:
    """Survey trips of one purpose as :class:`TripCells` (origin unit × destination unit × hour × option).

    Trips whose zone has no unit, or whose origin (destination) unit is not on the origin
    (destination) side, are left out and recorded in ``report`` (reason
    ``survey_trip_without_unit``), with their expanded trips.
    """
    report = report if report is not None else DropReport()
    s = survey[(survey["direction"] == direction) & (survey["purpose"] == purpose)]
    key = {
        (p, ln): k
        for k, (p, ln) in enumerate(zip(options[schema.PORT_CODE], options["lane"], strict=True))
    }
    opt = np.array(
        [key.get((p, ln), -1) for p, ln in zip(s[schema.PORT_CODE], s["lane"], strict=True)]
    )
    if (opt < 0).any():
        bad = sorted(
            {
                (int(p), ln)
                for p, ln, o in zip(s[schema.PORT_CODE], s["lane"], opt, strict=True)
                if o < 0
            }
        )
        raise LaneError(f"survey option(s) {bad} are not in the choice set")
    o_pos = {u: i for i, u in enumerate(pm.origin_index)}
    d_pos = {u: i for i, u in enumerate(pm.dest_index)}
    ou = s["from_zone"].map(zone_unit).fillna(-1).astype(int).map(lambda u: o_pos.get(u, -1))
    du = s["to_zone"].map(zone_unit).fillna(-1).astype(int).map(lambda u: d_pos.get(u, -1))
    ok = (ou >= 0) & (du >= 0)
    if (~ok).any():
        report.add(
            "survey",
            s.index[~ok],
            "survey_trip_without_unit",
            f"{purpose}: {float(s.loc[~ok, 'weight'].sum()):,.0f} expanded trips whose zone has no "
            "unit on its side",
        )
    frame = pd.DataFrame(
        {
            "o": ou[ok].to_numpy(),
            "d": du[ok].to_numpy(),
            "h": s.loc[ok, "hour"].to_numpy(),
            "k": opt[ok.to_numpy()],
            "w": s.loc[ok, "weight"].to_numpy(),
        }
    )
    g = frame.groupby(["o", "d", "h", "k"])["w"].agg(["sum", "size"]).reset_index()
    return TripCells(
        origin=g["o"].to_numpy(),
        dest=g["d"].to_numpy(),
        hour=g["h"].to_numpy(),
        option=g["k"].to_numpy(),
        trips=g["sum"].to_numpy(dtype=float),
        records=g["size"].to_numpy(dtype=float),
    )


# ---------------------------------------------------------------------------------------------
# per-unit expectations


def unit_expectations(
    theta: np.ndarray, design: ChoiceDesign, hour: int, *, separate_wait: bool = False
) -> dict[str, np.ndarray]:
    """Option probabilities and expected minutes for origins and destinations at one hour.

    Origins: ``P(k | o)``; expected crossing minutes ``Σ_k P_ok (a_ok + w_k + E_p[e])``; the
    same trips with no wait ``Σ_k P_ok (a_ok + E_p[e])``; the time tax is their difference.
    Destinations: the trips arriving at ``d`` (origins weighted by ``π``), by option, with
    their mean minutes, with and without the wait.

    Parameters
    ----------
    theta
        Fitted parameters.
    design
        The choice design.
    hour
        Hour of day.
    separate_wait
        ``theta`` has ``beta_drive`` and ``beta_wait`` apart.

    Returns
    -------
    dict
        ``origin`` and ``dest``: each a dict of arrays ``prob`` (unit × option), ``expected``,
        ``no_wait`` and ``wait`` minutes.
    """
    from .model import _dest_terms, _split, option_probabilities

    b_drive = _split(theta, separate_wait, design)[0]
    prob = option_probabilities(theta, design, [hour], separate_wait=separate_wait)[0]  # O × K
    ln_d, mean_e = _dest_terms(b_drive, design)
    pidx = design.port_index
    acc = np.where(np.isfinite(design.access), design.access, 0.0)
    w = design.waits[:, hour]
    reach = prob.sum(axis=1) > 0
    no_wait_o = np.sum(prob * (acc + mean_e[pidx][None, :]), axis=1)
    wait_o = prob @ w
    o_out = {
        "prob": prob,
        "expected": np.where(reach, no_wait_o + wait_o, np.nan),
        "no_wait": np.where(reach, no_wait_o, np.nan),
        "wait": np.where(reach, wait_o, np.nan),
    }
    # destinations: weight of (o, k, d) = π_o P(k|o) * S_d exp(b e_pd) / D_p
    pi = np.asarray(design.origin_weight, float) * reach
    pi = pi / pi.sum()
    m_k = pi @ prob  # K: trips by option
    a_k = pi @ (prob * acc)  # K: access minutes summed
    eg = design.egress[pidx]  # K × n_d
    fin = np.isfinite(eg)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        dens = np.where(
            fin,
            (1.0 + np.asarray(design.size, dtype=float))[None, :]
            * np.exp(b_drive * np.where(fin, eg, 0) - ln_d[pidx][:, None]),
            0.0,
        )
    trips = m_k[:, None] * dens  # K × n_d
    tot = trips.sum(axis=0)
    minutes_nw = a_k[:, None] * dens + trips * np.where(fin, eg, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        d_prob = (trips / tot).T
        d_nw = minutes_nw.sum(axis=0) / tot
        d_wait = (trips * w[:, None]).sum(axis=0) / tot
    return {
        "origin": o_out,
        "dest": {
            "prob": np.where(tot[:, None] > 0, d_prob, 0.0),
            "expected": np.where(tot > 0, d_nw + d_wait, np.nan),
            "no_wait": np.where(tot > 0, d_nw, np.nan),
            "wait": np.where(tot > 0, d_wait, np.nan),
        },
    }


# ---------------------------------------------------------------------------------------------
# the one call


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


def _weights(
    units: pd.DataFrame, idx: np.ndarray, column: str, what: str, report: DropReport
) -> np.ndarray:
    vals = pd.to_numeric(units[column].iloc[idx], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(vals) | (vals < 0)
    if bad.any():
        report.add(
            "units",
            units[schema.UNIT_ID].iloc[idx][bad],
            NO_WEIGHT,
            f"{what} column {column!r} missing or negative: weight 0",
        )
    return np.where(bad, 0.0, vals)


def _wait_grid(
    waits: pd.DataFrame,
    options: pd.DataFrame,
    *,
    direction: str,
    weekday,
    precedence: Sequence[str],
    wait_fill: str,
    fixed: Mapping | None,
    report: DropReport,
) -> tuple[np.ndarray, pd.DataFrame]:
    pairs = list(zip(options[schema.PORT_CODE].astype(int), options["lane"], strict=True))
    table = lane_waits(
        waits,
        ports=sorted({p for p, _ in pairs}),
        lanes=sorted({ln for _, ln in pairs}),
        direction=direction,
        weekday=weekday,
        precedence=precedence,
        report=report,
    )
    grid = require_lane_waits(table, pairs, fill=wait_fill, fixed=dict(fixed or {}), report=report)
    arr = np.zeros((len(pairs), 24))
    for k, (p, ln) in enumerate(pairs):
        sel = grid[(grid[schema.PORT_CODE] == p) & (grid["lane"] == ln)].sort_values("hour")
        arr[k] = sel["minutes"].to_numpy()
    return arr, grid


def _fit_rows(purpose, period, options, names, obs, pred, ins, trips, recs):
    rows = []
    for k in range(len(options)):
        rows.append(
            {
                "purpose": purpose,
                "period": period,
                schema.PORT_CODE: int(options[schema.PORT_CODE].iloc[k]),
                "port_name": names.get(int(options[schema.PORT_CODE].iloc[k]), ""),
                "lane": options["lane"].iloc[k],
                "observed_share": obs[k],
                "predicted_share": pred[k],
                "in_sample_share": ins[k],
                "observed_trips": trips[k],
                "records": recs[k],
            }
        )
    return rows


def _fit(design, cells, *, wait_sign, separate_wait, fixed, **kw) -> ChoiceFit:
    if wait_sign not in ("nonpositive", "free"):
        raise SchemaError(f"wait_sign {wait_sign!r}: use 'nonpositive' or 'free'")
    fit = fit_choice(design, cells, separate_wait=separate_wait, fixed=fixed, **kw)
    free_wait = separate_wait and "beta_wait" not in dict(fixed or {})
    if wait_sign == "nonpositive" and free_wait and fit.params["beta_wait"] > 0:
        est, se = float(fit.params["beta_wait"]), float(fit.se["beta_wait"])
        log.warning(
            "wait coefficient estimated at %+.4f (SE %.4f) > 0: refitted at 0 (wait_sign)", est, se
        )
        kw.pop("start", None)
        fit = fit_choice(
            design,
            cells,
            separate_wait=separate_wait,
            fixed={**dict(fixed or {}), "beta_wait": 0.0},
            start=np.where(fit.params.index == "beta_wait", 0.0, fit.theta),
            **kw,
        )
        fit.unconstrained = {"beta_wait": (est, se)}
    return fit


def _lanes_open_grid(table: pd.DataFrame, options: pd.DataFrame, direction: str) -> np.ndarray:
    need = [schema.PORT_CODE, "lane", "hour", "lanes_open"]
    missing = [c for c in need if c not in table.columns]
    if missing:
        raise SchemaError(f"lanes-open table lacks column(s) {missing}")
    t = table
    if "direction" in t.columns:
        t = t[t["direction"].astype(str) == direction]
    g = t.groupby([schema.PORT_CODE, "lane", "hour"])["lanes_open"].median()
    arr = np.zeros((len(options), 24))
    for k, (p, ln) in enumerate(zip(options[schema.PORT_CODE], options["lane"], strict=True)):
        for h in range(24):
            v = g.get((int(p), ln, h), np.nan)
            if not np.isfinite(v) or v < 0:
                raise LaneError(f"no lanes-open count for port {p} lane {ln!r} at hour {h}")
            arr[k, h] = v
    return arr


def _share_se(survey, fit_table, direction, periods) -> np.ndarray:
    """Sampling standard error of each observed share: ``sqrt(p (1 - p) / n_eff)`` with Kish's
    effective sample size ``(Σw)² / Σw²`` of the period's survey records (expanded weights)."""
    s = survey[survey["direction"] == direction]
    per = period_of(s["hour"], periods)
    neff = {}
    for (purpose, period), w in s["weight"].groupby([s["purpose"].to_numpy(), per]):
        neff[(purpose, period)] = w.sum() ** 2 / (w**2).sum()
    n = np.array(
        [
            neff.get((a, b), np.nan)
            for a, b in zip(fit_table["purpose"], fit_table["period"], strict=True)
        ]
    )
    p = fit_table["observed_share"].to_numpy(dtype=float)
    return np.sqrt(p * (1 - p) / n)


def _param_rows(purpose: str, fit: ChoiceFit, **extra) -> pd.DataFrame:
    t = fit.table()
    unc = getattr(fit, "unconstrained", {})
    t["unconstrained_estimate"] = [unc.get(n, (np.nan, np.nan))[0] for n in t["parameter"]]
    t["unconstrained_se"] = [unc.get(n, (np.nan, np.nan))[1] for n in t["parameter"]]
    t.insert(0, "purpose", purpose)
    for k, v in extra.items():
        t.insert(1, k, v)
    t["loglik"] = fit.loglik
    t["loglik_null"] = fit.loglik_null
    t["n_records"] = fit.n_records
    t["n_trips"] = fit.n_trips
    t["converged"] = fit.converged
    return t


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
        observed destination), see :mod:`binational.commuting.model`.
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
        Parameters held fixed in every fit (see :func:`~binational.commuting.model.fit_choice`).
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
        col = size.get(purpose, schema.POP_TOTAL)
        if col not in units.columns:
            report.add("size", [purpose], "size_column_missing", f"{col!r} missing: pop_total used")
            log.warning("size column %r missing for %s: pop_total used", col, purpose)
            col = schema.POP_TOTAL
        sz = _weights(units, pm.dest_index, col, f"size ({purpose})", report)
        design = ChoiceDesign(
            options=options,
            access=pm.access(options),
            egress=pm.drive_from,
            ports=pm.ports,
            origin_weight=ow,
            size=sz,
            waits=wait_arr,
            lanes_open=open_arr,
            port_capacity=port_capacity and open_arr is not None,
        )
        tc = trip_cells(
            survey, zone_unit, pm, options, purpose=purpose, direction=direction, report=report
        )
        reach = np.isfinite(design.access[tc.origin, tc.option]) & np.isfinite(
            design.egress[design.port_index[tc.option], tc.dest]
        )
        if (~reach).any():
            report.add(
                "survey",
                [
                    f"{purpose}:o{o}:d{d}"
                    for o, d in zip(tc.origin[~reach], tc.dest[~reach], strict=True)
                ],
                "survey_trip_unreachable",
                f"{purpose}: {float(tc.trips[~reach].sum()):,.0f} expanded trips whose origin or "
                f"destination unit does not reach the chosen port ({pm.method})",
            )
            tc = tc.subset(reach)
        kw = dict(likelihood=likelihood, separate_wait=separate_wait, fixed=fixed)
        full = _fit(design, tc, wait_sign=wait_sign, **kw)
        models[purpose], designs[purpose] = full, design
        params.append(_param_rows(purpose, full))
        p_in = conditional_probabilities(
            full.theta, design, tc.origin, tc.dest, tc.hour, separate_wait=separate_wait
        )
        hour_period = period_of(np.arange(24), periods)
        cell_period = hour_period[tc.hour]
        for period in periods:
            held_mask = cell_period == period
            if not held_mask.any():
                continue
            held = _fit(design, tc.subset(~held_mask), wait_sign=wait_sign, start=full.theta, **kw)
            held_params.append(_param_rows(purpose, held, held_out=period))
            out = tc.subset(held_mask)
            n = out.trips
            p_out = conditional_probabilities(
                held.theta, design, out.origin, out.dest, out.hour, separate_wait=separate_wait
            )
            p_org = option_probabilities(
                held.theta, design, list(range(24)), separate_wait=separate_wait
            )[out.hour, out.origin]
            onehot = np.zeros((len(out), len(options)))
            onehot[np.arange(len(out)), out.option] = 1.0
            obs = (n[:, None] * onehot).sum(axis=0) / n.sum()
            pred = (n[:, None] * p_out).sum(axis=0) / n.sum()
            pred_o = (n[:, None] * p_org).sum(axis=0) / n.sum()
            ins = (n[:, None] * p_in[held_mask]).sum(axis=0) / n.sum()
            trips_k = (n[:, None] * onehot).sum(axis=0)
            recs_k = (out.records[:, None] * onehot).sum(axis=0)
            rows = _fit_rows(purpose, period, options, names, obs, pred, ins, trips_k, recs_k)
            for r_, po in zip(rows, pred_o, strict=True):
                r_["predicted_share_origin_only"] = po
            fit_rows += rows
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


def _per_unit(
    units, pm: PortMinutes, design: ChoiceDesign, fit: ChoiceFit, *, hour: int, separate_wait: bool
):
    labels = design.labels
    out = units.copy()
    for lab in labels:
        out[f"p_{lab}"] = np.nan
    for col in ("expected_minutes", "no_wait_minutes", "time_tax_minutes", "expected_wait"):
        out[col] = np.nan
    out["role"] = ""
    tax_rows = []
    for h in range(24):
        ex = unit_expectations(fit.theta, design, h, separate_wait=separate_wait)
        for role, idx in (("origin", pm.origin_index), ("destination", pm.dest_index)):
            e = ex["origin" if role == "origin" else "dest"]
            if h == hour:
                pos = out.index[idx]
                for k, lab in enumerate(labels):
                    out.loc[pos, f"p_{lab}"] = e["prob"][:, k]
                out.loc[pos, "expected_minutes"] = e["expected"]
                out.loc[pos, "no_wait_minutes"] = e["no_wait"]
                out.loc[pos, "time_tax_minutes"] = e["expected"] - e["no_wait"]
                out.loc[pos, "expected_wait"] = e["wait"]
                out.loc[pos, "role"] = role
            tax_rows.append(
                pd.DataFrame(
                    {
                        schema.UNIT_ID: units[schema.UNIT_ID].iloc[idx].to_numpy(),
                        schema.COUNTRY: units[schema.COUNTRY].iloc[idx].to_numpy(),
                        "role": role,
                        "hour": h,
                        "expected_minutes": e["expected"],
                        "no_wait_minutes": e["no_wait"],
                        "time_tax_minutes": e["expected"] - e["no_wait"],
                    }
                )
            )
    out["hour"] = hour
    out = out[[c for c in out.columns if c != "geometry"] + ["geometry"]]
    return gpd.GeoDataFrame(out, geometry="geometry", crs=units.crs), pd.concat(
        tax_rows, ignore_index=True
    )
