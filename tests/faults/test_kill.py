"""SIGKILL during a run: the output folder holds the previous or the new complete output.

``test_kill_run_folder_at_many_moments`` kills a small writer (many files, a slow commit) at
30 moments, including inside the commit; ``test_kill_each_command`` (slow) kills each writing
command of the CLI at several moments of a real run on the shared data.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from binational._atomic import file_sha256
from binational._outputs import MANIFEST

SRC = str(Path(__file__).resolve().parents[2] / "src")


def check_complete(out: Path) -> dict:
    """Assert ``out`` is one complete run (manifest == files on disk); return its manifest."""
    doc = json.loads((out / MANIFEST).read_text())
    listed = {f["path"]: f for f in doc["files"]}
    on_disk = {
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and p.name != MANIFEST and not p.name.startswith(".binational")
    }
    assert on_disk == set(listed) | set(doc.get("kept", [])), (on_disk, set(listed))
    for rel, f in listed.items():
        assert file_sha256(out / rel) == f["sha256"], rel
    assert not list(out.rglob("*.part"))
    return doc


_WRITER = """
import sys, time
from binational._outputs import run_folder
out, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with run_folder(out, command="writer", params={"tag": tag}) as tmp:
    for i in range(n):
        (tmp / f"{tag}_{i:03d}.txt").write_text(tag * 2000)
        time.sleep(0.002)
"""


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_kill_run_folder_at_many_moments(tmp_path):
    out = tmp_path / "out"
    script = tmp_path / "writer.py"
    script.write_text(_WRITER)
    subprocess.run([sys.executable, str(script), str(out), "old", "150"], check=True, env=_env())
    old = check_complete(out)
    seen = set()
    for k in range(30):
        tag = "new"
        proc = subprocess.Popen([sys.executable, str(script), str(out), tag, "150"], env=_env())
        time.sleep(0.25 + k * 0.03)  # interpreter start, writing, manifest, swap
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        doc = check_complete(out)
        seen.add(doc["params"]["tag"])
        assert doc["params"]["tag"] in ("old", "new")
        if doc["params"]["tag"] == "new":  # back to the old output for the next kill
            subprocess.run(
                [sys.executable, str(script), str(out), "old", "150"], check=True, env=_env()
            )
    assert old["params"]["tag"] == "old"
    # the next complete run removes every leftover of the killed ones
    subprocess.run([sys.executable, str(script), str(out), "new", "5"], check=True, env=_env())
    check_complete(out)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith((".out.tmp-", ".out.old-"))]
    assert seen == {"old", "new"}  # kills landed before and after the swap


COMMANDS = {
    "catchments": (
        [
            "catchments",
            "juarez-el-paso",
            "--method",
            "straight-line",
            "--wait-fallback",
            "zero",
            "--minutes",
            "30",
            "60",
        ],
        ["--hour", "7"],
        ["--hour", "17"],
    ),
    "concentration": (
        ["concentration", "juarez-el-paso", "--permutations", "9", "--no-local"],
        ["--seed", "1"],
        ["--seed", "2"],
    ),
    "maps": (["maps", "juarez-el-paso", "--column", "pop_density"], ["-k", "4"], ["-k", "5"]),
    "report": (
        ["report", "juarez-el-paso", "--no-network", "--permutations", "9"],
        ["--lang", "en"],
        ["--lang", "es"],
    ),
}


def _cli(args: list[str], out: Path) -> list[str]:
    return [sys.executable, "-m", "binational.cli", *args, "--out", str(out)]


@pytest.mark.slow
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_kill_each_command(command, tmp_path):
    base, first, second = COMMANDS[command]
    out = tmp_path / "out"
    t0 = time.perf_counter()
    subprocess.run(_cli(base + first, out), check=True, env=_env(), capture_output=True)
    duration = time.perf_counter() - t0
    previous = check_complete(out)
    for frac in (0.2, 0.6, 0.97):
        proc = subprocess.Popen(
            _cli(base + second, out),
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(duration * frac)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        doc = check_complete(out)
        assert doc["files"] == previous["files"] or doc["params"] != previous["params"]
    subprocess.run(_cli(base + second, out), check=True, env=_env(), capture_output=True)
    final = check_complete(out)
    assert final["params"] != previous["params"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith((".out.tmp-", ".out.old-"))]
