"""Time binational's concentration module against PySAL segregation / esda on the San Diego tracts.

Same input for both (the 736 US tracts of ``load_region("tijuana-san-diego")``, Hispanic
against total population), same process unless stated:

(a) global indices — the ten default indices (D, Gini, Theil's H, xPx, xPy, eta², Atkinson, SP,
    spatial D, spatial isolation) against PySAL ``segregation``. Like with like: the same work
    on both sides (10 point values; D with a 999-permutation systematic null; all ten with a
    ``--pysal-iterations``-permutation null; with ``--full`` all ten at 999), each side warmed
    up once and then timed as the best of ``--repeat`` runs. Nothing is extrapolated (the
    earlier version timed PySAL once, cold, against our best warm run, and estimated nine of
    the ten 999-permutation PySAL times). The first call of each (numba JIT in Gini) is
    printed for information only.
(b) local measures — local Moran's I + Gi* with 999 conditional permutations on the Hispanic
    share with queen weights, against esda ``Moran_Local`` + ``G_Local(star=True)`` (both
    ``n_jobs=1``): warm (after a warm-up call) in this process, and each in a fresh subprocess
    (esda then pays numba compilation; binational has none).
(c) a cold ``binational concentration`` CLI process on the region (US scope, 999 permutations).

Usage::

    BINATIONAL_DATA_DIR=../shared/data python benchmarks/concentration.py [--pysal-iterations 29]
        [--repeat 3] [--skip-fresh-esda]
"""

from __future__ import annotations

import argparse
import os
import pickle
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

os.environ.setdefault("TQDM_DISABLE", "1")  # PySAL's progress bars

import binational
from binational.concentration import (
    getis_ord_local,
    infer,
    moran_local,
    singlegroup_indices,
)
from binational.concentration.contiguity import contiguity

GROUP, TOTAL = "hispanic", "pop_total"
PERMUTATIONS = 999


def timed(fn, repeat: int = 1):
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def load_sd(data_dir: Path):
    region = binational.load_region(
        "tijuana-san-diego", data_dir=data_dir, network=False, crossings=False
    )
    units = region.units
    return units[units["country"] == "US"].reset_index(drop=True)


# ------------------------------------------------------------------------------------------------
# (a) global indices


def pysal_classes():
    import segregation.singlegroup as S

    return {
        "dissimilarity": (S.Dissim, {}),
        "gini": (S.Gini, {}),
        "entropy": (S.Entropy, {}),
        "isolation": (S.Isolation, {}),
        "exposure": (S.Interaction, {}),
        "correlation_ratio": (S.CorrelationR, {}),
        "atkinson": (S.Atkinson, {}),
        "spatial_proximity": (S.SpatialProximity, {}),
        "spatial_dissimilarity": (S.Dissim, {"distance": 2000}),
        "spatial_isolation": (S.Isolation, {"distance": 2000}),
    }


def warm(fn, repeat: int):
    """One untimed warm-up call, then the best of ``repeat`` timed calls (both sides alike)."""
    fn()
    return timed(fn, repeat)


def bench_global(sd, repeat: int, pysal_iterations: int, full: bool) -> dict:
    from segregation.inference import SingleValueTest

    data = sd[[GROUP, TOTAL, "geometry"]]
    out = {}
    classes = pysal_classes()

    def ours_set(k, ci=False):
        return lambda: infer(sd, group=GROUP, permutations=k, ci=ci, seed=0)

    def pysal_one(name, k):
        cls, kw = classes[name]

        def run():
            fitted = cls(data, GROUP, TOTAL, **kw)
            return SingleValueTest(
                fitted, iterations_under_null=k, null_approach="systematic", index_kwargs=kw or None
            )

        return run

    def pysal_set(k):
        return lambda: [pysal_one(name, k)() for name in classes]

    # point values (agreement), and the first call of each as a user pays it (information only)
    t_first, ours = timed(lambda: singlegroup_indices(sd, group=GROUP))
    point_first, values = {}, {}
    for name, (cls, kw) in classes.items():
        t, res = timed(lambda cls=cls, kw=kw: cls(data, GROUP, TOTAL, **kw))
        point_first[name] = t
        values[name] = res.statistic
    out.update(
        ours_points_first=t_first,
        pysal_points_first=point_first,
        max_abs_diff=max(abs(values[n] - ours[n]) for n in classes),
    )
    # every timing below: warm-up, then best of `repeat`, on both sides
    out["ours_points"], _ = warm(lambda: singlegroup_indices(sd, group=GROUP), repeat)
    out["pysal_points"], _ = warm(
        lambda: [cls(data, GROUP, TOTAL, **kw) for cls, kw in classes.values()], repeat
    )
    out["ours_inference"], out["table"] = warm(ours_set(PERMUTATIONS, ci=True), repeat)
    out["ours_null"], _ = warm(ours_set(PERMUTATIONS), repeat)
    out["pysal_dissim_999"], _ = warm(pysal_one("dissimilarity", PERMUTATIONS), repeat)
    # D alone on our side too (same work as the PySAL call above)
    out["ours_dissim_999"], _ = warm(
        lambda: infer(
            sd, group=GROUP, indices=("dissimilarity",), permutations=PERMUTATIONS, ci=False, seed=0
        ),
        repeat,
    )
    k = pysal_iterations
    out["ours_set_k"], _ = warm(ours_set(k), repeat)
    out["pysal_set_k"], _ = warm(pysal_set(k), repeat)
    if full:
        out["ours_set_999"] = out["ours_null"]
        out["pysal_set_999"], _ = warm(pysal_set(PERMUTATIONS), repeat)
    return out


# ------------------------------------------------------------------------------------------------
# (b) local measures

_FRESH_OURS = r"""
import pickle, sys, time
t0 = time.perf_counter()
from binational.concentration import getis_ord_local, moran_local
from binational.concentration.contiguity import contiguity
with open(sys.argv[1], "rb") as fh:
    units, y = pickle.load(fh)
t1 = time.perf_counter()
w = contiguity(units)
lm = moran_local(y, w, permutations=999, seed=0)
gs = getis_ord_local(y, w, permutations=999, seed=0)
t2 = time.perf_counter()
print(f"{t1 - t0:.4f} {t2 - t1:.4f}")
"""

_FRESH_ESDA = r"""
import pickle, sys, time, warnings
warnings.simplefilter("ignore")
t0 = time.perf_counter()
import esda, libpysal
with open(sys.argv[1], "rb") as fh:
    units, y = pickle.load(fh)
t1 = time.perf_counter()
w = libpysal.weights.Queen.from_dataframe(units, use_index=False)
lm = esda.Moran_Local(y, w, permutations=999, seed=0, n_jobs=1)
gs = esda.G_Local(y, w, star=True, permutations=999, seed=0, n_jobs=1)
t2 = time.perf_counter()
print(f"{t1 - t0:.4f} {t2 - t1:.4f}")
"""


def fresh(script: str, payload: Path) -> tuple[float, float, float]:
    """(import + load seconds, compute seconds, process wall seconds) of a fresh process."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", script, str(payload)], capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - t0
    setup, compute = (float(v) for v in proc.stdout.split())
    return setup, compute, wall


def bench_local(sd, repeat: int, skip_fresh_esda: bool, tmp: Path) -> dict:
    import esda
    import libpysal

    units = sd[sd[TOTAL] > 0].reset_index(drop=True)
    y = (units[GROUP] / units[TOTAL]).to_numpy()
    payload = tmp / "local.pkl"
    with open(payload, "wb") as fh:
        pickle.dump((units[["unit_id", "geometry"]], y), fh)

    def ours():
        w = contiguity(units)
        return (
            moran_local(y, w, permutations=PERMUTATIONS, seed=0),
            getis_ord_local(y, w, permutations=PERMUTATIONS, seed=0),
        )

    def theirs():
        w = libpysal.weights.Queen.from_dataframe(units, use_index=False)
        return (
            esda.Moran_Local(y, w, permutations=PERMUTATIONS, seed=0, n_jobs=1),
            esda.G_Local(y, w, star=True, permutations=PERMUTATIONS, seed=0, n_jobs=1),
        )

    out = {}
    out["ours_fresh"] = fresh(_FRESH_OURS, payload)
    out["esda_fresh"] = None if skip_fresh_esda else fresh(_FRESH_ESDA, payload)
    timed(theirs)  # warm-up: numba compilation in this process
    out["esda_warm"], (lm, gs) = timed(theirs, repeat)
    timed(ours)
    out["ours_warm"], (om, og) = timed(ours, repeat)
    out["max_abs_diff_I"] = float(np.max(np.abs(om.statistic - lm.Is)))
    out["max_abs_diff_G"] = float(np.max(np.abs(og.statistic - gs.Gs)))
    return out


# ------------------------------------------------------------------------------------------------
# (c) cold CLI


def bench_cli(data_dir: Path, tmp: Path) -> tuple[float, str]:
    cmd = [
        sys.executable,
        "-m",
        "binational.cli",
        "concentration",
        "tijuana-san-diego",
        "--group",
        GROUP,
        "--scopes",
        "US",
        "--permutations",
        str(PERMUTATIONS),
        "--out",
        str(tmp / "cli"),
    ]
    env = dict(os.environ, BINATIONAL_DATA_DIR=str(data_dir))
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, " ".join(cmd[2:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pysal-iterations", type=int, default=29)
    parser.add_argument("--skip-fresh-esda", action="store_true")
    parser.add_argument(
        "--full", action="store_true", help="also time all ten PySAL indices at 999 permutations"
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    binational.settings.progress = False
    data_dir = Path(os.environ.get("BINATIONAL_DATA_DIR", "../shared/data")).resolve()
    sd = load_sd(data_dir)
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(
        f"input: {len(sd)} San Diego tracts, {GROUP} / {TOTAL}; {os.cpu_count()} CPUs, "
        f"load average {load}"
    )

    g = bench_global(sd, args.repeat, args.pysal_iterations, args.full)
    k = args.pysal_iterations
    print(f"\n(a) global indices (every time: one warm-up call, then best of {args.repeat})")
    print(f"  values: max |ours - PySAL| over the 10 indices = {g['max_abs_diff']:.2e}")
    print(
        f"  first call (information): ours 10 indices {g['ours_points_first']:.3f} s, PySAL "
        f"{sum(g['pysal_points_first'].values()):.2f} s (Gini's numba JIT included)"
    )
    rows = [
        ("10 point values", g["pysal_points"], g["ours_points"]),
        ("D, 999-perm systematic null", g["pysal_dissim_999"], g["ours_dissim_999"]),
        (f"10 indices, {k}-perm null", g["pysal_set_k"], g["ours_set_k"]),
    ]
    if args.full:
        rows.append(("10 indices, 999-perm null", g["pysal_set_999"], g["ours_set_999"]))
    for label, theirs, ours in rows:
        print(f"  {label:32s} PySAL {theirs:8.3f} s  ours {ours:8.4f} s  -> {theirs / ours:6.1f}x")
    print(
        f"  (ours, 10 indices + 999-perm null + 999 bootstrap: {g['ours_inference']:.3f} s; "
        f"PySAL has no bootstrap to compare with. --full measures all ten at 999.)"
    )

    with tempfile.TemporaryDirectory(prefix="bn-bench-conc-") as tmp:
        tmp = Path(tmp)
        loc = bench_local(sd, args.repeat, args.skip_fresh_esda, tmp)
        cli_wall, cli_cmd = bench_cli(data_dir, tmp)
    print("\n(b) local Moran + Gi*, 999 conditional permutations, queen weights")
    print(
        f"  values: max |I - esda| = {loc['max_abs_diff_I']:.1e}, "
        f"max |G - esda| = {loc['max_abs_diff_G']:.1e}"
    )
    print(f"  ours warm (weights + both)           {loc['ours_warm']:8.3f} s")
    print(
        f"  esda warm (weights + both)           {loc['esda_warm']:8.3f} s   "
        f"ratio esda/ours {loc['esda_warm'] / loc['ours_warm']:.1f}x"
    )
    s, c, w = loc["ours_fresh"]
    print(f"  ours fresh process: compute {c:.3f} s (imports+data {s:.2f} s, process {w:.2f} s)")
    if loc["esda_fresh"] is not None:
        es, ec, ew = loc["esda_fresh"]
        print(
            f"  esda fresh process: compute {ec:.2f} s (imports+data {es:.2f} s, "
            f"process {ew:.2f} s)   ratio esda/ours compute {ec / c:.0f}x"
        )
    print("\n(c) cold CLI process")
    print(f"  binational {cli_cmd}: {cli_wall:.2f} s wall")


if __name__ == "__main__":
    main()
