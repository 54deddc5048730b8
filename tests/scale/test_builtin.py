"""The built-in batch tasks on the real data, against direct calls of the same functions."""

from __future__ import annotations

import pytest
from pandas.testing import assert_frame_equal

import binational
from binational.cli import main
from binational.scale import TASKS, run_batch, stack_regions
from binational.scale.results import read_manifest
from binational.units import load_region, population_check

REGIONS = ["juarez-el-paso", "tijuana-san-diego", "mexicali-calexico", "nogales-nogales"]


@pytest.fixture(scope="module")
def direct(data_dir):
    """The single-machine path: load_region called here for the regions with both sides."""
    return {
        r: load_region(r, data_dir=data_dir, network=False)
        for r in ("juarez-el-paso", "tijuana-san-diego")
    }


@pytest.fixture(scope="module")
def batch(client, data_dir, tmp_path_factory):
    return run_batch(
        REGIONS,
        tasks=["load", "grid"],
        scheduler=client,
        out_dir=tmp_path_factory.mktemp("builtin"),
        data_dir=data_dir,
        network=False,
        grid_size=2000,
    )


def test_statuses(batch):
    m = batch.manifest.set_index(["region", "task"])
    for region in ("juarez-el-paso", "tijuana-san-diego"):
        assert m.loc[(region, "load"), "status"] == "done"
        assert m.loc[(region, "grid"), "status"] == "done"
    row = m.loc[("mexicali-calexico", "load")]
    assert row["status"] == "skipped"
    assert "no US census units" in row["error"] and "06025" in row["error"]
    assert m.loc[("nogales-nogales", "grid"), "status"] == "skipped"


def test_load_tables_equal_load_region(batch, direct):
    for table, get in (
        ("units", lambda r: r.units),
        ("ports", lambda r: r.ports),
        ("crossings", lambda r: r.crossings),
        ("drops", lambda r: r.drops.to_frame()),
    ):
        (
            assert_frame_equal(
                batch.table(table),
                stack_regions({k: get(v) for k, v in direct.items()}),
                check_dtype=table != "drops",
            ),
            table,
        )
    assert_frame_equal(
        batch.table("population_check"),
        stack_regions({k: population_check(v.units) for k, v in direct.items()}),
    )


def test_grid_conserves_population(batch, direct):
    grid = batch.table("population_grid")
    for region, reg in direct.items():
        got = grid.loc[grid["region"] == region, "pop_total"].sum()
        assert got == pytest.approx(reg.units["pop_total"].sum(), rel=1e-6)


def test_one_side_regions_run_when_asked(data_dir, tmp_path):
    result = run_batch(
        ["mexicali-calexico"],
        tasks=["load"],
        scheduler="serial",
        out_dir=tmp_path,
        data_dir=data_dir,
        require_both_sides=False,
        network=False,
    )
    assert result.ok and result.manifest["status"].tolist() == ["done"]
    units = result.table("units")
    assert set(units["country"]) == {"MX"}
    ref = load_region("mexicali-calexico", data_dir=data_dir, network=False).units
    assert len(units) == len(ref) == 481  # CONAPO AGEBs matched in Mexicali (SOURCES.md)


@pytest.mark.parametrize("name", ["concentration", "catchments", "report"])
def test_other_tasks_run_or_say_why(name, data_dir, tmp_path):
    """Each analysis task is available and runs on Juárez–El Paso."""
    # Juárez–El Paso has no hourly wait profile in the shared data: catchments need the user's
    # choice of fallback, which the batch passes through task options
    result = run_batch(
        ["juarez-el-paso"],
        tasks=[name],
        scheduler="serial",
        out_dir=tmp_path,
        data_dir=data_dir,
        permutations=19,
        network=False,
        task_options={"catchments": {"wait_fallback": "zero"}},
    )
    row = result.manifest.iloc[0]
    # every built-in task is available in the package itself
    assert TASKS[name].available() is None
    assert row["status"] == "done", row["error"]
    if name == "report":
        html = tmp_path / "regions" / "juarez-el-paso" / "files" / "report" / "juarez-el-paso.html"
        text = html.read_text()
        assert "Ju" in text and "<html" in text.lower() and len(text) > 10_000


def test_concentration_batch_equals_direct_call(client, direct, data_dir, tmp_path):
    """Same seed, same values: the batch on 2 workers and concentration_profile called here."""
    from binational.concentration import concentration_profile

    result = run_batch(
        ["juarez-el-paso"],
        tasks=["concentration"],
        scheduler=client,
        out_dir=tmp_path,
        data_dir=data_dir,
        permutations=49,
        seed=123,
        network=False,
    )
    assert result.ok, result.failures
    region = direct["juarez-el-paso"]
    tables = []
    for group in ("hispanic", "high_marginalization"):
        table = concentration_profile(region, group=group, permutations=49, seed=123).table
        tables.append(table.assign(group=group) if "group" not in table.columns else table)
    import pandas as pd

    expected = stack_regions({"juarez-el-paso": pd.concat(tables, ignore_index=True)})
    assert_frame_equal(result.table("concentration"), expected)


def test_cli_batch(data_dir, tmp_path, capsys):
    code = main(
        [
            "batch",
            "--regions",
            "juarez-el-paso,nogales-nogales",
            "--tasks",
            "load",
            "--scheduler",
            "serial",
            "--out",
            str(tmp_path),
            "--no-network",
            "--data-dir",
            str(data_dir),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "skipped:" in out and "nogales-nogales [load]: no US census units" in out
    m = read_manifest(tmp_path)
    assert m.set_index("region").loc["juarez-el-paso", "status"] == "done"
    # a re-run reuses the finished region
    main(
        [
            "batch",
            "--regions",
            "juarez-el-paso",
            "--tasks",
            "load",
            "--scheduler",
            "serial",
            "--out",
            str(tmp_path),
            "--no-network",
            "--data-dir",
            str(data_dir),
        ]
    )
    assert "1 task(s) reused" in capsys.readouterr().out


def test_cli_batch_options(data_dir, tmp_path, capsys):
    code = main(
        [
            "batch",
            "--regions",
            "juarez-el-paso",
            "--tasks",
            "catchments",
            "--scheduler",
            "serial",
            "--out",
            str(tmp_path),
            "--no-network",
            "--data-dir",
            str(data_dir),
            "--option",
            "catchments.wait_fallback=zero",
            "--option",
            "catchments.hour=8",
        ]
    )
    assert code == 0, capsys.readouterr()
    status = read_manifest(tmp_path).iloc[0]
    assert status["status"] == "done", status["error"]
    import json

    params = json.loads(
        (tmp_path / "regions" / "juarez-el-paso" / "_status" / "catchments.json").read_text()
    )["params"]
    assert params["options"] == {"wait_fallback": "zero", "hour": 8}
    assert (
        main(
            ["batch", "--regions", "juarez-el-paso", "--out", str(tmp_path), "--option", "nodot=1"]
        )
        == 2
    )


def test_cli_batch_bad_minutes(tmp_path, capsys):
    # argparse refuses the band before anything runs (exit 2, the option named)
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "batch",
                "--regions",
                "juarez-el-paso",
                "--out",
                str(tmp_path),
                "--minutes",
                "15,x",
                "--scheduler",
                "serial",
            ]
        )
    assert exc.value.code == 2
    assert "--minutes" in capsys.readouterr().err


def test_settings_untouched_after_serial_run(data_dir, tmp_path):
    before = (binational.settings.data_dir, binational.settings.cache_dir)
    run_batch(
        ["nogales-nogales"], tasks=["load"], scheduler="serial", out_dir=tmp_path, data_dir=data_dir
    )
    assert (binational.settings.data_dir, binational.settings.cache_dir) == before


def test_every_builtin_task_is_available():
    assert {name: task.available() for name, task in TASKS.items()} == dict.fromkeys(TASKS)


def test_available_raises_when_our_own_module_fails_to_import(monkeypatch):
    """An absent module makes a task unavailable; one of ours that fails to import is raised."""
    import importlib

    from binational.scale.tasks import Task

    def task(*requires):
        return Task("probe", lambda ctx: None, requires=requires)

    assert (
        "binational.no_such_module is not available"
        in task("binational.no_such_module").available()
    )
    assert "no_such_package_xyz" in task("no_such_package_xyz").available()
    assert task("binational.concentration:concentration_profile").available() is None
    assert "no_such_function" in task("binational.concentration:no_such_function").available()

    real = importlib.import_module

    def broken(name, *args, **kwargs):
        if name == "binational.concentration":
            raise ModuleNotFoundError("No module named 'numba'", name="numba")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(importlib, "import_module", broken)
    with pytest.raises(ModuleNotFoundError, match="numba"):
        task("binational.concentration:concentration_profile").available()
    # a third-party requirement that fails to import still only makes the task unavailable
    monkeypatch.setattr(
        importlib, "import_module", lambda name, *a, **k: (_ for _ in ()).throw(ImportError(name))
    )
    assert "json.decoder is not available" in task("json:decoder").available()
