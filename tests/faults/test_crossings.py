"""Fault injection: crossing volumes (BTS, CBP bridges) and wait times (CBP, Bordify, SANDAG)."""

from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest

import binational
from binational import settings
from binational._bounded import DecompressionBombError
from binational._plausible import today
from binational.drops import DropReport
from binational.errors import DataSourceError, SchemaError
from binational.io import bts as io_bts
from binational.io import waits as io_waits

from .conftest import BRIDGES, HOURLY, LIVE, SANDAG, SERIES


def _replace_first(rows, old, new):
    out = list(rows)
    out[0] = out[0].replace(old, new, 1)
    return out


def _bts(path, rep):
    return io_bts.read_bts(path, ports=[2504], report=rep)


def test_x01_negative_bts_count_is_dropped_and_reported(bts_excerpt):
    def edit(rows):
        parts = rows[0].split(",")
        parts[6] = "-4000"
        return [",".join(parts), *rows[1:]]

    path = bts_excerpt(edit)
    rep = DropReport()
    df = _bts(path, rep)
    assert (df["value"] >= 0).all()
    d = rep.to_frame().query("reason == 'negative_count'")
    assert len(d) == 1 and path.name in d["detail"].iloc[0]


def _set_field(rows, index, value):
    parts = rows[0].split(",")
    parts[index] = value
    return [",".join(parts), *rows[1:]]


def test_x02_bts_date_in_the_future_is_dropped_and_reported(bts_excerpt):
    path = bts_excerpt(lambda rows: _set_field(rows, 4, "Feb 2095"))
    rep = DropReport()
    df = _bts(path, rep)
    assert df["month"].max() <= today()
    d = rep.to_frame().query("reason == 'date_out_of_range'")
    assert len(d) == 1 and "2095" in d["detail"].iloc[0]


def test_x03_bts_date_before_coverage_is_dropped_and_reported(bts_excerpt):
    path = bts_excerpt(lambda rows: _replace_first(rows, " 2023,", " 1901,"))
    rep = DropReport()
    df = _bts(path, rep)
    assert df["month"].min() >= pd.Timestamp("1996-01-01")
    assert (rep.to_frame()["reason"] == "date_out_of_range").sum() == 1


def test_x04_bts_typo_date_names_the_bad_value_and_row(bts_excerpt):
    path = bts_excerpt(lambda rows: _replace_first(rows, " 2023,", " 2O23,"))
    with pytest.raises(SchemaError) as exc:
        _bts(path, DropReport())
    msg = str(exc.value)
    assert path.name in msg and "2O23" in msg and "row" in msg
    assert "Jan 2024" not in msg  # valid dates are not given as the examples


def test_x05_bts_non_numeric_value(bts_excerpt):
    def edit(rows):
        parts = rows[0].split(",")
        parts[6] = "12k"
        return [",".join(parts), *rows[1:]]

    path = bts_excerpt(edit)
    with pytest.raises(SchemaError, match=r"bts_excerpt\.csv.*value.*12k"):
        _bts(path, DropReport())


def test_x06_bts_without_value_column(bts_excerpt, tmp_path):
    path = bts_excerpt()
    df = pd.read_csv(path, dtype=str).drop(columns=["Value"])
    df.to_csv(path, index=False)
    with pytest.raises(SchemaError, match=r"bts_excerpt\.csv.*value"):
        _bts(path, DropReport())


def test_x07_bts_html_error_page(tmp_path):
    path = tmp_path / "bts.csv"
    path.write_text("<html><head><title>502 Bad Gateway</title></head></html>")
    with pytest.raises(DataSourceError, match=r"bts\.csv.*HTML"):
        _bts(path, DropReport())


def test_x08_bts_truncated_gzip(bts_excerpt, tmp_path):
    raw = gzip.compress(bts_excerpt().read_bytes())
    path = tmp_path / "bts.csv.gz"
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataSourceError, match=r"bts\.csv\.gz"):
        _bts(path, DropReport())


def test_x09_bts_api_error_body(tmp_path):
    path = tmp_path / "bts.json"
    path.write_text(json.dumps({"message": "Rate limit exceeded", "code": 429}))
    with pytest.raises(DataSourceError, match=r"bts\.json.*API error.*Rate limit"):
        _bts(path, DropReport())


def test_x10_cbp_live_api_error_body(tmp_path):
    path = tmp_path / "bwt.json"
    path.write_text(json.dumps({"message": "An error has occurred."}))
    with pytest.raises(DataSourceError, match=r"bwt\.json.*API error.*An error has occurred"):
        io_waits.read_waits(path, report=DropReport())


def _hourly(copy_file, edit):
    path = copy_file(HOURLY)
    df = pd.read_csv(path)
    edit(df)
    df.to_csv(path, index=False)
    return path


def test_x11_negative_cbp_wait_is_dropped_and_reported(copy_file):
    path = _hourly(copy_file, lambda d: d.__setitem__("pv_time_avg", [-90, *d["pv_time_avg"][1:]]))
    rep = DropReport()
    w = io_waits.read_waits(path, report=rep)
    assert w["minutes"].min() >= 0
    d = rep.to_frame().query("reason == 'wait_out_of_range'")
    assert len(d) >= 1 and "-90" in d["detail"].iloc[0] and path.name in d["detail"].iloc[0]


def test_x12_wait_above_600_minutes_is_dropped_and_reported(copy_file):
    path = _hourly(
        copy_file, lambda d: d.__setitem__("ped_time_avg", [900, *d["ped_time_avg"][1:]])
    )
    rep = DropReport()
    w = io_waits.read_waits(path, report=rep)
    assert w["minutes"].max() <= 600
    assert (rep.to_frame()["reason"] == "wait_out_of_range").sum() >= 1


def test_x13_series_snapshot_in_the_future_is_dropped_and_reported(data_dir, tmp_path):
    raw = pd.read_csv(data_dir / SERIES, dtype=str).head(300)
    raw.loc[0, "ultima_actualizacion_local"] = "2099-03-13 16:02:17"
    raw.loc[0, "commit_time_utc"] = "2099-03-13T23:02:24Z"
    path = tmp_path / "series.csv"
    raw.to_csv(path, index=False)
    rep = DropReport()
    w = io_waits.read_waits(path, report=rep)
    assert w["time"].max() <= pd.Timestamp.now(tz="UTC")
    assert (rep.to_frame()["reason"] == "date_out_of_range").sum() == 1


def test_x14_empty_wait_file(tmp_path):
    path = tmp_path / "waits.csv"
    path.write_text("")
    with pytest.raises(DataSourceError, match=r"waits\.csv.*empty"):
        io_waits.read_waits(path, report=DropReport())


def test_x15_unknown_wait_shape_names_the_header(tmp_path):
    path = tmp_path / "waits.csv"
    path.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(SchemaError, match=r"waits\.csv.*a,b,c"):
        io_waits.read_waits(path, report=DropReport())


def test_x16_gzip_bomb_is_refused_while_streaming(tmp_path, monkeypatch, bts_lines):
    monkeypatch.setattr(settings, "max_decompressed_bytes", 2_000_000)
    path = tmp_path / "bts_bomb.csv.gz"
    with gzip.open(path, "wb") as fh:
        fh.write((bts_lines[0] + "\n").encode())
        block = ("\n".join(bts_lines[1:]) + "\n").encode()
        for _ in range(200):
            fh.write(block)
    assert path.stat().st_size < 2_000_000
    with pytest.raises(DecompressionBombError, match=r"bts_bomb\.csv\.gz.*2,000,000"):
        _bts(path, DropReport())


def test_x17_sandag_negative_wait_is_dropped_and_reported(copy_file):
    path = copy_file(SANDAG)
    df = pd.read_csv(path)
    df.loc[0, "wait_time"] = -15
    df.to_csv(path, index=False)
    rep = DropReport()
    w = io_waits.read_waits(path, report=rep)
    assert w["minutes"].min() >= 0
    assert (rep.to_frame()["reason"] == "wait_out_of_range").sum() == 1


def test_x18_negative_bridge_count_is_dropped_and_reported(copy_file):
    path = copy_file(BRIDGES)
    df = pd.read_csv(path)
    df.loc[0, "Northbound Crossing"] = -1229
    df.to_csv(path, index=False)
    rep = DropReport()
    out = io_bts.read_bridge_counts(path, report=rep)
    assert (out["value"] >= 0).all()
    assert (rep.to_frame()["reason"] == "negative_count").sum() == 1


def test_x19_live_snapshot_negative_delay_is_reported(copy_file):
    path = copy_file(LIVE)
    doc = json.loads(path.read_text())
    for rec in doc:
        if rec.get("border") == "Mexican Border":
            for val in rec.values():
                if isinstance(val, dict) and "standard_lanes" in val:
                    val["standard_lanes"]["delay_minutes"] = "-30"
                    val["standard_lanes"]["operational_status"] = "no delay"
            break
    path.write_text(json.dumps(doc))
    rep = DropReport()
    w = io_waits.read_waits(path, report=rep)
    assert (w["minutes"].dropna() >= 0).all()
    assert (rep.to_frame()["reason"] == "wait_out_of_range").sum() >= 1


def test_x20_reader_drops_reach_region_drops(copy_file, data_dir, bts_excerpt):
    hourly = _hourly(
        copy_file, lambda d: d.__setitem__("pv_time_avg", [-90, *d["pv_time_avg"][1:]])
    )

    def edit(rows):
        parts = rows[0].split(",")
        parts[6] = "-4000"
        return [",".join(parts), *rows[1:]]

    bts = bts_excerpt(edit)
    region = binational.load_region(
        "tijuana-san-diego",
        data_dir=data_dir,
        files={
            "bts": bts,
            "waits_hourly": hourly,
            "waits_live": [],
            "waits_series": [],
            "waits_sandag": [],
        },
        network=False,
    )
    d = region.drops.to_frame()
    assert set(d.loc[d["reason"] == "wait_out_of_range", "layer"]) >= {"waits_hourly"}
    assert (d.loc[d["reason"] == "negative_count", "layer"] == "bts").sum() == 1
    assert region.waits["minutes"].min() >= 0
    assert (region.crossings["value"] >= 0).all()
    # a second load (from the table cache) reports the same drops
    again = binational.load_region(
        "tijuana-san-diego",
        data_dir=data_dir,
        files={
            "bts": bts,
            "waits_hourly": hourly,
            "waits_live": [],
            "waits_series": [],
            "waits_sandag": [],
        },
        network=False,
    )
    assert len(again.drops.to_frame()) == len(d)
