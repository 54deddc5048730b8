"""A report gives the same page whether its two sides run in a forked process, a thread, or one
after the other; errors in the side worker reach the caller."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

from binational import settings
from binational.pipeline import _parallel, reporting


def _page(html: str) -> str:
    """The page without what differs between any two runs: folium's random element ids,
    matplotlib's SVG ids, the minute it was made."""
    html = re.sub(r"[0-9a-f]{32}", "<id>", html)
    html = re.sub(r"\b([pm])[0-9a-f]{10}\b", r"\1<id>", html)
    return re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "<time>", html)


def _same_page(one: str, two: str) -> None:
    """Assert two pages are the same but for :func:`_page`'s parts; on a difference, show where
    (pytest's own diff of two 1 MB strings takes many minutes)."""
    a, b = _page(one), _page(two)
    if a != b:
        i = next(
            (k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
        )
        raise AssertionError(
            f"pages differ at {i}:\n{a[i - 300 : i + 300]}\n---\n{b[i - 300 : i + 300]}"
        )


def test_a_thread_gives_the_page_one_worker_gives(jz, monkeypatch):
    threads_seen = []
    chain = reporting._network_chain

    def spy(*args, **kwargs):
        threads_seen.append(threading.current_thread().name)
        return chain(*args, **kwargs)

    monkeypatch.setattr(reporting, "_network_chain", spy)
    monkeypatch.setattr(settings, "worker_kind", "thread")
    parts = {}
    for n in (1, 2):
        monkeypatch.setattr(settings, "workers", n)
        parts[n] = reporting.report(jz, groups=True, commuting=True, permutations=19, seed=3)
    # one worker ran the network side in the caller; two ran it in the side thread
    assert threads_seen[0] == "MainThread"
    assert threads_seen[1].startswith("binational-side")
    one, two = parts[1], parts[2]
    _same_page(one.html, two.html)
    assert list(one.missing.items()) == list(two.missing.items())
    pd.testing.assert_frame_equal(one.concentration.table, two.concentration.table)
    pd.testing.assert_frame_equal(one.catchments.units, two.catchments.units)
    # two sides: the census-unit side also prepared the map while the other ended
    prepared = {k for k in two.timings if k.startswith("prepare_")}
    assert prepared == {"prepare_prepare_overview"}
    assert (
        set(one.timings)
        == set(two.timings) - prepared
        >= {
            "concentration",
            "catchments",
            "section_summary_section",
            "section_catchments_section",
            "section_overview_section",
        }
    )


# Run in a fresh interpreter: forking is only done from a process with no other thread, and a
# pytest process may have some (dask clusters, browsers) left by other tests.
_FORKED = r"""
import json, os, re, sys, warnings
warnings.simplefilter("ignore")
import binational
from binational import settings
from binational.pipeline import reporting
settings.progress = False
region = binational.load_region(sys.argv[1])
chain = reporting._network_chain
def spy(*args, **kwargs):
    print("side pid", os.getpid(), file=sys.stderr, flush=True)
    return chain(*args, **kwargs)
reporting._network_chain = spy
from binational.render import report as render_report
draw = render_report.draw_sections
def draw_spy(ctx, sections, *, only=None):
    names = [sections[i].__name__ for i in (range(len(sections)) if only is None else only)]
    print("drew", os.getpid(), ",".join(names), file=sys.stderr, flush=True)
    return draw(ctx, sections, only=only)
render_report.draw_sections = draw_spy
pages = {}
for n in (1, 2):
    settings.workers = n
    pages[n] = reporting.report(region, groups=True, commuting=True, permutations=19, seed=3).html
json.dump({"parent": os.getpid(), "pages": pages}, open(sys.argv[2], "w"))
"""


def test_a_forked_process_gives_the_page_one_worker_gives(data_dir, tmp_path):
    # Tijuana–San Diego: the side process runs the catchments on the routing graph built before
    # the fork; this process draws every section but the census-unit ones again
    script = tmp_path / "forked.py"
    script.write_text(_FORKED)
    out = tmp_path / "out.json"
    env = {
        **os.environ,
        "BINATIONAL_DATA_DIR": str(data_dir),
        "BINATIONAL_WORKER_KIND": "process",
        "MPLBACKEND": "Agg",
    }
    run = subprocess.run(
        [sys.executable, str(script), "tijuana-san-diego", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads(out.read_text())
    pids = [int(p) for p in re.findall(r"side pid (\d+)", run.stderr)]
    # the first report ran its network side in the caller, the second in another process
    assert pids[0] == got["parent"] and pids[1] != got["parent"], pids
    one, two = got["pages"]["1"], got["pages"]["2"]
    assert "catchments" in one and "commuting" in one
    _same_page(one, two)
    # the second report: the side process drew the catchments section; every section was
    # drawn once, the shared one (crossings) by whichever side was free first
    second = re.findall(r"drew (\d+) (\S*)", run.stderr.split("side pid")[2])
    by_pid: dict[int, list[str]] = {}
    for pid, names in second:
        by_pid.setdefault(int(pid), []).extend(n for n in names.split(",") if n)
    assert "catchments_section" in by_pid[pids[1]]
    drawn = [n for names in by_pid.values() for n in names]
    assert sorted(drawn) == sorted(set(drawn)), drawn  # none twice
    assert "crossings_section" in drawn and "overview_section" in by_pid[got["parent"]]


def test_an_error_in_the_side_worker_reaches_the_caller(jz, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("network side failed")

    monkeypatch.setattr(reporting, "_network_chain", boom)
    monkeypatch.setattr(settings, "workers", 2)
    monkeypatch.setattr(settings, "worker_kind", "thread")
    with pytest.raises(RuntimeError, match="network side failed"):
        reporting.report(jz, permutations=19)


def _fails():
    raise KeyError("no such port")


class _Unpicklable(Exception):
    def __init__(self) -> None:
        super().__init__("cannot travel")
        self.lock = threading.Lock()


def _fails_unpicklable():
    raise _Unpicklable()


def _dies():
    os._exit(3)


def _pid_and(x):
    return os.getpid(), x * 2


def test_a_forked_job_returns_its_result_and_raises_its_errors():
    pool = _parallel._ForkExecutor()
    pid, value = pool.submit(_pid_and, 21).result()
    assert value == 42 and pid != os.getpid()
    with pytest.raises(KeyError, match="no such port") as info:
        pool.submit(_fails).result()
    assert any("_fails" in note for note in info.value.__notes__)  # the child's traceback
    # an error that cannot be pickled comes back as its text
    with pytest.raises(RuntimeError, match="_Unpicklable: cannot travel"):
        pool.submit(_fails_unpicklable).result()
    # a child that dies without an answer is an error naming its exit code, not a hang
    with pytest.raises(_parallel.WorkerError, match="exit code 3"):
        pool.submit(_dies).result()
    pool.shutdown()


def _drain(queue):
    import time

    taken = []
    while (item := queue.take()) is not None:
        taken.append(item)
        time.sleep(0.01)  # let the other side take some too
    return taken


def test_a_shared_queue_hands_each_item_to_one_side_only():
    queue = _parallel.SharedQueue(range(40), shared=True)
    pool = _parallel._ForkExecutor()
    theirs = pool.submit(_drain, queue)
    mine = _drain(queue)
    theirs = theirs.result()
    pool.shutdown()
    assert sorted(mine + theirs) == list(range(40))  # each once, none lost
    assert mine and theirs  # both took a share
    assert queue.take() is None
    local = _parallel.SharedQueue(["a", "b"], shared=False)
    assert [local.take(), local.take()] == ["a", "b"] and local.take() is None


def test_no_fork_while_other_threads_run(caplog):
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, name="someone-else", daemon=True)
    other.start()
    try:
        assert "someone-else" in (_parallel.fork_obstacle() or "")
        with (
            caplog.at_level(logging.INFO, logger="binational"),
            _parallel.side_runner(2, kind="process") as side,
        ):
            assert isinstance(side, ThreadPoolExecutor)
        assert "runs in a thread, not a process" in caplog.text
    finally:
        stop.set()
        other.join()
    with pytest.raises(ValueError, match="worker kind"), _parallel.side_runner(2, kind="fibre"):
        pass


def test_no_fork_from_a_daemonic_worker(monkeypatch):
    from types import SimpleNamespace

    monkeypatch.setattr(
        _parallel.multiprocessing, "current_process", lambda: SimpleNamespace(daemon=True)
    )
    assert "daemonic" in (_parallel.fork_obstacle() or "")
