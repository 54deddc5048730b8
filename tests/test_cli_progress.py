"""Long steps show progress on stderr by default, nothing with --quiet, and nothing in tests."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from binational._progress import progress, step
from binational.cli import main

ARGS = [
    "catchments",
    "juarez-el-paso",
    "--method",
    "straight-line",
    "--wait-fallback",
    "zero",
    "--minutes",
    "30",
    "60",
]


def _run(argv: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    # the data folder as an absolute path: the command runs in tmp_path, and CI gives a relative one
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).parents[1] / "src"),
        "BINATIONAL_DATA_DIR": str(
            Path(os.environ.get("BINATIONAL_DATA_DIR", "../shared/data")).resolve()
        ),
    }
    return subprocess.run(
        [sys.executable, "-m", "binational.cli", *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )


@pytest.mark.slow
def test_default_shows_the_steps_with_timings(tmp_path):
    out = _run([*ARGS, "--out", "o"], tmp_path)
    assert out.returncode == 0, out.stderr
    for name in ("load juarez-el-paso", "load mx_units", "isochrones", "catchments of"):
        assert re.search(rf"{name}[^\n]*: \d+\.\d s", out.stderr), (name, out.stderr)
    assert "written to" in out.stdout  # results stay on stdout


@pytest.mark.slow
@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_prints_nothing_on_stderr(tmp_path, where):
    argv = ["--quiet", *ARGS, "--out", "o"] if where == "before" else [*ARGS, "--out", "o", "-q"]
    out = _run(argv, tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    assert "written to" in out.stdout


def test_in_process_runs_print_nothing_on_stderr(tmp_path, capsys):
    # under pytest the log is captured by pytest, never printed
    code = main([*ARGS, "--out", str(tmp_path / "o")])
    assert code == 0
    assert capsys.readouterr().err == ""


def test_step_logs_start_and_duration(caplog):
    with caplog.at_level(logging.INFO, logger="binational.progress"), step("parse"):
        pass
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0] == "parse ..."
    assert re.fullmatch(r"parse: \d+\.\d s", messages[1])


def test_step_logs_a_failure_and_reraises(caplog):
    with (
        caplog.at_level(logging.INFO, logger="binational.progress"),
        pytest.raises(KeyError),
        step("parse"),
    ):
        raise KeyError("x")
    assert re.fullmatch(r"parse: failed after \d+\.\d s", caplog.records[-1].getMessage())


def test_step_is_also_a_decorator(caplog):
    @step("work")
    def work(x):
        return x + 1

    with caplog.at_level(logging.INFO, logger="binational.progress"):
        assert work(1) == 2
    assert [r.getMessage().split(":")[0] for r in caplog.records] == ["work ...", "work"]


def test_progress_is_the_iterable_itself_off_a_terminal(monkeypatch):
    from binational import settings

    items = [1, 2, 3]
    monkeypatch.setattr(settings, "progress", True)
    assert progress(items, desc="x") is items  # stderr is not a terminal under pytest
    monkeypatch.setattr(settings, "progress", False)
    assert progress(items, desc="x") is items
