"""The main job end to end, old code against new, side by side in one run (issue #14).

Every job runs in its own Python subprocess (imports included: that is what a user waits for),
with ``PYTHONPATH`` pointing at the old or the new ``src``; the child reports its wall time and
its peak RSS (``getrusage(RUSAGE_SELF).ru_maxrss`` plus the largest child's
``getrusage(RUSAGE_CHILDREN).ru_maxrss``: the report forks a side process; an upper bound,
as pages shared after the fork count twice). Old and new runs alternate
(old, new, old, new, ...) after one untimed warm-up run of each, so that load from other
processes on the shared machine hits both sides alike; the statistic is the median of
``--repeat`` timed runs on both sides. Ratios are old ÷ new from the same run. The child's CPU
time (user + system, ``getrusage``, children included) is printed next to the wall time: on a
machine loaded by other work it is the steadier of the two.

The wall time runs from the launch of the child to its exit, as a user waits for a command:
interpreter start and teardown included. A command-line job ends the way each side's
``binational`` command ends (the new one skips the interpreter's teardown,
``binational.cli._exit``).

Python's bytecode caches (``__pycache__``) are written by each side's warm-up run, as pip writes
them when it installs a package, even where the environment sets ``PYTHONDONTWRITEBYTECODE``
(this machine does: every import of ``binational`` was compiled from source again, about 0.6 s
of CPU per run on both sides).

The old code is ``git archive <--old> src data`` (default: e001051, the commit before issue #14)
unpacked into a temporary folder; ``--old-src DIR`` uses a folder instead.

Jobs
----
``help``            ``python -m binational.cli --help``
``summary``         ``python -m binational.cli summary tijuana-san-diego`` (warm caches)
``report-tj``       ``python -m binational.cli report tijuana-san-diego`` (warm caches)
``report-jz``       ``python -m binational.cli report juarez-el-paso`` (warm caches)
``report-tj-cold``  the same on an empty cache folder (``BINATIONAL_CACHE_DIR``), one run per
                    side (a cold run cannot be repeated warm-free any other way)
``catchments-tj``   ``python -m binational.cli catchments tijuana-san-diego --out DIR``
                    (warm caches; GeoPackage, CSV files)
``maps-tj``         ``python -m binational.cli maps tijuana-san-diego --catchments --out DIR``
                    (warm caches; four maps with the isochrones)
``tables``          load Tijuana–San Diego, then ``catchments`` and ``concentration_profile``
                    (seed 0, 99 permutations) and ``summarise``: the time of the analyses
                    alone (load not timed), and a sha256 of every output table (geometry as
                    WKB; columns named like timings dropped) so old and new can be compared;
                    a table whose only change is the vertex order of its geometries
                    (the same shapes) is reported as equal once normalised.

Usage::

    BINATIONAL_DATA_DIR=/work/shared/data python benchmarks/main_job.py [--repeat 2]
        [--jobs help,summary,report-tj,report-jz,report-tj-cold,tables,catchments-tj,maps-tj]
        [--old e001051]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OLD_COMMIT = "e001051"
ALL_JOBS = (
    "help",
    "summary",
    "report-tj",
    "report-jz",
    "tables",
    "report-tj-cold",
    "catchments-tj",
    "maps-tj",
)

# The child: runs one job, prints one JSON line {"seconds", "rss_mb", ...}.
CHILD = r"""
import json, os, resource, sys, time, hashlib, warnings, logging
t0 = time.perf_counter()
job, out = sys.argv[1], sys.argv[2]
warnings.simplefilter("ignore")
logging.disable(logging.WARNING)
res = {}
COMMANDS = {
    "help": ["--help"],
    "summary": ["summary", "tijuana-san-diego"],
    "report-tj": ["report", "tijuana-san-diego", "--out", out],
    "report-jz": ["report", "juarez-el-paso", "--out", out],
    "report-tj-cold": ["report", "tijuana-san-diego", "--out", out],
    "catchments-tj": ["catchments", "tijuana-san-diego", "--out", out],
    "maps-tj": ["maps", "tijuana-san-diego", "--catchments", "--out", out],
}
if job in COMMANDS:
    from binational.cli import main
    import contextlib, io
    args = COMMANDS[job]
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(args)
        except SystemExit as exc:  # --help
            code = exc.code
    if code:  # a failed command is not timed
        sys.exit(f"{job}: exit code {code}")
elif job == "tables":
    import numpy as np, pandas as pd, shapely
    import binational
    from binational import settings
    settings.progress = False
    region = binational.load_region("tijuana-san-diego")
    t1 = time.perf_counter()
    catch = binational.catchments(region)
    t2 = time.perf_counter()
    from binational.concentration import concentration_profile
    conc = concentration_profile(region, permutations=99, seed=0)
    t3 = time.perf_counter()
    from binational.summary import summarise
    summ = summarise(region)
    t4 = time.perf_counter()
    res["catchments_s"] = t2 - t1
    res["concentration_s"] = t3 - t2
    res["summary_s"] = t4 - t3
    TIMING = ("seconds", "elapsed", "runtime", "timing", "_s_")

    def digest(df, normalise=False):
        df = pd.DataFrame(df).copy()
        df = df[[c for c in df.columns if not any(k in str(c).lower() for k in TIMING)]]
        h = hashlib.sha256()
        for c in df.columns:
            v = df[c]
            if str(c) == "geometry" or v.dtype == object and len(v) and hasattr(v.iloc[0], "wkb"):
                g = np.asarray(v)
                g = shapely.normalize(g) if normalise else g
                data = b"".join(shapely.to_wkb(g, output_dimension=2, include_srid=False))
            else:
                data = pd.util.hash_pandas_object(v, index=False).to_numpy().tobytes()
            h.update(str(c).encode()); h.update(data)
        return h.hexdigest()[:16]

    def values(df):
        df = pd.DataFrame(df)
        num = df.select_dtypes("number")
        return {str(c): [None if not np.isfinite(x) else float(x) for x in num[c].to_numpy(dtype=float)] for c in num.columns}

    tables = {
        "catchments.units": catch.units,
        "catchments.isochrones": catch.isochrones,
        "catchments.summary": catch.summary,
        "catchments.port_sheds": catch.port_sheds,
        "catchments.waits": catch.waits,
    }
    tables["concentration.table"] = conc.table
    tables["concentration.local"] = conc.local
    for k, v in summ.items():
        if isinstance(v, pd.DataFrame):
            tables[f"summary.{k}"] = v
    res["hashes"] = {k: digest(v) for k, v in tables.items()}
    # the same with every geometry normalised (shapely.normalize: ring start and direction,
    # part order): equal here but not above = the same shapes, vertex for vertex, in another order
    res["normalised"] = {k: digest(v, normalise=True) for k, v in tables.items()}
    res["columns"] = {k: sorted(map(str, pd.DataFrame(v).columns)) for k, v in tables.items()}
    with open(os.path.join(out, "values.json"), "w") as f:
        json.dump({k: values(v.drop(columns="geometry", errors="ignore")) for k, v in tables.items()}, f)
res["seconds"] = time.perf_counter() - t0
_ru = resource.getrusage(resource.RUSAGE_SELF)
_ch = resource.getrusage(resource.RUSAGE_CHILDREN)  # the report's forked side process
# peak RSS of this process plus that of its largest child: an upper bound (pages the child
# shares with its parent after fork count twice)
res["rss_mb"] = (_ru.ru_maxrss + _ch.ru_maxrss) / 1024
res["cpu_s"] = _ru.ru_utime + _ru.ru_stime + _ch.ru_utime + _ch.ru_stime
print("@@" + json.dumps(res), flush=True)
if job != "tables":
    # the command ends as the ``binational`` command does: new code without the interpreter's
    # teardown (binational.cli.entry), old code with it; the wall time runs to the exit
    try:
        from binational.cli._exit import exit_fast
    except ImportError:
        pass
    else:
        exit_fast(0)
"""


def export_old(commit: str, dest: Path) -> Path:
    """``git archive <commit> src data`` unpacked under ``dest`` (no worktree, no branch touched)."""
    dest.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit, "src", "data"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest / "src"


def run_child(src: Path, job: str, *, cache_dir: str | None = None) -> dict:
    env = dict(os.environ, PYTHONPATH=str(src), MPLBACKEND="Agg")
    # bytecode caches as an installed package has them (pip compiles on install): written by
    # each side's warm-up run, even where the machine sets PYTHONDONTWRITEBYTECODE
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if cache_dir:
        env["BINATIONAL_CACHE_DIR"] = cache_dir
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, job, out], env=env, capture_output=True, text=True
        )
        wall = time.perf_counter() - t0
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("@@")]
        if proc.returncode or not lines:
            raise RuntimeError(f"{job} ({src}) failed:\n{proc.stderr[-3000:]}")
        res = json.loads(lines[-1][2:])
        res["wall"] = wall
        vals = Path(out) / "values.json"
        if vals.exists():
            res["values"] = json.loads(vals.read_text())
    return res


def bare_python() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - t0


def compare_tables(old: dict, new: dict) -> list[str]:
    lines = []
    for k in sorted(set(old["hashes"]) | set(new["hashes"])):
        ho, hn = old["hashes"].get(k), new["hashes"].get(k)
        if ho == hn:
            lines.append(f"  {k:28s} equal        sha256 {hn}")
            continue
        what = []
        co, cn = set(old["columns"].get(k, [])), set(new["columns"].get(k, []))
        if co != cn:
            what.append(f"columns +{sorted(cn - co)} -{sorted(co - cn)}")
        vo, vn = old["values"].get(k, {}), new["values"].get(k, {})
        for c in sorted(set(vo) & set(vn)):
            a, b = vo[c], vn[c]
            if a == b:
                continue
            if len(a) != len(b):
                what.append(f"{c}: {len(a)} vs {len(b)} rows")
                continue
            rel = max(
                (
                    abs(x - y) / max(abs(x), 1e-12)
                    for x, y in zip(a, b, strict=True)
                    if x is not None and y is not None
                ),
                default=0.0,
            )
            nan = sum((x is None) != (y is None) for x, y in zip(a, b, strict=True))
            what.append(f"{c}: max rel. diff {rel:.2%}" + (f", {nan} NaN changed" if nan else ""))
        if not what:
            same = old.get("normalised", {}).get(k)
            if same is not None and same == new.get("normalised", {}).get(k):
                lines.append(
                    f"  {k:28s} equal        once geometries are normalised (same vertices, "
                    f"another ring start or direction), sha256 {same}"
                )
                continue
            what.append("non-numeric column or geometry differs")
        lines.append(f"  {k:28s} DIFFERENT    " + "; ".join(what))
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=2, help="timed runs per side (median)")
    ap.add_argument("--jobs", default=",".join(ALL_JOBS))
    ap.add_argument("--old", default=OLD_COMMIT, help="commit of the old code")
    ap.add_argument("--old-src", help="folder holding the old package (instead of --old)")
    args = ap.parse_args()
    jobs = [j for j in args.jobs.split(",") if j]
    new_src = ROOT / "src"
    with tempfile.TemporaryDirectory() as tmp:
        old_src = Path(args.old_src) if args.old_src else export_old(args.old, Path(tmp) / "old")
        print(f"old: {old_src} ({args.old_src or args.old}); new: {new_src}")
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()}")
        b = sorted(bare_python() for _ in range(3))[1]
        print(f"bare interpreter start (python -c pass, median of 3): {b:.2f} s\n")
        rows = []
        tables = {}
        for job in jobs:
            res = {"old": [], "new": []}
            if job == "report-tj-cold":
                for side, src in (("old", old_src), ("new", new_src)):
                    with tempfile.TemporaryDirectory() as cache:
                        res[side].append(run_child(src, job, cache_dir=cache))
            else:
                for src in (old_src, new_src):
                    run_child(src, job)  # warm-up (caches, page cache), not timed
                for _ in range(args.repeat):
                    for side, src in (("old", old_src), ("new", new_src)):
                        res[side].append(run_child(src, job))
            med = {s: statistics.median(r["wall"] for r in res[s]) for s in res}
            cpu = {s: statistics.median(r["cpu_s"] for r in res[s]) for s in res}
            rss = {s: max(r["rss_mb"] for r in res[s]) for s in res}
            rows.append(
                (job, med["old"], med["new"], rss["old"], rss["new"], cpu["old"], cpu["new"])
            )
            print(
                f"{job:15s} old {med['old']:7.2f} s  new {med['new']:7.2f} s  "
                f"-> {med['old'] / med['new']:5.1f}x   CPU old {cpu['old']:6.2f} s  "
                f"new {cpu['new']:6.2f} s   peak RSS old {rss['old']:6.0f} MB  "
                f"new {rss['new']:6.0f} MB   ({len(res['new'])} timed run(s) each)",
                flush=True,
            )
            if job == "tables":
                tables = {s: res[s][-1] for s in res}
                for key in ("catchments_s", "concentration_s", "summary_s"):
                    o = statistics.median(r[key] for r in res["old"])
                    n = statistics.median(r[key] for r in res["new"])
                    print(f"    {key[:-2]:13s} old {o:6.2f} s  new {n:6.2f} s  -> {o / n:5.1f}x")

        print("\n== summary (median wall seconds, old / new from the same run) ==")
        print(
            f"{'job':15s} {'old s':>8s} {'new s':>8s} {'ratio':>7s} {'old MB':>8s} {'new MB':>8s}"
            f" {'old CPU':>8s} {'new CPU':>8s} {'ratio':>7s}"
        )
        for job, o, n, ro, rn, co, cn in rows:
            print(
                f"{job:15s} {o:8.2f} {n:8.2f} {o / n:6.1f}x {ro:8.0f} {rn:8.0f}"
                f" {co:8.2f} {cn:8.2f} {co / cn:6.1f}x"
            )
        if tables:
            print("\n== output tables, old vs new (timing columns dropped) ==")
            print("\n".join(compare_tables(tables["old"], tables["new"])))


if __name__ == "__main__":
    main()
