"""Fault injection: run folders (locks, stale files, leftovers), the CLI, and HTML escaping."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from binational import _outputs, settings
from binational._atomic import file_sha256
from binational.cli import main
from binational.errors import OutputError

# -------------------------------------------------------------------------------------- outputs


def _run(out, files: dict[str, str], *, command="test"):
    with _outputs.run_folder(out, command=command) as tmp:
        for name, text in files.items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_text(text)


def _manifest(out: Path) -> dict:
    return json.loads((out / _outputs.MANIFEST).read_text())


def test_o01_second_concurrent_run_fails_clearly(tmp_path):
    out = tmp_path / "out"
    with (
        _outputs.run_folder(out, command="first"),
        pytest.raises(OutputError, match=r"another binational run \(pid \d+\)"),
        _outputs.run_folder(out, command="second"),
    ):
        pass


def test_o02_stale_files_of_the_previous_run_are_removed(tmp_path):
    out = tmp_path / "out"
    _run(out, {"travel_time.tif": "hour 7", "summary.csv": "old"})
    _run(out, {"summary.csv": "new"})
    assert sorted(p.name for p in out.iterdir()) == [_outputs.MANIFEST, "summary.csv"]
    assert (out / "summary.csv").read_text() == "new"


def test_o03_files_no_run_wrote_are_kept_and_listed(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    _run(out, {"summary.csv": "new"})
    assert (out / "notes.txt").read_text() == "mine"
    assert _manifest(out)["kept"] == ["notes.txt"]


def test_o04_leftover_part_files_are_removed(tmp_path):
    out = tmp_path / "out"
    _run(out, {"a.csv": "1"})
    (out / ".report.html.abc123.part").write_text("half")
    _run(out, {"a.csv": "2"})
    assert not list(out.glob("*.part"))


def test_o05_leftover_temporary_folder_of_a_killed_run_is_removed(tmp_path):
    out = tmp_path / "out"
    dead = tmp_path / ".out.tmp-99999"
    dead.mkdir()
    (dead / "units.csv").write_text("")
    _run(out, {"a.csv": "1"})
    assert not dead.exists()


def test_o06_failing_run_leaves_the_previous_output(tmp_path):
    out = tmp_path / "out"
    _run(out, {"a.csv": "1"})
    before = _manifest(out)
    with pytest.raises(RuntimeError), _outputs.run_folder(out, command="x") as tmp:
        (tmp / "a.csv").write_text("2")
        raise RuntimeError("boom")
    assert (out / "a.csv").read_text() == "1" and _manifest(out) == before
    assert not list(tmp_path.glob(".out.tmp-*"))


def test_o07_output_path_is_a_file(tmp_path):
    out = tmp_path / "out"
    out.write_text("x")
    with pytest.raises(OutputError, match=r"exists and is not a folder"):
        _run(out, {"a.csv": "1"})


def test_o08_unwritable_location(tmp_path):
    with pytest.raises(OutputError, match=r"--out"):
        _run(Path("/proc/binational-out"), {"a.csv": "1"})


def test_o09_manifest_lists_every_file_with_its_checksum(tmp_path):
    out = tmp_path / "out"
    _run(out, {"a.csv": "1", "sub/b.csv": "2"})
    doc = _manifest(out)
    assert {f["path"] for f in doc["files"]} == {"a.csv", "sub/b.csv"}
    for f in doc["files"]:
        assert f["sha256"] == file_sha256(out / f["path"])


def test_o10_swap_without_renameat2(tmp_path, monkeypatch):
    monkeypatch.setattr(_outputs, "_exchange", lambda a, b: False)
    out = tmp_path / "out"
    _run(out, {"a.csv": "1"})
    _run(out, {"b.csv": "2"})
    assert sorted(p.name for p in out.iterdir()) == sorted([_outputs.MANIFEST, "b.csv"])
    assert not list(tmp_path.glob(".out.old-*"))


def test_o11_killed_between_the_two_renames_is_recovered(tmp_path):
    out = tmp_path / "out"
    _run(out, {"a.csv": "1"})
    os.replace(out, tmp_path / ".out.old-12345")  # as a kill after the first rename leaves it
    _run(out, {"b.csv": "2"})
    assert sorted(p.name for p in out.iterdir()) == sorted([_outputs.MANIFEST, "b.csv"])
    assert not (tmp_path / ".out.old-12345").exists()


def test_o12_current_folder_is_written_file_by_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.txt").write_text("keep")
    _run(tmp_path, {"x_concentration.csv": "1", "x_local.gpkg": "g"})
    _run(tmp_path, {"x_concentration.csv": "2"})
    names = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))
    assert names == [_outputs.MANIFEST, "mine.txt", "x_concentration.csv"]
    assert _manifest(tmp_path)["removed"] == ["x_local.gpkg"]


# ------------------------------------------------------------------------------------------ CLI


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["catchments", "juarez-el-paso", "--out", "o", "--hour", "25"], "hour of day 25"),
        (["catchments", "juarez-el-paso", "--out", "o", "--hour", "-1"], "hour of day -1"),
        (["catchments", "juarez-el-paso", "--out", "o", "--month", "13"], "month 13"),
        (["catchments", "juarez-el-paso", "--out", "o", "--month", "0"], "month 0"),
        (["catchments", "juarez-el-paso", "--out", "o", "--weekday", "9"], "weekday"),
        (["catchments", "juarez-el-paso", "--out", "o", "--minutes", "nan"], "'nan'"),
        (["catchments", "juarez-el-paso", "--out", "o", "--minutes", "inf"], "'inf'"),
        (["catchments", "juarez-el-paso", "--out", "o", "--minutes", "0"], "'0'"),
        (["catchments", "juarez-el-paso", "--out", "o", "--resolution", "-5"], "'-5'"),
        (["summary", "juarez-el-paso", "--months", "0"], "--months"),
        (["concentration", "juarez-el-paso", "--alpha", "2"], "'2'"),
        (["maps", "juarez-el-paso", "-k", "0"], "-k"),
        (["batch", "--regions", "juarez-el-paso", "--out", "o", "--hour", "24"], "hour of day 24"),
    ],
)
def test_l01_impossible_arguments_are_refused(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_l02_unwritable_cache_folder(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setattr(settings, "cache_dir", str(blocker / "cache"))
    code = main(["summary", "juarez-el-paso", "--no-network"])
    err = capsys.readouterr().err
    assert code == 2
    assert "cache folder" in err and "BINATIONAL_CACHE_DIR" in err and "Traceback" not in err


def test_l03_output_folder_in_an_unwritable_place(capsys):
    code = main(["catchments", "juarez-el-paso", "--out", "/proc/binational-out"])
    err = capsys.readouterr().err
    assert code == 2 and "/proc/binational-out" in err and "--out" in err


def test_l04_output_path_is_a_file(tmp_path, capsys):
    f = tmp_path / "taken"
    f.write_text("x")
    code = main(["maps", "juarez-el-paso", "--out", str(f)])
    assert code == 2 and "not a folder" in capsys.readouterr().err


def test_l05_unknown_region(capsys):
    code = main(["summary", "atlantis"])
    err = capsys.readouterr().err
    assert code == 2 and "atlantis" in err


def test_l06_unexpected_error_is_one_line(monkeypatch, capsys):
    from binational.cli import summary

    def boom(args):
        raise KeyError("surprise")

    monkeypatch.setattr(summary, "run", boom)  # register() binds the module's run
    code = main(["summary", "juarez-el-paso"])
    err = capsys.readouterr().err
    assert code == 3 and "KeyError" in err and "-vv" in err and "Traceback" not in err


# ----------------------------------------------------------------------------------------- HTML

PAYLOAD = '<img src=x onerror="alert(1)">'


@pytest.fixture(scope="module")
def tiny(data_dir):
    import dataclasses

    import binational

    region = binational.load_region("juarez-el-paso", data_dir=data_dir, network=False)
    units = region.units.head(12).copy()
    units["name"] = PAYLOAD
    ports = region.ports.copy()
    ports["name"] = PAYLOAD
    ports["port_code"] = ports["port_code"]
    spec = dataclasses.replace(region.spec, title=PAYLOAD)
    return dataclasses.replace(region, units=units, ports=ports, spec=spec)


def _page(tiny, **kw) -> str:
    from binational.render import maps

    page = maps.map_html(maps.region_map(tiny, "pop_total", normalize=None, **kw), offline=False)
    return _norm(page)


def _norm(page: str) -> str:
    """Undo JSON's \\uXXXX escapes of <, > and & (jinja's tojson) to read the strings."""
    return page.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")


def test_h01_port_tooltip_is_escaped(tiny):
    page = _page(tiny, border=None)
    assert '"n":"&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"' in page  # port tooltip text
    assert '"n":"<img' not in page


def test_h02_unit_tooltip_table_escapes_in_the_browser(tiny):
    page = _page(tiny, border=None)
    assert "function esc(s)" in page and "esc(vals[i])" in page and "esc(labels[i])" in page


def test_h03_layer_names_are_escaped(tiny):
    from binational.render import maps

    units = tiny.units.assign(name="plain")
    m = maps.new_map(units, tiles=None)
    maps.add_units(m, units, "pop_total", name=PAYLOAD)
    page = _norm(maps.map_html(maps.finish_map(m), offline=False))
    assert '"&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" :' in page  # the layer control
    assert '"<img src=x' not in page


def test_h04_title_is_escaped(tiny):
    page = _page(tiny, border=None)
    assert "<h4>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</h4>" in page


def test_h05_script_end_tag_cannot_close_the_data(tiny):
    import dataclasses

    units = tiny.units.assign(name="</script><script>alert(1)</script>")
    page = _page(dataclasses.replace(tiny, units=units), border=None)
    assert "</script><script>alert(1)" not in page


def test_h06_report_iframe_is_sandboxed():
    from importlib.resources import files

    text = (files("binational.render") / "templates" / "report.html.j2").read_text()
    assert '<iframe class="map" sandbox="allow-scripts"' in text
    assert "allow-same-origin" not in text
