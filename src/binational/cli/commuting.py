"""``binational commuting REGION --out DIR``: the port × lane choice model, fitted and applied.

Writes into ``--out`` (every file whole or not at all: written in a temporary folder, then
moved into place):

- ``heldout_errors.csv``: the largest held-out port and lane share errors per period of work
  trips, for the model fitted (``after``) and for the earlier one (``before``: booths open
  from the CBP counts alone);
- ``fit.csv``: ``direction, purpose, period, port_code, port_name, lane, observed_share,
  predicted_share, ...``; ``predicted_share`` is held out (parameters fitted without that
  period); shares sum to 1 within purpose × period;
- ``parameters.csv``: estimates and standard errors, the fit on all periods (``fit`` =
  ``all``) and each held-out fit (``fit`` = ``without_<period>``);
- ``commuting.gpkg`` layer ``units``: per unit, at ``--hour``, the option probabilities
  ``p_<port>_<lane>``, ``expected_minutes``, ``no_wait_minutes``, ``time_tax_minutes``;
- ``time_tax.csv`` (unit × hour, long) and ``time_tax.tif`` (one band per hour);
- ``person_hours.csv``: person-hours waiting per port, direction and lane over a day;
- ``pedestrian_check.csv``: pedestrian port shares predicted from walking minutes and
  pedestrian waits (nothing fitted: the survey has no pedestrians) against BTS 2017 counts;
- ``waits.csv`` (the wait used per option and hour, with its source), ``observed.csv``
  (survey trips per purpose, hour and option), ``drops.csv`` and ``params.json``;
- with ``--otay-mesa-east`` or ``--close-lane``: ``scenario_shares.csv``,
  ``scenario_time_tax.csv``, ``scenario_summary.csv`` and ``scenario_waits.csv`` (base and
  scenario wait per lane and hour: existing lanes' waits respond to the trips the scenario
  moves unless ``--fixed-waits``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .._progress import step
from ..errors import SchemaError
from ..pipeline import COMMUTING_FILES, commuting_inputs
from ..pipeline.commuting import check_survey_ports
from . import _args

SURVEY = COMMUTING_FILES["survey"]
ZONES = COMMUTING_FILES["zones"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "commuting",
        help="port x lane choice model fitted to the 2017 SANDAG cross-border survey",
        description="Fit a multinomial logit of port and lane (general, Ready, SENTRI) to the "
        "SANDAG 2017 cross-border survey, check it on held-out periods, and write per-unit "
        "probabilities, expected crossing time and the border's time tax.",
    )
    p.add_argument("region", help="region preset, e.g. tijuana-san-diego")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (created)")
    p.add_argument("--data-dir", help="data folder (default: $BINATIONAL_DATA_DIR)")
    p.add_argument("--survey", help=f"OD survey CSV (default: DATA_DIR/{SURVEY})")
    p.add_argument("--zones", help=f"zone centroids GeoPackage (default: DATA_DIR/{ZONES})")
    p.add_argument("--method", default="auto", choices=["auto", "network", "straight-line"])
    p.add_argument(
        "--hour", type=_args.hour, default=7, help="hour of the per-unit layer, 0-23 (default 7)"
    )
    p.add_argument("--purpose", default="HBW", help="purpose of the per-unit layer (HBW)")
    p.add_argument("--likelihood", default="joint", choices=["joint", "conditional"])
    p.add_argument(
        "--resolution", type=_args.positive_float, default=250.0, help="time-tax raster cell (m)"
    )
    p.add_argument(
        "--no-lanes-open",
        action="store_true",
        help="leave out the booths-open term (booths open per lane and hour, 2017)",
    )
    p.add_argument(
        "--booths",
        default="mean",
        choices=["mean", "cbp", "schedule"],
        help="booths open per lane and hour: the mean of the CBP counts and SANDAG's 2017 "
        "schedule (default), or one of them; the CBP counts alone are the earlier model, "
        "fitted for the before/after table",
    )
    p.add_argument(
        "--fixed-waits",
        action="store_true",
        help="scenario waits stay as observed (no queue response)",
    )
    p.add_argument("--otay-mesa-east", action="store_true", help="scenario: open Otay Mesa East")
    _args.add_lang(p)
    _args.add_list(
        p,
        "--close-lane",
        default=[],
        metavar="PORT:LANE",
        help="scenario: close lanes, e.g. 2504:ready",
    )
    p.set_defaults(func=run)


def _close_lanes(values: list[str]) -> tuple[tuple[int, str], ...]:
    out = []
    for v in values:
        port, _, lane = v.partition(":")
        if not port.strip().isdigit() or not lane:
            raise SchemaError(f"--close-lane {v!r}: use PORT:LANE, e.g. 2504:ready")
        out.append((int(port), lane.strip().lower()))
    return tuple(out)


def run(args: argparse.Namespace) -> int:
    import pandas as pd
    import rasterio

    from .. import settings
    from .._gpkg import write_layer
    from .._gpkg_labels import layer_label
    from ..catchments import OTAY_MESA_EAST
    from ..commuting import CommutingScenario, commuting, heldout_errors, pedestrian_check
    from ..commuting.scenario import run_scenario
    from ..commuting.timetax import occupancy, person_hours_waiting, time_tax_raster
    from ..render._io import atomic_dir
    from ..units import load_region

    data_dir = Path(args.data_dir or settings.data_dir or ".")
    with step(f"load {args.region}"):
        region = load_region(
            args.region,
            data_dir=args.data_dir,
            network=args.method != "straight-line",
            prefetch_network=True,
        )
    check_survey_ports(region)
    paths = {k: data_dir / v for k, v in COMMUTING_FILES.items()}
    if args.survey:
        paths["survey"] = Path(args.survey)
    if args.zones:
        paths["zones"] = Path(args.zones)
    inputs = commuting_inputs(paths)
    survey, zones, lane_table, volumes = (
        inputs["survey"],
        inputs["zones"],
        inputs["lanes"],
        inputs["volumes"],
    )
    booths = {"mean": inputs["booths"], "cbp": volumes, "schedule": inputs["rates"]}
    kw = dict(
        survey=survey,
        zones=zones,
        lanes=lane_table,
        method=args.method,
        hour=args.hour,
        likelihood=args.likelihood,
    )
    with step("commuting model"):
        result = commuting(
            region,
            lanes_open=None if args.no_lanes_open else booths[args.booths],
            unit_purpose=args.purpose,
            **kw,
        )
    with step("commuting model with the earlier booths term (before/after table)"):
        before = commuting(region, lanes_open=volumes, purposes=("HBW",), unit_purpose="HBW", **kw)
    errors = pd.concat(
        [
            heldout_errors(before.fit_table).assign(model="before: booths = CBP counts"),
            heldout_errors(result.fit_table).assign(
                model="no booths term" if args.no_lanes_open else f"after: booths = {args.booths}"
            ),
        ],
        ignore_index=True,
    )
    person_hours = person_hours_waiting(volumes, occupancy(region.crossings, year=2017))
    peds = pedestrian_check(result, crossings=region.crossings, year=2017, purpose=args.purpose)
    scen = None
    closed = _close_lanes(args.close_lane)
    if args.otay_mesa_east or closed:
        name = "+".join(
            (["otay-mesa-east"] if args.otay_mesa_east else [])
            + [f"closed-{p}-{ln}" for p, ln in closed]
        )
        scen = run_scenario(
            result,
            CommutingScenario(
                name=name,
                new_ports=(OTAY_MESA_EAST,) if args.otay_mesa_east else (),
                closed_lanes=closed,
            ),
            purpose=args.purpose,
            queue_response=not args.fixed_waits,
        )
    values, transform, crs = time_tax_raster(
        result.units, result.time_tax, resolution=args.resolution
    )
    params = pd.concat(
        [
            result.parameters.assign(fit="all"),
            result.heldout_parameters.assign(
                fit="without_" + result.heldout_parameters["held_out"].astype(str)
            ).drop(columns="held_out"),
        ],
        ignore_index=True,
    )
    with atomic_dir(args.out) as tmp:
        result.fit_table.to_csv(tmp / "fit.csv", index=False)
        errors.to_csv(tmp / "heldout_errors.csv", index=False)
        params.to_csv(tmp / "parameters.csv", index=False)
        write_layer(
            result.units,
            tmp / "commuting.gpkg",
            layer="units",
            lang=args.lang,
            description=layer_label("commuting_units", lang=args.lang),
        )
        result.time_tax.to_csv(tmp / "time_tax.csv", index=False)
        profile = {
            "driver": "GTiff",
            "height": values.shape[1],
            "width": values.shape[2],
            "count": values.shape[0],
            "dtype": "float32",
            "crs": crs.to_wkt(),
            "transform": transform,
            "nodata": float("nan"),
            "compress": "deflate",
        }
        with rasterio.open(tmp / "time_tax.tif", "w", **profile) as dst:
            dst.write(values)
            for b in range(values.shape[0]):
                dst.set_band_description(b + 1, f"time tax, minutes, hour {b:02d}")
            dst.update_tags(units="minutes", method=result.method, purpose=args.purpose)
        person_hours.to_csv(tmp / "person_hours.csv", index=False)
        peds.to_csv(tmp / "pedestrian_check.csv", index=False)
        result.waits.to_csv(tmp / "waits.csv", index=False)
        result.observed.to_csv(tmp / "observed.csv", index=False)
        result.report.to_frame().to_csv(tmp / "drops.csv", index=False)
        (tmp / "params.json").write_text(json.dumps(result.params, indent=2, default=str))
        if scen is not None:
            scen["shares"].to_csv(tmp / "scenario_shares.csv", index=False)
            scen["time_tax"].to_csv(tmp / "scenario_time_tax.csv", index=False)
            scen["summary"].to_csv(tmp / "scenario_summary.csv", index=False)
            scen["waits"].to_csv(tmp / "scenario_waits.csv", index=False)
    ft = result.fit_table
    print(f"{region.spec.title}: commuting model ({result.method}), {args.likelihood} likelihood")
    print(result.parameters[["purpose", "parameter", "estimate", "se"]].to_string(index=False))
    del ft
    print("\nnorthbound work trips, held-out share errors (max, percentage points; target <= 5):")
    table = errors.pivot_table(
        index="period", columns="model", values=["port_max_pp", "lane_max_pp"], sort=False
    )
    print(table.round(2).to_string())
    print(
        "\npedestrians (not fitted; walk + wait, value of time from the vehicle model) vs BTS 2017:"
    )
    cols = ["port_code", "observed_share", "predicted_share", "error_pp"]
    print(peds[cols].round(3).to_string(index=False))
    if scen is not None:
        sw = scen["waits"]
        at = sw[sw["hour"] == args.hour].dropna()
        print(
            f"\nscenario {scen['summary']['scenario'].iloc[0]}: waits at {args.hour:02d}:00 (min)"
        )
        print(at.round(1).to_string(index=False))
    if len(result.report):
        print("\nleft out / flagged:")
        print(result.report.summary().to_string(index=False))
    print(f"\nwritten to {args.out}")
    return 0
