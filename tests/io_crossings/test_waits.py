"""Wait-time loaders (CBP historical, CBP live, Bordify series, SANDAG) and wait profiles."""

from __future__ import annotations

import gzip
import json
import logging

import numpy as np
import pandas as pd
import pytest

from binational import schema
from binational.drops import DropReport
from binational.errors import DataSourceError, SchemaError
from binational.io import waits as io_waits
from binational.io.waits import bordify as io_bordify

LIVE_PREFIXES = {prefix: lane for prefix, lane in io_waits.LIVE_LANES.values()}


def _check_schema(df: pd.DataFrame) -> None:
    assert list(df.columns) == list(schema.WAITS_COLUMNS)
    assert set(df["lane"].dropna()) <= set(schema.LANES)
    assert set(df["direction"].dropna()) <= set(schema.DIRECTIONS)
    assert df["port_code"].notna().all()
    assert str(df["port_code"].dtype) == "Int64"
    assert df["hour"].dropna().between(0, 23).all()
    assert df["weekday"].dropna().between(0, 6).all()
    assert df["month"].dropna().between(1, 12).all()


# ------------------------------------------------------------------------- CBP historical


def test_hourly_values_equal_the_raw_columns(hourly, hourly_raw):
    df = hourly.df
    _check_schema(df)
    assert (df["port_code"] == 2504).all() and (df["crossing_id"] == "250401").all()
    assert df["time"].isna().all() and (df["direction"] == "northbound").all()
    for col, lane in io_waits.HOURLY_LANES.items():
        got = df[df["lane"] == lane].sort_values(["month", "weekday", "hour"])
        if (hourly_raw[col] == 0).all():
            assert got.empty  # CBP's zeros for lanes San Ysidro does not have
            continue
        ref = hourly_raw.sort_values(["bwt_month", "bwt_day", "bwt_hour"])
        np.testing.assert_array_equal(got["minutes"].to_numpy(), ref[col].to_numpy(dtype=float))
        np.testing.assert_array_equal(got["weekday"].to_numpy(), ref["bwt_day"].to_numpy())
    assert len(df) == 2016 * 5
    dropped = hourly.report.to_frame()
    assert (dropped["reason"] == "lane_absent_all_zero").sum() == 24  # 2 lanes x 12 months


def test_hourly_profile_equals_pandas_groupby(hourly, hourly_raw):
    got = io_waits.wait_profile(hourly.df, port_code=2504)  # general lane, by weekday and hour
    ref = hourly_raw.groupby(["bwt_day", "bwt_hour"])["pv_time_avg"].median()
    assert got.index.names == ["weekday", "hour"]
    np.testing.assert_allclose(got.to_numpy(), ref.to_numpy())
    by_hour = io_waits.wait_profile(
        hourly.df, port_code=2504, lane="sentri", by="hour", stat="mean"
    )
    np.testing.assert_allclose(
        by_hour.to_numpy(), hourly_raw.groupby("bwt_hour")["xpv_time_avg"].mean()
    )
    q = io_waits.wait_profile(hourly.df, port_code=2504, lane="pedestrian", by=("month",), stat=0.9)
    np.testing.assert_allclose(
        q.to_numpy(), hourly_raw.groupby("bwt_month")["ped_time_avg"].quantile(0.9)
    )


def test_hourly_crossing_id_from_name_or_argument(tmp_path, files, hourly):
    named = tmp_path / "syR-hist-09250401.csv"
    named.write_bytes(files.hourly.read_bytes())
    pd.testing.assert_frame_equal(
        io_waits.read_waits_hourly(named).drop(columns="source"), hourly.df.drop(columns="source")
    )
    anonymous = tmp_path / "hist.csv"
    anonymous.write_bytes(files.hourly.read_bytes())
    with pytest.raises(SchemaError, match="crossing_id"):
        io_waits.read_waits_hourly(anonymous)
    otay = io_waits.read_waits_hourly(anonymous, crossing_id="250601")
    assert (otay["port_code"] == 2506).all()


def test_bwt_day_zero_is_monday(hourly, series_tj):
    """CBP's historical weekday numbering, checked against the independent Bordify series.

    The San Ysidro averages (month x weekday x hour) correlate much better with the 2025-26
    observed series when bwt_day 0 is Monday (pandas' convention) than when it is Sunday."""
    for lane in ("general", "ready", "sentri"):
        cbp = io_waits.wait_profile(hourly.df, port_code=2504, lane=lane, stat="mean")
        obs = io_waits.wait_profile(series_tj.df, port_code=2504, lane=lane, crossing_id="250401")
        cbp_grid = cbp.unstack("hour").sort_index()
        obs_grid = obs.unstack("hour").sort_index()
        r_monday = np.corrcoef(cbp_grid.to_numpy().ravel(), obs_grid.to_numpy().ravel())[0, 1]
        as_sunday = cbp_grid.copy()
        as_sunday.index = (as_sunday.index - 1) % 7  # if 0 were Sunday, 0 -> pandas 6
        as_sunday = as_sunday.sort_index()
        r_sunday = np.corrcoef(as_sunday.to_numpy().ravel(), obs_grid.to_numpy().ravel())[0, 1]
        assert r_monday > 0.6, lane
        assert r_monday > r_sunday + 0.1, lane


# ------------------------------------------------------------------------- CBP live snapshot


def _live_reference(raw: pd.DataFrame) -> pd.DataFrame:
    """Plain pandas: one row per record and lane group that is not N/A."""
    rows = []
    for prefix, lane in LIVE_PREFIXES.items():
        status = raw[f"{prefix}_operational_status"]
        delay = raw[f"{prefix}_delay_minutes"]
        keep = ~(status.isin(["", "N/A"]) & (delay == ""))
        part = raw.loc[keep, ["port_number"]].assign(
            lane=lane,
            status=status[keep],
            minutes=pd.to_numeric(delay[keep].replace("", None)),
            lanes_open=pd.to_numeric(raw.loc[keep, f"{prefix}_lanes_open"].replace("", None)),
        )
        rows.append(part)
    ref = pd.concat(rows)
    closed = ref["status"].isin(["Lanes Closed", "Update Pending"])
    ref.loc[closed, "minutes"] = np.nan
    ref.loc[ref["status"].eq("Lanes Closed") & ref["lanes_open"].isna(), "lanes_open"] = 0
    return ref


def test_live_equals_plain_pandas(live, live_csv_raw):
    df = live.df
    _check_schema(df)
    ref = _live_reference(live_csv_raw)
    assert len(df) == len(ref)
    got = df.set_index(["crossing_id", "lane"]).sort_index()
    want = ref.set_index(["port_number", "lane"]).sort_index()
    np.testing.assert_array_equal(got.index.to_numpy(), want.index.to_numpy())
    np.testing.assert_allclose(got["minutes"].to_numpy(), want["minutes"].to_numpy(dtype=float))
    np.testing.assert_allclose(
        got["lanes_open"].astype(float).to_numpy(), want["lanes_open"].to_numpy(dtype=float)
    )
    # "Lanes Closed" and "Update Pending" are missing minutes, never zero
    assert want.loc[want["status"] == "Lanes Closed"].shape[0] > 10
    assert got.loc[want["status"].eq("Lanes Closed").to_numpy(), "minutes"].isna().all()
    assert df["port_code"].nunique() == 26  # 46 crossings of 26 ports (no Sasabe, Boquillas)


def test_live_json_and_csv_agree(files, live):
    from_csv = io_waits.read_waits_live(files.bwt_csv)
    pd.testing.assert_frame_equal(from_csv.drop(columns="source"), live.df.drop(columns="source"))


def test_live_snapshot_time(live):
    """SOURCES.md: captured 2022-06-29 ~13:25 ET (= 17:25 UTC)."""
    times = live.df["time"]
    assert times.nunique() == 1
    assert times.iloc[0] == pd.Timestamp("2022-06-29 17:25:16", tz="UTC")
    local = live.df.drop_duplicates("crossing_id").set_index("crossing_id")["hour"]
    assert local["250401"] == 10  # San Ysidro, PDT
    assert local["240201"] == 11  # El Paso BOTA, MDT
    assert local["230401"] == 12  # Laredo, CDT
    assert local["260401"] == 10  # Nogales, Arizona MST, although the feed says 11:25
    flagged = live.report.to_frame()
    flagged = flagged[flagged["reason"] == "feed_time_zone_mismatch"]
    assert set(flagged["id"]) == {"260401", "260402", "260403", "260201", "260801", "260802"}


def test_live_other_borders(files):
    both = io_waits.read_waits_live(files.bwt_json, border=None)
    doc = json.loads(files.bwt_json.read_text())
    assert both["crossing_id"].nunique() == len(doc) == 76
    canada = io_waits.read_waits_live(files.bwt_json, border="Canadian Border")
    assert canada["crossing_id"].nunique() == 30


def test_live_unknown_ids(tmp_path, files):
    doc = json.loads(files.bwt_json.read_text())
    mx = [r for r in doc if r["border"] == "Mexican Border"][:3]
    mx[0]["port_number"] = "x12345"
    mx[1]["port_number"] = "269901"
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(mx))
    report = DropReport()
    df = io_waits.read_waits_live(path, report=report)
    assert "x12345" not in set(df["crossing_id"])
    assert (df.loc[df["crossing_id"] == "269901", "port_code"] == 2699).all()
    reasons = report.to_frame().groupby("id")["reason"].apply(set)
    assert reasons["x12345"] == {"unknown_port"}
    assert reasons["269901"] == {"port_not_in_registry"}  # zone unknown: no mismatch claimed


# ------------------------------------------------------------------------- Bordify series


def test_series_rows_equal_the_raw_file(series_tj, series_tj_raw):
    df = series_tj.df
    _check_schema(df)
    raw = series_tj_raw
    assert len(df) == len(raw)  # nothing dropped but the implausible waits, each reported
    reported = series_tj.report.to_frame().query("reason == 'wait_out_of_range'")
    assert len(reported) == 9 and reported["detail"].str.contains("1008").all()
    assert str(df["time"].dt.tz) == "America/Tijuana"
    np.testing.assert_array_equal(df["minutes"].to_numpy(), raw["wait_minutes"].to_numpy())
    np.testing.assert_array_equal(
        df["lanes_open"].to_numpy(dtype=float), raw["lanes_open"].to_numpy(dtype=float)
    )
    labelled = raw["modo"].notna().to_numpy()
    want_lane = (raw["modo"] + "|" + raw["tipo_carril"].str.lower()).map(
        {f"{m}|{t}": lane for (m, t), lane in io_waits.SERIES_LANES.items()}
    )
    np.testing.assert_array_equal(
        df.loc[labelled, "lane"].to_numpy(), want_lane[labelled].to_numpy()
    )
    local_hour = pd.to_datetime(raw["ultima_actualizacion_local"], format="ISO8601").dt.hour
    np.testing.assert_array_equal(df["hour"].to_numpy(), local_hour.to_numpy())
    codes = raw["garita"].map(
        {"Garita San Ysidro": 2504, "Garita Otay Mesa": 2506, "Garita Chaparral": 2504}
    )
    np.testing.assert_array_equal(
        df["port_code"].to_numpy(dtype=float), codes.to_numpy(dtype=float)
    )
    chap = (raw["garita"] == "Garita Chaparral").to_numpy()
    assert (df.loc[chap, "crossing_id"] == "250407").all()
    assert df.loc[chap, "lane"].isin(["pedestrian", "pedestrian_ready"]).all()


def test_series_times_are_not_after_their_commit(series_tj, series_tj_raw):
    """An update shown on the page precedes the commit that stored it (independent column)."""
    commit = pd.to_datetime(series_tj_raw["commit_time_utc"], utc=True)
    utc = series_tj.df["time"].dt.tz_convert("UTC")
    assert (utc.to_numpy() <= (commit + pd.Timedelta(minutes=10)).to_numpy()).all()
    # the repeated hour on 2025-11-02 is resolved both ways (4 snapshots PDT, 4 PST)
    amb = series_tj.report.to_frame().query("reason == 'dst_ambiguous_resolved'")
    times = series_tj.df.loc[amb["id"].astype(int), "time"].drop_duplicates()
    assert sorted(t.utcoffset().total_seconds() / 3600 for t in times) == [-8] * 4 + [-7] * 4


def test_modo_inference_reproduces_labelled_snapshots(series_tj_file, series_tecate):
    raw = series_tj_file[series_tj_file["modo"].notna()].head(50_000)
    guessed = io_bordify._infer_modo(raw.assign(modo=""))
    assert (guessed == raw["modo"]).all()
    inferred = series_tecate.report.to_frame().query("reason == 'mode_inferred'")
    assert len(inferred) == 84  # SOURCES.md: empty in the first 42 Tecate snapshots (2 rows each)


def test_series_profile_equals_pandas(series_tj, series_tj_raw):
    raw = series_tj_raw
    sel = raw[
        (raw["garita"] == "Garita San Ysidro")
        & (raw["modo"] == "vehicular")
        & (raw["tipo_carril"] == "General")
    ]
    hour = pd.to_datetime(sel["ultima_actualizacion_local"], format="ISO8601").dt.hour
    ref = sel["wait_minutes"].groupby(hour).median()
    labelled = series_tj.df[raw["modo"].notna().to_numpy()]
    got = io_waits.wait_profile(
        labelled, port_code=2504, lane="general", by="hour", crossing_id="250401"
    )
    np.testing.assert_allclose(got.to_numpy(), ref.to_numpy())


def test_tecate(series_tecate, files):
    raw = pd.read_csv(files.series_tecate)
    assert len(series_tecate.df) == len(raw)
    assert set(series_tecate.df["lane"]) == {"general", "pedestrian"}
    assert (series_tecate.df["port_code"] == 2505).all()


def test_unknown_garita_is_reported(tmp_path, series_tj_raw, caplog):
    sub = series_tj_raw.tail(40).copy()
    sub.loc[sub.index[:5], "garita"] = "Garita Mesa de Otay II"
    path = tmp_path / "tj.csv"
    sub.to_csv(path, index=False)
    report = DropReport()
    with caplog.at_level(logging.WARNING, logger="binational"):
        df = io_waits.read_waits_series(path, report=report)
    assert len(df) == 35
    assert (report.to_frame()["reason"] == "unknown_garita").sum() == 5
    assert "Mesa de Otay II" in caplog.text


# ------------------------------------------------------------------------- SANDAG


def test_sandag_equals_raw(sandag, files):
    raw = pd.read_csv(files.sandag)
    df = sandag.df
    _check_schema(df)
    have = raw[raw["wait_time"].notna()]
    assert len(df) == len(have) == 144
    np.testing.assert_array_equal(df["minutes"].to_numpy(), have["wait_time"].to_numpy())
    np.testing.assert_array_equal(df["hour"].to_numpy(), (have["hour"] - 1).to_numpy())
    assert df["weekday"].isna().all() and df["month"].isna().all()
    assert set(df["direction"]) == {"northbound"}  # the file has no southbound wait
    dropped = sandag.report.to_frame()
    assert len(dropped) == len(raw) - 144
    assert (raw.loc[raw["direction"] == "Southbound", "wait_time"]).isna().all()
    survey = io_waits.read_sandag_observed_waits(files.sandag, wait_source="survey")
    assert len(survey) == raw["wait_time_survey"].notna().sum()
    prof = io_waits.wait_profile(df, port_code=2506, lane="ready", by="hour")
    ref = have[(have["port_name"] == "Otay Mesa") & (have["traveler_type"] == "Ready")]
    np.testing.assert_allclose(prof.to_numpy(), ref["wait_time"].to_numpy())
    with pytest.raises(SchemaError, match="weekday"):
        io_waits.wait_profile(df, port_code=2506, lane="ready")  # SANDAG has no weekday


# ------------------------------------------------------------------------- dispatch, combine


@pytest.mark.parametrize(
    ("name", "fixture"),
    [
        ("hourly", "hourly"),
        ("bwt_json", "live"),
        ("sandag", "sandag"),
        ("series_tecate", "series_tecate"),
    ],
)
def test_read_waits_dispatches(files, request, name, fixture):
    expected = request.getfixturevalue(fixture).df
    pd.testing.assert_frame_equal(io_waits.read_waits(getattr(files, name)), expected)


def test_read_waits_flattened_csv(files, live):
    pd.testing.assert_frame_equal(
        io_waits.read_waits(files.bwt_csv).drop(columns="source"), live.df.drop(columns="source")
    )


def test_combine_waits(hourly, live, series_tecate, sandag):
    parts = [hourly.df, live.df, series_tecate.df, sandag.df]
    both = io_waits.combine_waits(parts)
    assert len(both) == sum(len(p) for p in parts)
    assert str(both["time"].dt.tz) == "UTC"
    n = len(hourly.df) + len(live.df)
    assert both["time"].iloc[n] == series_tecate.df["time"].iloc[0]
    # a mixed table still gives a profile (San Ysidro: historical + SANDAG by hour)
    prof = io_waits.wait_profile(both, port_code=2504, by="hour")
    assert prof.index.tolist() == list(range(24))


def test_wait_profile_is_pure_and_checks_arguments(hourly):
    before = hourly.df.copy()
    io_waits.wait_profile(hourly.df, port_code=2504)
    pd.testing.assert_frame_equal(hourly.df, before)
    with pytest.raises(SchemaError, match="lane"):
        io_waits.wait_profile(hourly.df, port_code=2504, lane="carpool")
    with pytest.raises(SchemaError, match="by="):
        io_waits.wait_profile(hourly.df, port_code=2504, by=("minute",))
    with pytest.raises(SchemaError, match="no northbound 'general' waits for port 2402"):
        io_waits.wait_profile(hourly.df, port_code=2402)
    with pytest.raises(SchemaError, match="stat"):
        io_waits.wait_profile(hourly.df, port_code=2504, stat="mode")
    with pytest.raises(SchemaError, match="lacks column"):
        io_waits.wait_profile(hourly.df.drop(columns="hour"), port_code=2504)


def test_profile_from_time_when_keys_are_missing(series_tecate):
    df = series_tecate.df.head(5000)
    blank = df.assign(hour=pd.NA, weekday=pd.NA)
    pd.testing.assert_series_equal(
        io_waits.wait_profile(blank, port_code=2505), io_waits.wait_profile(df, port_code=2505)
    )


# ------------------------------------------------------------------------- bad input


def test_bad_wait_files(tmp_path, files):
    html = tmp_path / "bwt.json"
    html.write_text("<!doctype html><html><body>503 Service Unavailable</body></html>")
    with pytest.raises(DataSourceError, match=r"bwt\.json.*HTML"):
        io_waits.read_waits(html)
    cut = tmp_path / "cut.json"
    cut.write_text(files.bwt_json.read_text()[:5000])
    with pytest.raises(DataSourceError, match=r"cut\.json.*JSON"):
        io_waits.read_waits_live(cut)
    raw = files.series_tj.read_bytes()
    trunc = tmp_path / "tj.csv.gz"
    trunc.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataSourceError, match=r"tj\.csv\.gz.*(truncated|damaged)"):
        io_waits.read_waits(trunc)
    other = tmp_path / "other.csv"
    other.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(SchemaError, match=r"other\.csv.*not a known wait-time shape"):
        io_waits.read_waits(other)


def test_bad_hourly_values(tmp_path, hourly_raw):
    bad = hourly_raw.copy()
    bad.loc[5, "bwt_day"] = 7
    path = tmp_path / "san_ysidro_hist.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(SchemaError, match=r"'bwt_day'.*0-6"):
        io_waits.read_waits_hourly(path)
    path2 = tmp_path / "san_ysidro_nolanes.csv"
    hourly_raw[["bwt_month", "bwt_day", "bwt_hour"]].to_csv(path2, index=False)
    with pytest.raises(SchemaError, match="no wait column"):
        io_waits.read_waits_hourly(path2)


def test_series_missing_column(tmp_path, series_tj_raw):
    path = tmp_path / "tj.csv.gz"
    with gzip.open(path, "wt") as fh:
        series_tj_raw.head(20).drop(columns="tipo_carril").to_csv(fh, index=False)
    with pytest.raises(SchemaError, match=r"tj\.csv\.gz.*tipo_carril"):
        io_waits.read_waits_series(path)
